import Foundation
import GRDB
import Testing
import VaultCore

@Suite("opening a vault checks it")
struct VaultIntegrityTests {
    @Test("a vault whose stored tree no longer matches its signed checkpoint refuses to open")
    func tamperedLeaf() async throws {
        let fixture = try VaultFixture()
        try await fixture.append((0..<4).map { bonusRuleChange("e\($0)", state: "{}") })
        let path = fixture.path
        let queue = try DatabaseQueue(path: path + "/vault.sqlite")
        try await queue.write { db in
            // Someone with direct file access removes the protection and edits history.
            try db.execute(sql: "DROP TRIGGER leaves_are_append_only_update")
            try db.execute(sql: "UPDATE leaves SET hashes = zeroblob(32) WHERE seq = 4")
        }
        #expect(throws: VaultError(.integrity, "")) { try Vault.open(at: path) }
    }

    @Test("a log key readable by others is refused by the writer; reading needs only the public key")
    func keyPermissions() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        try Vault.create(at: path, origin: "keys.test/log")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path + "/log.key")
        #expect(throws: VaultError(.keyFile, "")) { try Vault.open(at: path).makeWriter() }
        try FileManager.default.removeItem(atPath: path + "/log.key")
        #expect(try Vault.open(at: path).latestCheckpoint()?.checkpoint.size == 0)
    }

    @Test("an entry edited in the database is refused when read")
    func tamperedEntry() async throws {
        let fixture = try VaultFixture()
        try await fixture.append((0..<3).map { bonusRuleChange("e\($0)", state: "{}") })
        let queue = try DatabaseQueue(path: fixture.path + "/vault.sqlite")
        try await queue.write { db in
            try db.execute(sql: "DROP TRIGGER leaves_are_append_only_update")
            try db.execute(sql: "UPDATE leaves SET entry = randomblob(length(entry)) WHERE seq = 1")
        }
        #expect(throws: VaultError(.integrity, "")) { try fixture.vault.entry(seq: 1) }
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
