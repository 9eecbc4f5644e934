import Foundation
import GRDB
import VaultCore
import VaultFormat
import VaultSandbox
import VaultStore

/// Measures the log core against this machine's own SQLite, in one process, and prints a Markdown
/// table. Usage: `swift run -c release regvault-bench [RECORDS] [--only archive|check|sweep|audit|sandbox]`
/// (default 1,000,000 records, every measurement; `sandbox` is `SandboxBench`, which needs no RECORDS).
///
/// - ingest: the production path (validation, canonicalisation, diffs, entries, tree hashes, one
///   signed checkpoint and one durable transaction per batch) against the same rows inserted into a
///   bare table with the same columns, indexes and pragmas, with the same batch size; the ratio is
///   the figure that matters.
/// - proofs: inclusion proofs per second at the full size, for random leaves.
/// - history: latency of an entity with 100 versions spread through the log.
/// - check: `regvault check` (every entry, tree hash, checkpoint and record commitment) against
///   SHA-256 of the same entries alone.
/// - export and verify: a full export archive, and the `regvault-verify` binary next to this one
///   checking it, against raw SHA-256 of 300-byte inputs in this process.
/// - sweep: erasing every record seven years later (secure delete, erasure entries, WAL truncated)
///   against bare SQLite nulling the same columns of the same rows, batch for batch.
@main
struct Bench {
    static func main() async throws {
        let count = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000
        // `--only archive|check|sweep|audit`: ingest, then only that measurement (for working on it).
        let only = CommandLine.arguments.firstIndex(of: "--only").map { CommandLine.arguments[$0 + 1] }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("regvault-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        if only == "sandbox" {
            printTable(try await SandboxBench.rows(root: root), baseline: "baseline")
            return
        }
        print("generating \(count) synthetic records…", to: &standardError)
        let lines = makeInput(count: count)
        var rows: [[String]] = []

        if let only {
            let vault = try await vaultIngest(lines: lines, batchSize: IngestPipeline.defaultBatchSize, path: "\(root)/vault")
            switch only {
            case "archive":
                let exported = try exportAndVerify(vault: vault.vault, path: "\(root)/export.tar")
                print("export \(rate(exported.export)), verify \(rate(exported.verify)), SHA-256 \(rate(exported.sha256))")
            case "check": print("check \(rate(try checkRate(vault: vault.vault).vault))")
            case "audit":
                let audit = try auditLatency(vault: vault.vault)
                print(String(format: "audit p50 %.2f ms, p99 %.2f ms", audit.p50, audit.p99))
                let trailOnly = try latency { _ = try vault.vault.audit(entityType: "bonusRule", entityId: historyEntity) }
                let history = try historyLatency(vault: vault.vault)
                print(String(format: "of which the trail p50 %.2f ms, history p50 %.2f ms", trailOnly.p50, history.p50))
            case "sweep": print("sweep \(rate(try await sweepRate(vault: vault.vault)))")
            default: print("--only archive, check, sweep, audit or sandbox", to: &standardError)
            }
            return
        }
        let validationRate = try validationAlone(lines: lines)
        rows.append(["validate + canonicalise + salt/commit only, one core", rate(validationRate), "", ""])
        for batchSize in [1_000, IngestPipeline.defaultBatchSize] {
            let bare = try bareSQLite(lines: lines, batchSize: batchSize, path: "\(root)/bare-\(batchSize).sqlite")
            let vault = try await vaultIngest(lines: lines, batchSize: batchSize, path: "\(root)/vault-\(batchSize)")
            rows.append(["ingest, batch \(batchSize)", rate(vault.rate), rate(bare), String(format: "%.2f", vault.rate / bare)])
            if batchSize == IngestPipeline.defaultBatchSize {
                let proofs = try proofRate(vault: vault.vault, size: Int64(count))
                rows.append(["inclusion proofs at \(count)", rate(proofs), "", ""])
                let latency = try historyLatency(vault: vault.vault)
                rows.append(["history, 100 versions at \(count): p50 / p99",
                             String(format: "%.2f ms / %.2f ms", latency.p50, latency.p99), "", ""])
                let audit = try auditLatency(vault: vault.vault)
                rows.append(["audit trail with 100 proofs, as JSON bytes, at \(count): p50 / p99",
                             String(format: "%.2f ms / %.2f ms", audit.p50, audit.p99), "", ""])
                let check = try checkRate(vault: vault.vault)
                rows.append(["check, entries at \(count)", rate(check.vault), rate(check.sha256) + " (SHA-256 of the entries)",
                             String(format: "%.2f", check.vault / check.sha256)])
                let exported = try exportAndVerify(vault: vault.vault, path: "\(root)/export.tar")
                rows.append(["export, full, records at \(count)", rate(exported.export), "", ""])
                rows.append(["regvault-verify, records at \(count)", rate(exported.verify),
                             rate(exported.sha256) + " (SHA-256 of 300-byte inputs)", String(format: "%.2f", exported.verify / exported.sha256)])
                let sweep = try await sweepRate(vault: vault.vault)
                let bareSweep = try bareErasure(path: "\(root)/bare-\(batchSize).sqlite", batchSize: 1_000)
                rows.append(["sweep: records erased at \(count)", rate(sweep), rate(bareSweep) + " (UPDATE … SET NULL)",
                             String(format: "%.2f", sweep / bareSweep)])
            }
        }
        printTable(rows, baseline: "bare SQLite (same rows, indexes, pragmas, batch)")
    }

