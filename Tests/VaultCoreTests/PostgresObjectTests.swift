import Foundation
import Testing
import VaultCore
import VaultFormat

/// Stored objects' bytes in a vault kept in PostgreSQL: in the database, not in one node's files.
@Suite("stored objects on PostgreSQL")
struct PostgresObjectTests {
    let officer = VaultActor(id: "co-1", role: "compliance_officer")

    @Test("a version stored through one node is read by another; the database keeps its bytes until the version is erased")
    func sharedAndKept() async throws {
        let first = try VaultFixture(policies: try PostgresObjectTests.governancePolicies(), backend: .postgres)
        let url = try String(contentsOfFile: first.path + "/postgres.url", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // The second node's directory is copied before the object exists, so no file could carry it over.
        let secondPath = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: first.path, toPath: secondPath)

        let bytes = Data("MGA quarterly return, Q3 2026\n".utf8)
        let lock = ObjectLockRequest(mode: .governance, retainUntil: VaultFixture.now + 2 * 366 * 86_400_000)
        let version = try await first.writer.putObject(key: "returns/mga-q3.csv", bytes: bytes, contentType: "text/csv",
                                                       period: nil, jurisdiction: "MT", lock: lock, actor: officer)

        let second = try Vault.open(at: secondPath)
        let seen = try second.objectVersion(key: "returns/mga-q3.csv", versionId: version.versionId)
        #expect(try second.objectBytes(seen) == bytes)
        let files = FileManager.default.enumerator(atPath: first.path + "/objects")?.allObjects as? [String] ?? []
        #expect(!files.contains { $0.hasSuffix(version.versionId) }, "the bytes went to a node-local file")

        // Stored sealed, never as plain bytes.
        let stored = try PostgresTestDatabase.psql(url, "SELECT encode(bytes, 'escape') FROM objects WHERE version_id = '\(version.versionId)'")
        #expect(!stored.isEmpty && !stored.contains("quarterly return"))

        // Neither deleted nor cleared while its record lives, whatever the vault's own role tries.
        #expect(throws: (any Error).self) {
            try PostgresTestDatabase.psql(url, "UPDATE objects SET bytes = NULL WHERE version_id = '\(version.versionId)'")
        }
        #expect(throws: (any Error).self) { try PostgresTestDatabase.psql(url, "DELETE FROM objects") }
        #expect(try second.objectBytes(seen) == bytes)

        // Erased (governance, by an admin with a reason): the bytes are cleared, and reading says why.
        let admin = RetentionState.Authority(isAdmin: true, bypassGovernance: true, reason: "stored twice by mistake")
        _ = try await first.writer.deleteObjectVersion(version, authority: admin,
                                                       actor: VaultActor(id: "admin-1", role: "admin"))
        #expect(try PostgresTestDatabase.psql(url, "SELECT bytes IS NULL FROM objects WHERE version_id = '\(version.versionId)'") == "t")
        let erased = try second.objectVersion(key: "returns/mga-q3.csv", versionId: version.versionId)
        #expect(throws: VaultError(.notFound, "")) { try second.objectBytes(erased) }
        #expect(try second.checkIntegrity().problems.isEmpty)
    }

    /// One rule for every stream: kept a year, in governance mode, so an admin can erase early.
    static func governancePolicies() throws -> RetentionPolicySet {
        let policy = #"""
        {"policy": "default", "jurisdiction": "*", "title": "Governance for tests", "version": "2026-12-05",
         "rules": [{"class": "default.all", "streams": ["audit.change", "kyc", "aml", "payment", "gaming", "responsible_gambling", "rng", "incident", "report"], "years": 1, "trigger": "recorded",
                    "mode": "governance", "source": "test"}]}
        """#
        return try RetentionPolicySet([RetentionPolicy(parsing: Array(policy.utf8))])
    }
}
