import Foundation
import VaultCore
import VaultSandbox

/// `regvault-bench --only sandbox`: the scenario generator and the sandbox log it fills.
///
/// - generation: every record of the built-in `mid-size-operator` scenario (one year, 50,000
///   players), against the demo's stateless `SyntheticRecords` printing the same number of lines
///   (string formatting alone), in the same process;
/// - the log: the whole scenario replayed into a sandbox log (validation, entries, tree, one signed
///   checkpoint per 1,000-record batch), and the size of its directory on disk against the
///   records' own JSON bytes.
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
        let everything = source.text.replacingOccurrences(of: "\"initialRecords\": \(source.scenario.replay.initialRecords)",
                                                          with: "\"initialRecords\": \(count)")
        let log = SandboxLog(root: root + "/sandbox")
        start = Date()
        try await log.start(try ScenarioSource(text: everything))
        let replay = Double(count) / Date().timeIntervalSince(start)
        let onDisk = try directorySize(root + "/sandbox")
        let mib = { (bytes: Int) in String(format: "%.0f MiB", Double(bytes) / 1_048_576) }
        return [
            ["sandbox generator, mid-size-operator (\(count) records, 1 year, 50,000 players)", rate(generation),
             rate(baseline) + " (SyntheticRecords, formatting only)", String(format: "%.2f", generation / baseline)],
            ["sandbox log: the whole scenario replayed", rate(replay), "", ""],
            ["sandbox log on disk", mib(onDisk) + String(format: " (%.0f B/record)", Double(onDisk) / Double(count)),
             mib(bytes) + " (the records' JSON)", String(format: "%.2f", Double(onDisk) / Double(bytes))],
        ]
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