    static func printTable(_ rows: [[String]], baseline: String) {
        print("| measure | RegVault | \(baseline) | ratio |")
        print("|---|---|---|---|")
        for row in rows { print("| " + row.joined(separator: " | ") + " |") }
    }

    /// The entity whose history is timed: 100 versions, one every `count / 100` records.
    static let historyEntity = "bench-100"

    static func makeInput(count: Int) -> [InputLine] {
        let records = SyntheticRecords(seed: 2026, count: count)
        let every = max(count / 100, 1)
        return (0..<count).map { index in
            let text = index % every == every / 2
                ? #"{"eventId":"bench-h-\#(index)","stream":"audit.change","entity":{"type":"bonusRule","id":"\#(historyEntity)"},"action":"update","actor":{"id":"bo-admin-1","role":"bonus_manager"},"occurredAt":"2026-01-01T00:00:00Z","reason":"benchmark change \#(index)","jurisdiction":"MT","state":{"maxBonus":\#(index % 1000),"wagering":35}}"#
                : records.record(at: index)
            return InputLine(number: index + 1, bytes: Array(text.utf8))
        }
    }

    static func vaultIngest(lines: [InputLine], batchSize: Int, path: String) async throws -> (rate: Double, vault: Vault) {
        let vault = try Vault.create(at: path, origin: "bench.regvault.local/log")
        let writer = try vault.makeWriter()
        let started = Date()
        var stored = 0
        try await IngestPipeline(writer: writer, batchSize: batchSize).run(lines: lines) { stored += $0.count }
        let seconds = Date().timeIntervalSince(started)
        precondition(stored == lines.count, "every record is acknowledged")
        let t = await writer.timings
        let commitSeconds = await writer.commitSeconds
        print("vault, batch \(batchSize): \(stored) records in \(String(format: "%.1f", seconds)) s; writer: event ids "
              + String(format: "%.1f s, entities %.1f s, sequencing %.1f s; commits %.1f s", t.eventIdLookup, t.entityLookup,
                       t.sequencing, commitSeconds), to: &standardError)
        return (Double(stored) / seconds, vault)
    }

