import Foundation
import Testing
import VaultCore
import VaultStore

/// PostgreSQL seeks an entity's or a player's rows by a 64-bit digest of its key and, where the
/// planner would misjudge a query that also compares the key, compares it after reading
/// (`PostgresStore.recordsByDigest`, `latestRecords`). Two keys sharing a digest are rare but
/// possible; here every key of the same length shares one, so each of those reads meets another
/// key's rows and must still answer for its own key only.
@Suite("PostgreSQL: keys that share a digest")
struct PostgresSharedDigestTests {
    /// The vault's schema with a key digest that is the key's length.
    static func schemaWithSharedDigests() throws -> String {
        let schema = PostgresSchema.sql(applicationRole: "regvault")
        let digest = #"RETURN ('x' || substr(encode(sha256(decode(replace($1, '\', '\\'), 'escape')), 'hex'), 1, 16))::bit(64)::bigint;"#
        try #require(schema.contains(digest), "the key digest's definition moved")
        return schema.replacingOccurrences(of: digest, with: "RETURN length($1)::bigint;")
    }

    @Test("latest versions, history pages and player pages read only the key's own rows")
    func readsKeepToTheirKey() async throws {
        let url = try PostgresTestDatabase.make(schema: try PostgresSharedDigestTests.schemaWithSharedDigests())
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let vault = try Vault.create(at: path, origin: "digests.test/log", postgres: url)
        let clock = ManualClock(millis: VaultFixture.now)
        let writer = try vault.makeWriter(clock: clock)
        let validator = RecordValidator()
        // Entities pool/a and pool/b, players p-a and p-b: each pair shares a digest. b is written last.
        let versions = [("a", 1), ("b", 1), ("a", 2), ("b", 2), ("b", 3)]
        for (id, version) in versions {
            let line = record("\(id)-\(version)", stream: "audit.change", jurisdiction: "MT", player: "p-\(id)",
                              entity: ("pool", id), note: "\(id)\(version)")
            _ = try await writer.append([try validator.validate(Array(line.utf8), now: clock.nowMillis())])
        }
        try PostgresTestDatabase.asOwner(url, "ANALYZE records")

        let latest = try vault.store.latestRecords(entities: [("pool", "a"), ("pool", "b"), ("pool", "c")])
        #expect(latest["pool\u{0}a"].map { [$0.entityId, "\($0.version)"] } == ["a", "2"])
        #expect(latest["pool\u{0}b"].map { [$0.entityId, "\($0.version)"] } == ["b", "3"])
        #expect(latest["pool\u{0}c"] == nil)
        #expect(try vault.store.latestRecord(entityType: "pool", entityId: "a")?.eventId == "a-2")

        let newestOfA = try vault.store.history(entityType: "pool", entityId: "a", seqs: 0..<Int64.max, occurred: nil,
                                                newestFirst: true, limit: 10)
        #expect(newestOfA.map(\.eventId) == ["a-2", "a-1"])
        let firstOfB = try vault.store.history(entityType: "pool", entityId: "b", seqs: 0..<Int64.max, occurred: nil,
                                               newestFirst: false, limit: 2)
        #expect(firstOfB.map(\.eventId) == ["b-1", "b-2"])
        #expect(try vault.store.records(playerId: "p-a", after: nil, limit: 10).map(\.eventId) == ["a-1", "a-2"])
        #expect(try vault.store.records(playerId: "p-b", after: nil, limit: 2).map(\.eventId) == ["b-1", "b-2"])
        // The writer numbered each entity's versions from its own: b's first lookup met a's row.
        #expect(firstOfB.map(\.version) == [1, 2])
    }
}
