import Foundation
import Testing
import VaultCore
import VaultStore

/// `regvault postgres upgrade` on a database made before the records' indexes were keyed by digests.
@Suite("the PostgreSQL schema's upgrade")
struct PostgresSchemaUpgradeTests {
    /// The records' indexes and the insert rules as the schema made them before
    /// `PostgresSchema.digests` and `PostgresSchema.statementRules`.
    static let earlierSchema = """
        DROP INDEX records_by_event_digest, records_by_entity_digest, records_by_player_digest, records_by_object_key;
        DROP FUNCTION regvault_key_digest(text), regvault_event_digest(text);
        CREATE UNIQUE INDEX records_by_event_id ON records (event_id);
        CREATE INDEX records_by_entity ON records (entity_type, entity_id, seq);
        CREATE INDEX records_by_player ON records (player_id, seq) WHERE player_id IS NOT NULL;
        DROP TRIGGER leaves_append_at_the_end ON leaves;
        DROP TRIGGER records_have_their_leaves ON records;
        DROP TRIGGER deliveries_enter_the_outbox ON records;
        DROP FUNCTION regvault_leaves_appended_at_the_end(), regvault_records_have_leaves(), regvault_deliveries_enter_the_outbox();
        ALTER TABLE records ADD CONSTRAINT records_seq_fkey FOREIGN KEY (seq) REFERENCES leaves (seq);
        CREATE FUNCTION regvault_leaf_appended_at_the_end() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            IF NEW.seq <> COALESCE((SELECT max(seq) + 1 FROM public.leaves), 0) THEN
                RAISE EXCEPTION 'log leaves are appended at the end only' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER leaves_append_at_the_end BEFORE INSERT ON leaves
        FOR EACH ROW EXECUTE FUNCTION regvault_leaf_appended_at_the_end();
        CREATE FUNCTION regvault_delivery_enters_the_outbox() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            IF NEW.stream = 'vault.delivery' AND NEW.entity_type = 'delivery' AND NEW.version = 1 THEN
                INSERT INTO public.outbox (delivery_id, due_at) VALUES (NEW.entity_id, NEW.recorded_at);
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER deliveries_enter_the_outbox AFTER INSERT ON records
        FOR EACH ROW EXECUTE FUNCTION regvault_delivery_enters_the_outbox();
        """

    /// The triggers on leaves and records, each with whether it fires per row, and the foreign keys of records.
    static let insertRules = """
        SELECT string_agg(tgname || CASE WHEN tgtype & 1 = 1 THEN ' per row' ELSE '' END, ', ' ORDER BY tgname)
        FROM pg_trigger WHERE tgrelid IN ('leaves'::regclass, 'records'::regclass) AND NOT tgisinternal
        UNION ALL
        SELECT COALESCE(string_agg(conname, ', '), 'no foreign key') FROM pg_constraint WHERE conrelid = 'records'::regclass AND contype = 'f'
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
        try PostgresTestDatabase.asOwner(url, Self.earlierSchema)

        #expect {
            _ = try Vault.open(at: fixture.path)
        } throws: { error in
            "\(error)".contains("predates the records' indexes by digest and the rules checked per statement") && "\(error)".contains("regvault postgres upgrade")
        }

        try PostgresTestDatabase.asOwner(url, PostgresSchema.upgrade)
        try PostgresTestDatabase.asOwner(url, PostgresSchema.upgrade)
        #expect(try PostgresTestDatabase.asOwner(url, Self.indexNames)
            == "records_by_entity_digest records_by_event_digest records_by_object_key records_by_player_digest records_by_stream records_pkey")

        #expect(try PostgresTestDatabase.asOwner(url, Self.insertRules) == """
            deliveries_enter_the_outbox, leaves_append_at_the_end, leaves_are_append_only, leaves_are_fenced, \
            records_are_never_deleted, records_change_only_by_erasure per row, records_have_their_leaves
            no foreign key
            """)

        let upgraded = try Vault.open(at: fixture.path)
        #expect(try upgraded.store.records(eventIds: ["evt-kyc-1", "evt-bonus-1", "evt-none"]).keys.sorted() == ["evt-bonus-1", "evt-kyc-1"])
        #expect(try upgraded.store.history(entityType: "player", entityId: "p-1").map(\.eventId) == ["evt-kyc-1", "evt-kyc-2"])
        #expect(try upgraded.store.records(playerId: "p-1", after: nil, limit: 10).map(\.eventId) == ["evt-kyc-1", "evt-kyc-2"])
        #expect(try upgraded.store.latestRecord(entityType: "bonusRule", entityId: "123")?.eventId == "evt-bonus-1")
        // The running sequencer commits under the new rules.
        try await fixture.append([bonusRuleChange("evt-bonus-2", state: #"{"cap":2}"#)])
        #expect(try upgraded.store.latestRecord(entityType: "bonusRule", entityId: "123")?.eventId == "evt-bonus-2")

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