    /// The same record rows, with the same columns, indexes and pragmas, inserted with no log.
    static func bareSQLite(lines: [InputLine], batchSize: Int, path: String) throws -> Double {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: SQLiteStore.connectionPragmas) }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE records (seq INTEGER PRIMARY KEY NOT NULL, event_id TEXT NOT NULL, stream TEXT NOT NULL,
                    entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, player_id TEXT, occurred_at INTEGER NOT NULL,
                    recorded_at INTEGER NOT NULL, version INTEGER NOT NULL, body BLOB, salt BLOB, diff BLOB,
                    state_after BLOB) STRICT;
                CREATE UNIQUE INDEX records_by_event_id ON records(event_id);
                CREATE INDEX records_by_entity ON records(entity_type, entity_id);
                CREATE INDEX records_by_stream ON records(stream, recorded_at);
                CREATE INDEX records_by_player ON records(player_id) WHERE player_id IS NOT NULL;
                """)
        }
        // Build the rows up front: the baseline measures SQLite, not JSON parsing.
        let salt = Data(repeating: 7, count: RecordValidator.saltLength)
        let rows: [StoredRecord] = lines.enumerated().map { seq, line in
            let object = try! JSONSerialization.jsonObject(with: Data(line.bytes)) as! [String: Any]
            let entity = object["entity"] as! [String: String]
            return StoredRecord(seq: Int64(seq), eventId: object["eventId"] as! String, stream: object["stream"] as! String,
                                entityType: entity["type"]!, entityId: entity["id"]!, playerId: object["playerId"] as? String,
                                occurredAt: 0, recordedAt: 0, version: 1, body: Data(line.bytes), salt: salt, diff: nil,
                                stateAfter: nil)
        }
        let started = Date()
        for start in stride(from: 0, to: rows.count, by: batchSize) {
            try pool.write { db in
                try SQLiteStore.insertRecords(Array(rows[start..<min(start + batchSize, rows.count)]), into: db)
            }
        }
        let seconds = Date().timeIntervalSince(started)
        print("bare SQLite, batch \(batchSize): \(rows.count) rows in \(String(format: "%.1f", seconds)) s", to: &standardError)
        return Double(rows.count) / seconds
    }

    /// The per-record work before sequencing, on one core, for reference.
    static func validationAlone(lines: [InputLine]) throws -> Double {
        let validator = RecordValidator()
        let now = SystemClock().nowMillis()
        let started = Date()
        for line in lines { _ = try validator.validate(line.bytes, now: now) }
        return Double(lines.count) / Date().timeIntervalSince(started)
    }

    static func proofRate(vault: Vault, size: Int64) throws -> Double {
        var rng = SystemRandomNumberGenerator()
        let count = 20_000
        let started = Date()
        for _ in 0..<count {
            let proof = try vault.inclusionProof(seq: Int64.random(in: 0..<size, using: &rng))
            precondition(!proof.hashes.isEmpty)
        }
        return Double(count) / Date().timeIntervalSince(started)
    }

    static func historyLatency(vault: Vault) throws -> (p50: Double, p99: Double) {
        try latency {
            let items = try vault.history(entityType: "bonusRule", entityId: historyEntity)
            precondition(items.count == 100, "the timed entity has 100 versions, found \(items.count)")
        }
    }

    /// `/regulator/audit`'s work without HTTP: the trail with 100 proofs, as the JSON bytes served.
    static func auditLatency(vault: Vault) throws -> (p50: Double, p99: Double) {
        try latency {
            let trail = try vault.audit(entityType: "bonusRule", entityId: historyEntity)
            precondition(trail.changes.count == 100, "the timed entity has 100 versions, found \(trail.changes.count)")
            _ = try EvidenceJSON.auditBytes(trail)
        }
    }

    /// p50 and p99 of 1,000 runs of `body`, in milliseconds.
    static func latency(_ body: () throws -> Void) throws -> (p50: Double, p99: Double) {
        var samples: [Double] = []
        for _ in 0..<1_000 {
            let started = DispatchTime.now().uptimeNanoseconds
            try body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
        }
        samples.sort()
        return (samples[samples.count / 2], samples[samples.count * 99 / 100])
    }

    /// `checkIntegrity` over the whole log, and SHA-256 of every entry alone, on the same machine.
    static func checkRate(vault: Vault) throws -> (vault: Double, sha256: Double) {
        let started = Date()
        let report = try vault.checkIntegrity()
        let seconds = Date().timeIntervalSince(started)
        precondition(report.isIntact, "the benchmark vault is intact: \(report.problems.prefix(3))")
        let entries = try vault.store.leaves(from: 0, to: report.entries).map(\.entry)
        let hashStarted = Date()
        var folded: UInt8 = 0
        for entry in entries { folded ^= MerkleHashing.leafHash(entry).bytes[0] }
        let hashSeconds = Date().timeIntervalSince(hashStarted)
        print("check: \(report.entries) entries in \(String(format: "%.1f", seconds)) s (fold \(folded))", to: &standardError)
        return (Double(report.entries) / seconds, Double(entries.count) / hashSeconds)
    }

    /// Exports the whole log, runs `regvault-verify` on the archive, and measures raw SHA-256.
    static func exportAndVerify(vault: Vault, path: String) throws -> (export: Double, verify: Double, sha256: Double) {
        var started = Date()
        let summary = try vault.export(to: path)
        let exportSeconds = Date().timeIntervalSince(started)
        let verifier = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("regvault-verify")
        let process = Process()
        process.executableURL = verifier
        process.arguments = [path, "--key", vault.verifierKey.description]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        started = Date()
        try process.run()
        process.waitUntilExit()
        let verifySeconds = Date().timeIntervalSince(started)
        precondition(process.terminationStatus == 0, "the benchmark's archive verifies")
        let input = [UInt8](repeating: 7, count: 300)
        var folded: UInt8 = 0
        started = Date()
        for i in 0..<1_000_000 {
            var bytes = input
            bytes[0] = UInt8(truncatingIfNeeded: i)
            folded ^= Hash.sha256(bytes).bytes[0]
        }
        let shaRate = 1_000_000 / Date().timeIntervalSince(started)
        print("export: \(summary.records) records, \(summary.bytes) bytes in \(String(format: "%.1f", exportSeconds)) s; "
              + "verify \(String(format: "%.1f", verifySeconds)) s (fold \(folded))", to: &standardError)
        return (Double(summary.records) / exportSeconds, Double(summary.records) / verifySeconds, shaRate)
    }

    /// Sweeps seven years and a day after ingest, when every record has expired.
    static func sweepRate(vault: Vault) async throws -> Double {
        let clock = ManualClock(millis: Timestamp.addingYears(7, toMillis: SystemClock().nowMillis()) + 86_400_000)
        let writer = try vault.makeWriter(clock: clock)
        let started = Date()
        let summary = try await writer.sweep()
        let seconds = Date().timeIntervalSince(started)
        print("sweep: \(summary.erased) erased of \(summary.examined) in \(String(format: "%.1f", seconds)) s", to: &standardError)
        return Double(summary.erased) / seconds
    }

    /// Nulls the erasable columns of every row of the bare table, row by row, `batchSize` rows per transaction,
    /// with the same pragmas (secure delete included), then truncates the WAL.
    static func bareErasure(path: String, batchSize: Int) throws -> Double {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: SQLiteStore.connectionPragmas) }
        let pool = try DatabasePool(path: path, configuration: configuration)
        let count = try pool.read { db in try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM records") ?? 0 }
        let started = Date()
        for start in stride(from: Int64(0), to: count, by: batchSize) {
            try pool.write { db in
                // One statement per row, as the vault's erasure does.
                let erase = try db.cachedStatement(sql: "UPDATE records SET body = NULL, salt = NULL, diff = NULL, "
                    + "state_after = NULL WHERE seq = ?")
                for seq in start..<min(start + Int64(batchSize), count) { try erase.execute(arguments: [seq]) }
            }
        }
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        return Double(count) / Date().timeIntervalSince(started)
    }

    static func rate(_ perSecond: Double) -> String {
        String(format: "%.0f/s", perSecond)
    }
}

nonisolated(unsafe) var standardError = StandardError()

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
