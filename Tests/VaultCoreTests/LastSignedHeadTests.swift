import Foundation
import Testing
import VaultCore
import VaultFormat

/// A writer never extends a log shorter than, or different from, the one it signed before.
@Suite("the last signed head of a data directory")
struct LastSignedHeadTests {
    let clock = ManualClock(millis: VaultFixture.now)

    /// Opens the vault, appends `eventIds` as one batch and lets the writer go.
    func append(_ eventIds: [String], at path: String) async throws {
        let vault = try Vault.open(at: path)
        let writer = try vault.makeWriter(clock: clock)
        let validator = RecordValidator()
        _ = try await writer.append(try eventIds.map { try validator.validate(Array(bonusRuleChange($0, state: "{}").utf8), now: clock.nowMillis()) })
    }

    func copyDatabase(of path: String, to target: String) throws {
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + "/vault.sqlite" + suffix) {
            try? FileManager.default.removeItem(atPath: target + suffix)
            try FileManager.default.copyItem(atPath: path + "/vault.sqlite" + suffix, toPath: target + suffix)
        }
    }

    func restore(_ backup: String, into path: String) throws {
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: path + "/vault.sqlite" + suffix)
            if FileManager.default.fileExists(atPath: backup + suffix) {
                try FileManager.default.copyItem(atPath: backup + suffix, toPath: path + "/vault.sqlite" + suffix)
            }
        }
    }

    @Test("a database restored to before the last checkpoint this directory signed is refused a writer, and read as it is")
    func restoredEarlier() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        try Vault.create(at: path, origin: "test.regvault.local/log")
        try await append(["a0", "a1"], at: path)
        let backup = path + "-backup.sqlite"
        try copyDatabase(of: path, to: backup)
        try await append(["b0"], at: path)
        let head = try String(contentsOfFile: path + "/last-signed-head", encoding: .utf8)
        #expect(try Vault.open(at: path).store.latestCheckpoint() == head)

        try restore(backup, into: path)
        let restored = try Vault.open(at: path)
        #expect(try restored.history(entityType: "bonusRule", entityId: "123").count == 2)
        let refusal = #expect(throws: VaultError.self) { try restored.makeWriter(clock: clock) }
        #expect(refusal?.code == .integrity && refusal?.reason.contains("restored to an earlier point") == true)

        // The operator who accepts the loss removes the file; the log then grows from what it holds.
        try FileManager.default.removeItem(atPath: path + "/last-signed-head")
        try await append(["c0"], at: path)
        #expect(try Vault.open(at: path).store.treeSize() == 4)
    }

    @Test("a log that holds another checkpoint at the size this directory signed is refused; an empty file is no record at all")
    func anotherLog() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        try Vault.create(at: path, origin: "test.regvault.local/log")
        try await append(["a0"], at: path)
        let file = path + "/last-signed-head"
        let head = try String(contentsOfFile: file, encoding: .utf8)
        // The same size and root, another signature: not the checkpoint this log holds.
        let signature = try #require(head.split(separator: "\n").last)
        let forged = head.replacingOccurrences(of: String(signature), with: "— test.regvault.local/log AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        try forged.write(toFile: file, atomically: true, encoding: .utf8)
        let refusal = #expect(throws: VaultError.self) { try Vault.open(at: path).makeWriter(clock: clock) }
        #expect(refusal?.reason.contains("does not hold the checkpoint of size 2") == true)

        try "not a checkpoint".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: VaultError.self) { try Vault.open(at: path).makeWriter(clock: clock) }

        try "".write(toFile: file, atomically: true, encoding: .utf8)
        try await append(["a1"], at: path)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == Vault.open(at: path).store.latestCheckpoint())
    }

    @Test("a standby records the newest checkpoint another node committed, only a validly signed one that extends its own record")
    func standbyFollows() async throws {
        let first = try VaultFixture(backend: .postgres)
        try await first.append([bonusRuleChange("a0", state: "{}")])
        let secondPath = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: first.path, toPath: secondPath)
        let second = try Vault.open(at: secondPath)
        let file = secondPath + "/last-signed-head"
        #expect(try second.followNewestCheckpoint() == false, "the copy already holds the newest checkpoint")

        try await first.append([bonusRuleChange("a1", state: "{}"), bonusRuleChange("a2", state: "{}")])
        #expect(try second.followNewestCheckpoint())
        #expect(try String(contentsOfFile: file, encoding: .utf8) == first.vault.store.latestCheckpoint())
        #expect(try second.followNewestCheckpoint() == false)

        // A record the log does not hold (another log's checkpoint at that size) is never replaced.
        let head = try String(contentsOfFile: file, encoding: .utf8)
        let signature = try #require(head.split(separator: "\n").last)
        let forged = head.replacingOccurrences(of: String(signature), with: "— test.regvault.local/log AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        try forged.write(toFile: file, atomically: true, encoding: .utf8)
        try await first.append([bonusRuleChange("a3", state: "{}")])
        let refusal = #expect(throws: VaultError.self) { try second.followNewestCheckpoint() }
        #expect(refusal?.code == .integrity)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == forged)
    }
}
