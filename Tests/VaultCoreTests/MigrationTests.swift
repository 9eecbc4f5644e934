import Foundation
import Testing
@testable import VaultCore
import VaultFormat
@testable import VaultReports
import VaultStore

/// Moving a vault from SQLite to PostgreSQL: every row as stored, proved before the switch.
@Suite("regvault migrate: SQLite to PostgreSQL")
struct MigrationTests {
    let officer = VaultActor(id: "co-1", role: "compliance_officer")
    let clock = ManualClock(millis: VaultFixture.now)

    /// What the SQLite vault held before the move, to compare with afterwards.
    struct Before {
        let checkpoints: [CheckpointRow]
        let history: [HistoryItem]
        let report: ObjectVersion
        let erased: ObjectVersion
        let pendingDelivery: String
    }

    /// A SQLite vault with records, a filed report (two object files, two deliveries, one of them
    /// sent), and a stored object erased early (governance, by an admin). The writer is gone when
    /// this returns, so its lock is free.
    func fillVault(at path: String) async throws -> Before {
        let vault = try Vault.create(at: path, origin: "test.regvault.local/log", policies: try PostgresObjectTests.governancePolicies())
        let writer = try vault.makeWriter(clock: clock)
        let validator = RecordValidator()
        let records = try (0..<25).map { try validator.validate(Array(bonusRuleChange("e\($0)", id: "\($0 % 4)", state: #"{"cap":\#($0)}"#).utf8),
                                                               now: clock.nowMillis()) }
        _ = try await writer.append(records)
        let file = ReportFile(name: "daily-2026-11-19.csv", format: .csv, bytes: Array("a,b\n1,2\n".utf8))
        let routes = [DeliveryRoute(destination: "mga-portal", channel: "webhook"), DeliveryRoute(destination: "ukgc-portal", channel: "webhook")]
        let filed = try await writer.storeReport(
            files: [(key: "reports/mt/daily/2026-11-19/\(file.name)", file: file)], period: "2026-11-19", jurisdiction: "MT",
            eventId: "rpt:mt:daily:2026-11-19:v0", entityId: "mt/daily/2026-11-19", action: "generate",
            state: ["period": .string("2026-11-19")], reportVersion: 0, started: 0, deliveries: routes)
        let claimed = try vault.store.claimDeliveries(now: VaultFixture.now, owner: "w", leaseMillis: 60_000, limit: 10)
        #expect(try vault.store.completeDelivery(claimed[0].deliveryId, owner: "w"))
        #expect(try vault.store.rescheduleDelivery(claimed[1].deliveryId, owner: "w", dueAt: VaultFixture.now + 90_000))

        let lock = ObjectLockRequest(mode: .governance, retainUntil: VaultFixture.now + 2 * 366 * 86_400_000)
        let mistake = try await writer.putObject(key: "misfiled.csv", bytes: Data("x\n".utf8), contentType: "text/csv", period: nil,
                                                 jurisdiction: "MT", lock: lock, actor: officer)
        _ = try await writer.deleteObjectVersion(mistake, authority: .init(isAdmin: true, bypassGovernance: true, reason: "misfiled"),
                                                 actor: VaultActor(id: "admin-1", role: "admin"))
        let store = try #require(vault.store as? SQLiteStore)
        #expect(filed.seq > 0)
        return Before(checkpoints: try store.checkpointRows(), history: try vault.history(entityType: "bonusRule", entityId: "1"),
                      report: try #require(try vault.objectVersions(period: "2026-11-19").first),
                      erased: try vault.objectVersion(key: "misfiled.csv", versionId: mistake.versionId),
                      pendingDelivery: claimed[1].deliveryId)
    }

    @Test("the moved vault serves the same entries, records, checkpoints, objects and outbox, checks intact, and grows consistently")
    func roundTrip() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        let before = try await fillVault(at: path)
        let url = try PostgresTestDatabase.make()

        var stages: Set<String> = []
        let report = try Vault.migrateToPostgres(at: path, url: url, pageSize: 7) { stage in
            switch stage {
            case .copied: stages.insert("copied")
            case .compared: stages.insert("compared")
            case .checked: stages.insert("checked")
            }
        }
        #expect(stages == ["copied", "compared", "checked"])
        #expect(report.integrity.isIntact && report.erased == 1 && report.objects == 1)
        #expect(FileManager.default.fileExists(atPath: path + "/postgres.url"))
        #expect(FileManager.default.fileExists(atPath: path + "/vault.sqlite.migrated"))
        #expect(!FileManager.default.fileExists(atPath: path + "/vault.sqlite"))

        let moved = try Vault.open(at: path)
        let store = try #require(moved.store as? PostgresStore)
        #expect(try store.checkpointRows() == before.checkpoints)
        #expect(try moved.history(entityType: "bonusRule", entityId: "1").map(\.record.eventId) == before.history.map(\.record.eventId))
        #expect(try moved.objectBytes(before.report) == Data("a,b\n1,2\n".utf8))
        #expect(throws: VaultError(.notFound, "")) { try moved.objectBytes(before.erased) }
        #expect(try store.outboxRows().map(\.deliveryId) == [before.pendingDelivery])
        #expect(try store.outboxRows().first?.attempts == 1)
        #expect(try moved.checkIntegrity().problems.isEmpty)

        // The moved log grows from the same tree: its next checkpoint is consistent with the last one SQLite signed.
        let last = try #require(try Checkpoint(parsing: String(before.checkpoints.last!.note.split(separator: "\n\n")[0]) + "\n"))
        let writer = try moved.makeWriter(clock: clock)
        let record = try RecordValidator().validate(Array(bonusRuleChange("after", state: #"{"cap":99}"#).utf8), now: clock.nowMillis())
        #expect(try await writer.append([record]).first?.seq == Int64(last.size))
        let after = try #require(try moved.latestCheckpoint()).checkpoint
        try ProofCheck.checkConsistency(oldSize: Int64(last.size), newSize: Int64(after.size), oldRoot: last.rootHash,
                                        newRoot: after.rootHash,
                                        proof: try moved.consistencyProof(from: Int64(last.size), to: Int64(after.size)).hashes)
    }

    @Test("a database that already holds a vault is refused, and the SQLite vault stays as it was")
    func occupiedDatabase() async throws {
        let first = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        let second = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        _ = try await fillVault(at: first)
        _ = try await fillVault(at: second)
        let url = try PostgresTestDatabase.make()
        _ = try Vault.migrateToPostgres(at: first, url: url)
        #expect(throws: (any Error).self) { try Vault.migrateToPostgres(at: second, url: url) }
        #expect(!FileManager.default.fileExists(atPath: second + "/postgres.url"))
        let untouched = try Vault.open(at: second)
        #expect(untouched.store is SQLiteStore)
        #expect(try untouched.checkIntegrity().problems.isEmpty)
        // The database still holds only the first vault.
        #expect(try PostgresTestDatabase.psql(url, "SELECT count(*) FROM meta WHERE key = 'origin'") == "1")
    }

    @Test("a vault whose writer is running is not moved")
    func writerRunning() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        let vault = try Vault.create(at: path, origin: "test.regvault.local/log")
        let writer = try vault.makeWriter(clock: clock)
        let url = try PostgresTestDatabase.make()
        #expect(throws: VaultError(.writerBusy, "")) { try Vault.migrateToPostgres(at: path, url: url) }
        #expect(try PostgresTestDatabase.psql(url, "SELECT (SELECT count(*) FROM leaves) + (SELECT count(*) FROM records)") == "0")
        withExtendedLifetime(writer) {}
    }
}
