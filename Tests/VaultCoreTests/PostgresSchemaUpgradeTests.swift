import Foundation
import Testing
import VaultCore
import VaultFormat
import VaultStore

/// `regvault postgres upgrade` on a database made before the records' indexes were keyed by digests
/// and before records carried their log entries.
@Suite("the PostgreSQL schema's upgrade")
struct PostgresSchemaUpgradeTests {
    /// The records' indexes, the insert rules and the log's entries as the oldest schema an upgrade
    /// starts from made and kept them, before `PostgresSchema.digests`, `PostgresSchema.statementRules`
    /// and `PostgresSchema.entriesInRecords`: the entries in `leaves`, which `role` may insert into,
    /// and the rules checked per row, their functions as that schema shipped them.
    static func earlierSchema(role: String) -> String {
        """
        \(releaseOneRows)
        ALTER TABLE leaves DISABLE TRIGGER USER;
        INSERT INTO leaves SELECT seq, entry, hashes FROM records WHERE entry IS NOT NULL;
        ALTER TABLE leaves ENABLE TRIGGER USER;
        GRANT INSERT ON leaves TO \(role);
        DROP FUNCTION regvault_schema_release(), regvault_whole_entry(bytea, bigint, bigint);
        ALTER TABLE erasures ADD CONSTRAINT erasures_erased_by_fkey FOREIGN KEY (erased_by) REFERENCES leaves (seq);
        DROP TRIGGER records_are_fenced ON records;
        DROP TRIGGER records_append_at_the_end ON records;
        DROP TRIGGER leaves_are_closed ON leaves;
        ALTER TABLE records DROP COLUMN entry, DROP COLUMN hashes;
        CREATE OR REPLACE FUNCTION regvault_checkpoint_grows() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            IF NEW.size <= COALESCE((SELECT max(size) FROM public.checkpoints), -1) THEN
                RAISE EXCEPTION 'checkpoints are appended with growing sizes only' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END $$;
        CREATE OR REPLACE FUNCTION regvault_erasure_allowed() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            erased bytea := (SELECT entry FROM public.leaves WHERE seq = NEW.seq);
            erasing bytea := (SELECT entry FROM public.leaves WHERE seq = NEW.erased_by);
        BEGIN
            IF (SELECT salt FROM public.records WHERE seq = NEW.seq) IS NULL
               OR erasing IS NULL OR substring(erasing FROM 2 FOR 1) <> '\\x04'::bytea
               OR (substring(erased FROM 19 FOR 1) = '\\x02'::bytea
                   AND (substring(erased FROM 20 FOR 8) > substring(erasing FROM 11 FOR 8)
                        OR ('x' || encode(substring(erased FROM 20 FOR 8), 'hex'))::bit(64)::bigint
                           > (extract(epoch FROM now()) * 1000)::bigint)) THEN
                RAISE EXCEPTION 'a record is erased only by an erasure entry, and a compliance record not before its retain-until'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END $$;
        CREATE OR REPLACE TRIGGER erasures_precede_erasure BEFORE INSERT ON erasures
        FOR EACH ROW EXECUTE FUNCTION regvault_erasure_allowed();
        DROP FUNCTION regvault_erased_by_a_later_erasure_entry();
        CREATE OR REPLACE FUNCTION regvault_record_changed_only_by_erasure() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            IF NOT (NEW.body IS NULL AND NEW.salt IS NULL AND NEW.diff IS NULL AND NEW.state_after IS NULL
                    AND (NEW.seq, NEW.event_id, NEW.stream, NEW.entity_type, NEW.entity_id, NEW.occurred_at,
                         NEW.recorded_at, NEW.version) = (OLD.seq, OLD.event_id, OLD.stream, OLD.entity_type,
                         OLD.entity_id, OLD.occurred_at, OLD.recorded_at, OLD.version)
                    AND NEW.player_id IS NOT DISTINCT FROM OLD.player_id
                    AND EXISTS (SELECT 1 FROM public.erasures WHERE seq = OLD.seq)) THEN
                RAISE EXCEPTION 'records can only be erased by an erasure entry, never changed'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END $$;
        DROP INDEX records_by_event_digest, records_by_entity_digest, records_by_player_digest, records_by_object_key,
            records_by_stream_digest;
        DROP FUNCTION regvault_key_digest(text), regvault_event_digest(text);
        \(previousStreamIndex)
        CREATE UNIQUE INDEX records_by_event_id ON records (event_id);
        CREATE INDEX records_by_entity ON records (entity_type, entity_id, seq);
        CREATE INDEX records_by_player ON records (player_id, seq) WHERE player_id IS NOT NULL;
        DROP TRIGGER deliveries_enter_the_outbox ON records;
        DROP FUNCTION regvault_entries_appended_at_the_end(), regvault_deliveries_enter_the_outbox();
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
    }

    /// Rows as every release before schema release 2 kept them: records' entries whole, an absent
    /// diff or state as NULL, and the index on seq at the default fillfactor.
    static let releaseOneRows = """
        ALTER TABLE records DISABLE TRIGGER USER;
        UPDATE records SET entry = regvault_whole_entry(entry, seq, recorded_at), diff = NULLIF(diff, ''),
            state_after = NULLIF(state_after, '');
        ALTER TABLE records ENABLE TRIGGER USER;
        ALTER INDEX records_pkey RESET (fillfactor);
        """

    /// A database of schema release 1: `releaseOneRows`, the release it states, and no function
    /// that gives entries back whole (the erasure rule that calls it is left, as an upgrade
    /// replaces it and nothing erases before).
    static let releaseOneSchema = releaseOneRows + """
        CREATE OR REPLACE FUNCTION regvault_schema_release() RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN 1;
        DROP FUNCTION regvault_whole_entry(bytea, bigint, bigint);
        """

    /// The index by stream of every release before this one.
    static let previousStreamIndex = "CREATE INDEX records_by_stream ON records (stream, recorded_at, seq);"

    /// The triggers on leaves and records, each with whether it fires per row, and the foreign keys of records.
    static let insertRules = """
        SELECT string_agg(tgname || CASE WHEN tgtype & 1 = 1 THEN ' per row' ELSE '' END, ', ' ORDER BY tgname)
        FROM pg_trigger WHERE tgrelid IN ('leaves'::regclass, 'records'::regclass) AND NOT tgisinternal
        UNION ALL
        SELECT COALESCE(string_agg(conname, ', '), 'no foreign key') FROM pg_constraint WHERE conrelid = 'records'::regclass AND contype = 'f'
        """

    /// The function the erasure trigger calls, and whether the function an earlier schema had is gone.
    static let erasureRule = """
        SELECT tgfoid::regprocedure::text || '|' || (to_regprocedure('regvault_erasure_allowed()') IS NULL)::text
        FROM pg_trigger WHERE tgname = 'erasures_precede_erasure'
        """

    static let indexNames = "SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'records'"

    /// `indexNames` of this release's schema.
    static let currentIndexNames = "records_by_entity_digest records_by_event_digest records_by_object_key "
        + "records_by_player_digest records_by_stream_digest records_pkey"

    /// The URL of `fixture`'s database, as its directory states it.
    static func databaseURL(of fixture: VaultFixture) throws -> String {
        try String(contentsOfFile: fixture.path + "/postgres.url", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("""
        an earlier database is refused with the command that upgrades it; after the upgrade, run twice, every record is found as \
        before, entries stored before it and after it are read alike, and the whole log checks intact
        """)
    func upgrade() async throws {
        // Governance retention, so that records can be erased while the database's clock is today's.
        let fixture = try VaultFixture(policies: try PostgresObjectTests.governancePolicies(), backend: .postgres)
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
        let url = try Self.databaseURL(of: fixture)
        let role = try #require(URL(string: url)?.user)
        try PostgresTestDatabase.asOwner(url, Self.earlierSchema(role: role))

        #expect {
            _ = try Vault.open(at: fixture.path)
        } throws: { error in
            "\(error)".contains("is older than this release's") && "\(error)".contains("regvault postgres upgrade")
        }

        try PostgresTestDatabase.asOwner(url, PostgresSchema.upgrade)
        // As the previous release's upgrade left a database: a constraint that records carry their
        // entries, not checked on the rows before it, but checked whenever one of them is updated.
        try PostgresTestDatabase.asOwner(url, """
            ALTER TABLE records ADD CONSTRAINT records_carry_their_entries CHECK (entry IS NOT NULL AND hashes IS NOT NULL) NOT VALID
            """)
        #expect {
            _ = try Vault.open(at: fixture.path)
        } throws: { error in
            "\(error)".contains("is older than this release's")
        }
        try PostgresTestDatabase.asOwner(url, PostgresSchema.upgrade)
        try PostgresTestDatabase.asOwner(url, PostgresSchema.upgrade)
        #expect(try PostgresTestDatabase.asOwner(url, Self.indexNames)
            == Self.currentIndexNames)

        #expect(try PostgresTestDatabase.asOwner(url, Self.insertRules) == """
            deliveries_enter_the_outbox, leaves_are_append_only, leaves_are_closed, leaves_are_fenced, \
            records_append_at_the_end, records_are_fenced, records_are_never_deleted, records_change_only_by_erasure per row
            no foreign key
            """)
        // leaves takes no new entry, and the application may no longer insert into it.
        #expect(try PostgresTestDatabase.asOwner(url, "SELECT has_table_privilege('\(role)', 'leaves', 'INSERT')") == "f")

        let upgraded = try Vault.open(at: fixture.path)
        #expect(try upgraded.store.records(eventIds: ["evt-kyc-1", "evt-bonus-1", "evt-none"]).keys.sorted() == ["evt-bonus-1", "evt-kyc-1"])
        #expect(try upgraded.store.history(entityType: "player", entityId: "p-1").map(\.eventId) == ["evt-kyc-1", "evt-kyc-2"])
        #expect(try upgraded.store.records(playerId: "p-1", after: nil, limit: 10).map(\.eventId) == ["evt-kyc-1", "evt-kyc-2"])
        #expect(try upgraded.store.latestRecord(entityType: "bonusRule", entityId: "123")?.eventId == "evt-bonus-1")
        #expect(try upgraded.store.records(stream: "kyc", from: 0, to: .max, after: nil, limit: 3, entityId: nil).map(\.eventId)
            == ["evt-kyc-1", "evt-kyc-2", "evt-other-0-0"])
        // The running sequencer commits under the new rules.
        try await fixture.append([bonusRuleChange("evt-bonus-2", state: #"{"cap":2}"#)])
        #expect(try upgraded.store.latestRecord(entityType: "bonusRule", entityId: "123")?.eventId == "evt-bonus-2")
        // Its entry is in its record's row; the earlier ones stayed in leaves, and reads join them.
        let size = try upgraded.store.treeSize()
        #expect(try PostgresTestDatabase.asOwner(url, "SELECT count(*) FROM records WHERE entry IS NOT NULL") == "1")
        #expect(try PostgresTestDatabase.asOwner(url, "SELECT count(*) FROM leaves") == String(size - 1))
        #expect(try upgraded.store.leaves(from: size - 2, to: size).map(\.seq) == [size - 2, size - 1])
        #expect(try upgraded.store.leaves(seqs: [0, size - 1]).keys.sorted() == [0, size - 1])
        #expect(try upgraded.checkIntegrity().problems.isEmpty)
        // The erasure rule is the new function's, and records whose entries stayed in leaves are
        // erased by an erasure entry in a record's row once their retention ends.
        #expect(try PostgresTestDatabase.asOwner(url, Self.erasureRule) == "regvault_erased_by_a_later_erasure_entry()|true")
        fixture.clock.set(millis: Timestamp.addingYears(2, toMillis: VaultFixture.now))
        #expect(try await fixture.writer.sweep().erased == Int(size) - 1)
        #expect(try upgraded.checkIntegrity().isIntact)

        // Those reads sought in the new indexes (a query whose digest did not match the index's
        // would read the whole table and still answer right). A backend reports its counts within
        // about ten seconds of going idle.
        let indexes = ["records_by_entity_digest", "records_by_event_digest", "records_by_player_digest",
                       "records_by_stream_digest"]
        var unused = indexes
        for _ in 0..<40 where !unused.isEmpty {
            try await Task.sleep(for: .milliseconds(500))
            let used = try PostgresTestDatabase.asOwner(url, "SELECT indexrelname FROM pg_stat_user_indexes WHERE idx_scan > 0")
            unused = indexes.filter { !used.split(separator: "\n").contains(Substring($0)) }
        }
        #expect(unused.isEmpty, "never sought in: \(unused)")
    }

    @Test("""
        a database of schema release 1 (whole entries, absent diffs as NULL) is refused, then upgraded, and reads as before; \
        records after it keep their entries without seq and time, and records of both kinds are erased
        """)
    func releaseOneUpgraded() async throws {
        let fixture = try VaultFixture(policies: try PostgresObjectTests.governancePolicies(), backend: .postgres)
        let ids = ["evt-kyc-1", "evt-kyc-2", "evt-bonus-1"]
        try await fixture.append([
            record(ids[0], stream: "kyc", jurisdiction: "MT", player: "p-1", entity: ("player", "p-1")),
            record(ids[1], stream: "kyc", jurisdiction: "MT", player: "p-1", entity: ("player", "p-1"), note: "again"),
            bonusRuleChange(ids[2], state: #"{"cap":1}"#),
        ])
        let url = try Self.databaseURL(of: fixture)
        let size = try fixture.vault.store.treeSize()
        let recordsBefore = try fixture.vault.store.records(eventIds: ids)
        let leavesBefore = try fixture.vault.store.leaves(from: 0, to: size)
        #expect(recordsBefore["evt-kyc-2"]?.diff != nil && recordsBefore["evt-kyc-1"]?.diff == nil)
        let layouts = "SELECT string_agg(DISTINCT encode(substring(entry FROM 1 FOR 1), 'hex'), ' ') FROM records"
        #expect(try PostgresTestDatabase.asOwner(url, layouts) == "81")

        try PostgresTestDatabase.asOwner(url, Self.releaseOneSchema)
        #expect(try PostgresTestDatabase.asOwner(url, layouts) == "01")
        #expect {
            _ = try Vault.open(at: fixture.path)
        } throws: { error in
            "\(error)".contains("is older than this release's (schema release 1, this one's \(PostgresSchema.release))")
        }
        try PostgresTestDatabase.asOwner(url, PostgresSchema.upgrade)
        #expect(try PostgresTestDatabase.asOwner(url, "SELECT regvault_schema_release()") == String(PostgresSchema.release))
        #expect(try PostgresTestDatabase.asOwner(url, "SELECT reloptions::text FROM pg_class WHERE relname = 'records_pkey'")
            == "{fillfactor=100}")

        let upgraded = try Vault.open(at: fixture.path)
        #expect(try upgraded.store.records(eventIds: ids) == recordsBefore)
        #expect(try upgraded.store.leaves(from: 0, to: size) == leavesBefore)
        try await fixture.append([record("evt-kyc-3", stream: "kyc", jurisdiction: "MT", player: "p-1", entity: ("player", "p-1"),
                                         note: "after")])
        #expect(try PostgresTestDatabase.asOwner(url, layouts) == "01 81")
        #expect(try upgraded.checkIntegrity().isIntact)

        fixture.clock.set(millis: Timestamp.addingYears(2, toMillis: VaultFixture.now))
        #expect(try await fixture.writer.sweep().erased == ids.count + 1)
        #expect(try PostgresTestDatabase.asOwner(url, """
            SELECT string_agg(DISTINCT encode(substring(entry FROM 1 FOR 1), 'hex'), ' ') FROM records WHERE salt IS NULL
            """) == "01 81")
        #expect(try upgraded.checkIntegrity().isIntact)
    }

    @Test("a database a later release upgraded is refused on open, and this release's upgrade refuses to touch it")
    func laterReleaseRefused() async throws {
        let fixture = try VaultFixture(backend: .postgres)
        try await fixture.append([record("evt-1", stream: "kyc", jurisdiction: "MT")])
        let url = try Self.databaseURL(of: fixture)
        #expect(try PostgresTestDatabase.asOwner(url, "SELECT regvault_schema_release()") == String(PostgresSchema.release))
        let later = PostgresSchema.release + 1
        try PostgresTestDatabase.asOwner(url, """
            CREATE OR REPLACE FUNCTION regvault_schema_release() RETURNS integer LANGUAGE sql IMMUTABLE RETURN \(later);
            DROP INDEX records_by_object_key;
            """)
        #expect {
            _ = try Vault.open(at: fixture.path)
        } throws: { error in
            "\(error)".contains("later release of RegVault (schema release \(later)")
        }
        #expect(throws: (any Error).self) { try PostgresTestDatabase.asOwner(url, PostgresSchema.upgrade) }
        #expect(try PostgresTestDatabase.asOwner(url, "SELECT regvault_schema_release()") == String(later))
        #expect(try PostgresTestDatabase.asOwner(url, "SELECT to_regclass('records_by_object_key') IS NULL") == "t")
    }

    @Test("a database whose erasure trigger calls the earlier rule is refused, though the new function exists, and upgraded")
    func erasureRuleRepointed() async throws {
        let fixture = try VaultFixture(backend: .postgres)
        try await fixture.append([record("evt-1", stream: "kyc", jurisdiction: "MT")])
        let url = try Self.databaseURL(of: fixture)
        try PostgresTestDatabase.asOwner(url, """
            CREATE FUNCTION regvault_erasure_allowed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE OR REPLACE TRIGGER erasures_precede_erasure BEFORE INSERT ON erasures
            FOR EACH ROW EXECUTE FUNCTION regvault_erasure_allowed();
            """)
        #expect {
            _ = try Vault.open(at: fixture.path)
        } throws: { error in
            "\(error)".contains("is older than this release's")
        }
        try PostgresTestDatabase.asOwner(url, PostgresSchema.upgrade)
        #expect(try PostgresTestDatabase.asOwner(url, Self.erasureRule) == "regvault_erased_by_a_later_erasure_entry()|true")
        #expect(try Vault.open(at: fixture.path).checkIntegrity().isIntact)
        // A dropped erasure trigger is not an earlier schema: the check on open names it.
        try PostgresTestDatabase.asOwner(url, "DROP TRIGGER erasures_precede_erasure ON erasures")
        #expect {
            _ = try Vault.open(at: fixture.path)
        } throws: { error in
            "\(error)".contains("erasures_precede_erasure") && !"\(error)".contains("is older than this release's")
        }
    }

    @Test("a database of the previous release, with its index by stream name, is refused, and upgraded to the index by digest")
    func streamIndexReplaced() async throws {
        let fixture = try VaultFixture(backend: .postgres)
        try await fixture.append((0..<20).map { record("evt-\($0)", stream: $0 % 2 == 0 ? "kyc" : "aml", jurisdiction: "MT") })
        let url = try Self.databaseURL(of: fixture)
        try PostgresTestDatabase.asOwner(url, "DROP INDEX records_by_stream_digest; \(Self.previousStreamIndex)")
        #expect {
            _ = try Vault.open(at: fixture.path)
        } throws: { error in
            "\(error)".contains("is older than this release's")
        }
        try PostgresTestDatabase.asOwner(url, PostgresSchema.upgrade)
        #expect(try PostgresTestDatabase.asOwner(url, Self.indexNames)
            == Self.currentIndexNames)
        let upgraded = try Vault.open(at: fixture.path)
        #expect(try upgraded.store.records(stream: "aml", from: 0, to: .max, after: nil, limit: 100, entityId: nil).map(\.eventId)
            == stride(from: 1, to: 20, by: 2).map { "evt-\($0)" })
        #expect(try upgraded.checkIntegrity().isIntact)
    }
}
