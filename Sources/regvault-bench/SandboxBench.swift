import Foundation
import GRDB
import VaultCore
import VaultSandbox

/// `regvault-bench --only sandbox`: the scenario generator and the sandbox log it fills.
///
/// - generation: every record of the built-in `mid-size-operator` scenario (one year, 50,000
///   players), against the demo's stateless `SyntheticRecords` printing the same number of lines
///   (string formatting alone), in the same process;
/// - the log: the whole scenario replayed into a sandbox log (validation, entries, tree, one signed
///   checkpoint per 1,000-record batch), and the size of its directory on disk against the
///   records' own JSON bytes, and what each table and index of its database takes per record.
enum SandboxBench {
    static func rows(root: String) async throws -> [[String]] {
        let source = try ScenarioSource(nameOrPath: "mid-size-operator")
        print("generating the mid-size-operator scenario…", to: &standardError)
        var count = 0, bytes = 0
        var start = Date()
        for record in ScenarioGenerator(scenario: source.scenario) {
            count += 1
            bytes += record.line.utf8.count
        }
        let generation = Double(count) / Date().timeIntervalSince(start)
        start = Date()
        var baselineBytes = 0
        for line in SyntheticRecords(seed: 1, count: count) { baselineBytes += line.utf8.count }
        let baseline = Double(count) / Date().timeIntervalSince(start)

        print("replaying \(count) records into a sandbox log…", to: &standardError)
        // A modified copy of a built-in scenario needs a name of its own.
        let everything = source.text
            .replacingOccurrences(of: "\"initialRecords\": \(source.scenario.replay.initialRecords)", with: "\"initialRecords\": \(count)")
            .replacingOccurrences(of: "\"name\": \"mid-size-operator\"", with: "\"name\": \"mid-size-operator-replayed-whole\"")
        let log = SandboxLog(root: root + "/sandbox")
        start = Date()
        try await log.start(try ScenarioSource(text: everything))
        let replay = Double(count) / Date().timeIntervalSince(start)
        let onDisk = try directorySize(root + "/sandbox")
        let mib = { (bytes: Int) in String(format: "%.0f MiB", Double(bytes) / 1_048_576) }
        let perObject = try bytesPerObject(databaseUnder: root + "/sandbox").map { name, size in
            ["  of which \(name)", String(format: "%.0f B/record", Double(size) / Double(count)), "", ""]
        }
        return [
            ["sandbox generator, mid-size-operator (\(count) records, 1 year, 50,000 players)", rate(generation),
             rate(baseline) + " (SyntheticRecords, formatting only)", String(format: "%.2f", generation / baseline)],
            ["sandbox log: the whole scenario replayed", rate(replay), "", ""],
            ["sandbox log on disk", mib(onDisk) + String(format: " (%.0f B/record)", Double(onDisk) / Double(count)),
             mib(bytes) + " (the records' JSON)", String(format: "%.2f", Double(onDisk) / Double(bytes))],
        ] + perObject
    }

    /// The bytes each table and index of the vault database under `path` occupies (SQLite's
    /// `dbstat`), largest first, then what the main columns of its records and leaves hold.
    static func bytesPerObject(databaseUnder path: String) throws -> [(name: String, bytes: Int)] {
        let enumerator = FileManager.default.enumerator(atPath: path)
        guard let name = (enumerator?.allObjects as? [String])?.first(where: { $0.hasSuffix("vault.sqlite") }) else { return [] }
        let queue = try DatabaseQueue(path: path + "/" + name)
        return try queue.read { db in
            let objects = try Row.fetchAll(db, sql: "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name HAVING SUM(pgsize) > 65536 ORDER BY 2 DESC")
                .map { (name: $0[0] as String, bytes: $0[1] as Int) }
            let columns = try Row.fetchOne(db, sql: """
                SELECT SUM(LENGTH(body)), SUM(LENGTH(diff)), SUM(LENGTH(state_after)), SUM(LENGTH(salt)), SUM(LENGTH(event_id)),
                       SUM(LENGTH(entity_type) + LENGTH(entity_id) + LENGTH(stream) + COALESCE(LENGTH(player_id), 0))
                FROM records
                """)!
            let leaves = try Row.fetchOne(db, sql: "SELECT SUM(LENGTH(entry)), SUM(LENGTH(hashes)) FROM leaves")!
            let names = ["body", "diff", "state after", "salt", "event id", "stream, entity and player"]
            return objects + names.indices.map { ("records' \(names[$0]) column", (columns[$0] as Int?) ?? 0) }
                + [("leaves' entry column", leaves[0]), ("leaves' hashes column", leaves[1])]
        }
    }

    static func directorySize(_ path: String) throws -> Int {
        var total = 0
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let name = enumerator?.nextObject() as? String {
            let attributes = try FileManager.default.attributesOfItem(atPath: path + "/" + name)
            if attributes[.type] as? FileAttributeType == .typeRegular { total += (attributes[.size] as? Int) ?? 0 }
        }
        return total
    }

    static func rate(_ perSecond: Double) -> String { Bench.rate(perSecond) }
}
