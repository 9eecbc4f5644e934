import Foundation
import Testing
import VaultCore
import VaultStore

/// `regvault postgres upgrade` on a database made before the records' indexes were keyed by digests.
@Suite("the PostgreSQL schema's upgrade")
struct PostgresSchemaUpgradeTests {
    /// The records' indexes as the schema made them before `PostgresSchema.digests`.
    static let earlierIndexes = """
        DROP INDEX records_by_event_digest, records_by_entity_digest, records_by_player_digest, records_by_object_key;
        DROP FUNCTION regvault_key_digest(text), regvault_event_digest(text);
        CREATE UNIQUE INDEX records_by_event_id ON records (event_id);
        CREATE INDEX records_by_entity ON records (entity_type, entity_id, seq);
        CREATE INDEX records_by_player ON records (player_id, seq) WHERE player_id IS NOT NULL;
        """

    static let indexNames = "SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'records'"

    @Test("an earlier database is refused with the command that upgrades it; after the upgrade, run twice, every record is found as before")
    func upgrade() async throws {
        let fixture = try VaultFixture(backend: .postgres)
        try await fixture.append([
            record("evt-kyc-1", stream: "kyc", jurisdiction: "MT", player: "p-1", entity: ("player", "p-1")),
            record("evt-kyc-2", stream: "kyc", jurisdiction: "MT", player: "p-1", entity: ("player", "p-1"), note: "again"),
            bonusRuleChange("evt-bonus-1", state: #"{"cap":1}"#),
        ])
        // Enough other records that the planner seeks rather than reads the whole table.
        for batch in 0..<4 {
            try await fixture.append((0..<500).map {
                record("evt-other-\(batch)-\($0)", stream: "kyc", jurisdiction: "MT", player: "p-\(batch)-\($0 % 50)",
                       entity: ("player", "p-\(batch)-\($0 % 50)"))
            })
        }
        let url = try String(contentsOfFile: fixture.path + "/postgres.url", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try PostgresTestDatabase.asOwner(url, Self.earlierIndexes)

        #expect {
            _ = try Vault.open(at: fixture.path)
        } throws: { error in
            "\(error)".contains("predates the records' indexes by digest") && "\(error)".contains("regvault postgres upgrade")
        }

        try PostgresTestDatabase.asOwner(url, PostgresSchema.upgrade)
        try PostgresTestDatabase.asOwner(url, PostgresSchema.upgrade)
        #expect(try PostgresTestDatabase.asOwner(url, Self.indexNames)
            == "records_by_entity_digest records_by_event_digest records_by_object_key records_by_player_digest records_by_stream records_pkey")

        let upgraded = try Vault.open(at: fixture.path)
        #expect(try upgraded.store.records(eventIds: ["evt-kyc-1", "evt-bonus-1", "evt-none"]).keys.sorted() == ["evt-bonus-1", "evt-kyc-1"])
        #expect(try upgraded.store.history(entityType: "player", entityId: "p-1").map(\.eventId) == ["evt-kyc-1", "evt-kyc-2"])
        #expect(try upgraded.store.records(playerId: "p-1", after: nil, limit: 10).map(\.eventId) == ["evt-kyc-1", "evt-kyc-2"])
        #expect(try upgraded.store.latestRecord(entityType: "bonusRule", entityId: "123")?.eventId == "evt-bonus-1")

        // Those reads sought in the new indexes (a query whose digest did not match the index's
        // would read the whole table and still answer right). A backend reports its counts within
        // about ten seconds of going idle.
        let indexes = ["records_by_entity_digest", "records_by_event_digest", "records_by_player_digest"]
        var unused = indexes
        for _ in 0..<40 where !unused.isEmpty {
            try await Task.sleep(for: .milliseconds(500))
            let used = try PostgresTestDatabase.asOwner(url, "SELECT indexrelname FROM pg_stat_user_indexes WHERE idx_scan > 0")
            unused = indexes.filter { !used.split(separator: "\n").contains(Substring($0)) }
        }
        #expect(unused.isEmpty, "never sought in: \(unused)")
    }
}
