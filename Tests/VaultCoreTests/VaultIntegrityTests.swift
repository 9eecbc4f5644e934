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

    @Test("opening and checking a vault while its writer commits sees one consistent log, never a false alarm")
    func openWhileCommitting() async throws {
        let fixture = try VaultFixture()
        let path = fixture.path
        let writing = Task {
            for batch in 0..<60 {
                try await fixture.append((0..<5).map { bonusRuleChange("b\(batch)-\($0)", id: "\($0)", state: #"{"cap":\#(batch)}"#) })
            }
        }
        var opened = 0
        while !writing.isCancelled, opened < 400 {
            let vault = try Vault.open(at: path)
            let report = try vault.checkIntegrity(pageSize: 7)
            #expect(report.problems.isEmpty, "\(report.problems)")
            opened += 1
            if try vault.store.treeSize() >= 301 { break }
        }
        try await writing.value
        #expect(opened > 1)
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
