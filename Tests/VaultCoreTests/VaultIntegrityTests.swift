import Foundation
import GRDB
import Testing
import VaultCore

@Suite("opening a vault checks it")
struct VaultIntegrityTests {
    @Test("a vault whose stored tree no longer matches its signed checkpoint refuses to open")
    func tamperedLeaf() async throws {
        let fixture = try VaultFixture()
        try await fixture.append((0..<5).map { bonusRuleChange("e\($0)", state: "{}") })
        let path = fixture.path
        let queue = try DatabaseQueue(path: path + "/vault.sqlite")
        try await queue.write { db in
            // Someone with direct file access removes the protection and edits history.
            try db.execute(sql: "DROP TRIGGER leaves_are_append_only_update")
            try db.execute(sql: "UPDATE leaves SET hashes = zeroblob(32) WHERE seq = 4")
        }
        #expect(throws: VaultError(.integrity, "")) { try Vault.open(at: path) }
    }

    @Test("a log key readable by others is refused")
    func keyPermissions() throws {
        let fixture = try VaultFixture()
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: fixture.path + "/log.key")
        #expect(throws: VaultError(.keyFile, "")) { try Vault.open(at: fixture.path) }
    }

    @Test("init refuses an existing vault and a bad origin; open refuses a missing vault")
    func lifecycleErrors() throws {
        let fixture = try VaultFixture()
        #expect(throws: VaultError(.alreadyExists, "")) { try Vault.create(at: fixture.path, origin: "x/log") }
        let fresh = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        #expect(throws: VaultError(.invalidOrigin, "")) { try Vault.create(at: fresh, origin: "has space") }
        #expect(throws: VaultError(.noVault, "")) { try Vault.open(at: fresh) }
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.path + "/log.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }
}
