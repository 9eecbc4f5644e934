import Foundation
import Testing
import VaultCore
import VaultStore

/// Plans PostgreSQL chooses for the vault's hot queries, on real statistics. A plan that scans a
/// whole table per batch is correct and fast on a small database, and ingest then slows with every
/// record stored, so it is checked here rather than discovered in a benchmark.
@Suite("PostgreSQL query plans")
struct PostgresQueryPlanTests {
    @Test("an event-id lookup seeks the digest index for every id, even for a batch the size of a tenth of the table")
    func eventIdLookupSeeksTheIndex() async throws {
        let url = try await PostgresQueryPlanTests.analyzedVault(records: 5_000) { number in
            record("plan-\(number)", stream: "audit.change", jurisdiction: "MT", entity: ("thing", "\(number)"))
        }

        // 500 ids, as one HTTPS request's batch: the plan a join gave here hashed all 5,000 stored event ids.
        let ids = (1...500).map { "plan-\($0 * 10)" }.joined(separator: ",")
        let plan = try PostgresTestDatabase.psql(url, """
            PREPARE lookup(text[]) AS \(PostgresStore.eventIdLookupSQL);
            EXPLAIN (COSTS OFF) EXECUTE lookup('{\(ids)}');
            """)
        #expect(plan.contains("Index Scan using records_by_event_digest on records"), "\(plan)")
        #expect(!plan.contains("Seq Scan on records"), "\(plan)")
        #expect(!plan.contains("Hash Join"), "\(plan)")
    }

    @Test("a page of a stream seeks the index by stream digest and recording time")
    func streamPageSeeksTheIndex() async throws {
        let url = try PostgresTestDatabase.make()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let vault = try Vault.create(at: path, origin: "plans.test/log", postgres: url)
        let clock = ManualClock(millis: VaultFixture.now)
        let writer = try vault.makeWriter(clock: clock)
        let validator = RecordValidator()
        // Ten commits a minute apart, nine in ten records on one stream, as a busy stream beside a quieter one.
        for commit in 0..<10 {
            let records = try (0..<500).map { index in
                let number = commit * 500 + index
                return try validator.validate(Array(record("page-\(number)", stream: number % 10 == 0 ? "kyc" : "audit.change",
                                                           jurisdiction: "MT", entity: ("thing", "\(number)")).utf8),
                                              now: clock.nowMillis())
            }
            _ = try await writer.append(records)
            clock.advance(millis: 60_000)
        }
        try PostgresTestDatabase.asOwner(url, "ANALYZE records")

        for stream in ["kyc", "audit.change"] {
            // A window from the third minute on and a cursor in the second, as `streamPage` binds
            // them: the index is sought from the later of the two.
            let start = VaultFixture.now + 120_000
            let plan = try PostgresTestDatabase.psql(url, """
                PREPARE page(text, text, bigint, bigint, bigint, bigint, boolean, text, bigint) AS \(PostgresStore.streamPageSQL);
                EXPLAIN (COSTS OFF) EXECUTE page('\(stream)', '\(stream)', \(start), \(clock.nowMillis()),
                                                 \(VaultFixture.now + 60_000), 700, true, '', 100);
                """)
            let seek = plan.split(separator: "\n").first { $0.contains("Index Cond") } ?? ""
            #expect(seek.contains("recorded_at >= '\(start)'"), "\(plan)")
            // An index scan in order, or a bitmap scan and a sort when the window holds few of the stream's records.
            #expect(plan.contains("Index Scan using records_by_stream_digest on records")
                || plan.contains("Bitmap Index Scan on records_by_stream_digest"), "\(plan)")
            #expect(!plan.contains("Seq Scan on records"), "\(plan)")
        }
    }

    @Test("an entity's latest version and a page of its history walk an index in order and stop, however many versions it has")
    func hotEntitiesAreReadInIndexOrder() async throws {
        // A hundred busy entities (jackpot pools, say) of 60 versions each.
        let url = try await PostgresQueryPlanTests.analyzedVault(records: 6_000) { number in
            record("pool-\(number)", stream: "audit.change", jurisdiction: "MT", entity: ("pool", "\(number % 100)"),
                   note: "\(number)")
        }

        // The writer's lookup for a batch that touches each of them and two new ones; then a page of ten versions.
        let types = Array(repeating: "pool", count: 102).joined(separator: ",")
        let ids = (0..<102).map(String.init).joined(separator: ",")
        let plans = try PostgresTestDatabase.psql(url, """
            PREPARE latest(text[], text[]) AS \(PostgresStore.latestByDigestSQL);
            EXPLAIN (COSTS OFF) EXECUTE latest('{\(types)}', '{\(ids)}');
            PREPARE history(text, text, boolean, text, text, bigint, bigint, boolean, bigint, bigint, bigint)
                AS \(PostgresStore.historyPageSQL);
            EXPLAIN (COSTS OFF) EXECUTE history('pool', '3', false, 'pool', '3', 0, 9000000000, true, 0, 0, 10);
            """)
        #expect(plans.contains("Index Scan Backward using records_by_entity_digest on records"), "\(plans)")
        // Reading every version and sorting them was the plan before.
        #expect(!plans.contains("Sort"), "\(plans)")
        #expect(!plans.contains("Bitmap"), "\(plans)")
    }

    /// A new vault on PostgreSQL holding `records` records, `line(n)` for n from 1, appended in one
    /// batch, with the table's statistics gathered; returns the database's URL.
    static func analyzedVault(records: Int, _ line: (Int) -> String) async throws -> String {
        let url = try PostgresTestDatabase.make()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let vault = try Vault.create(at: path, origin: "plans.test/log", postgres: url)
        let clock = ManualClock(millis: VaultFixture.now)
        let validator = RecordValidator()
        let validated = try (1...records).map { try validator.validate(Array(line($0).utf8), now: clock.nowMillis()) }
        _ = try await vault.makeWriter(clock: clock).append(validated)
        try PostgresTestDatabase.asOwner(url, "ANALYZE records")
        return url
    }
}
