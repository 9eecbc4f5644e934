import Foundation
import GRDB
import Testing
@testable import VaultCore
import VaultFormat
import VaultStore

@Suite("encryption at rest")
struct EncryptionAtRestTests {
    /// Every regular file under `path`, with its bytes.
    func vaultFiles(_ path: String) throws -> [(String, Data)] {
        try FileManager.default.subpathsOfDirectory(atPath: path).compactMap { name in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue
            else { return nil }
            return (name, try Data(contentsOf: URL(fileURLWithPath: path + "/" + name)))
        }
    }

    @Test("a marker written in a record appears in no vault file, and reads back through the vault")
    func markerNeverOnDisk() async throws {
        let fixture = try VaultFixture()
        let marker = "MARKER-" + UUID().uuidString
        // In the state (body), in an explicit diff's state-after, and in the computed diff.
        try await fixture.append([bonusRuleChange("m1", state: #"{"note":"\#(marker)"}"#)])
        try await fixture.append([bonusRuleChange("m2", state: #"{"note":"\#(marker)-2"}"#)])
        let files = try vaultFiles(fixture.path)
        #expect(files.contains { $0.0 == "vault.sqlite-wal" } && files.contains { $0.0.hasPrefix("keys/data-") })
        for (name, bytes) in files {
            #expect(bytes.range(of: Data(marker.utf8)) == nil, "the marker is in \(name)")
        }
        let history = try fixture.vault.history(entityType: "bonusRule", entityId: "123")
        #expect(String(decoding: try #require(history[1].record.diff), as: UTF8.self).contains(marker + "-2"))
        #expect(String(decoding: try #require(history[0].record.body), as: UTF8.self).contains(marker))
    }

    @Test("data key rotation: new records are sealed under the new key, old ones still read; the rotation is an entry")
    func rotation() async throws {
        var fixture: VaultFixture? = try VaultFixture()
        let path = fixture!.path
        let before = try await fixture!.append([bonusRuleChange("r1", state: #"{"v":1}"#)])[0].seq
        fixture = nil
        let (keyId, rotationSeq) = try await Vault.rotateDataKey(at: path, actor: VaultActor(id: "ops"))
        #expect(keyId == 2)
        let vault = try Vault.open(at: path)
        #expect(try Entry(parsing: vault.entry(seq: rotationSeq).bytes).kind == .keyRotation)
        let writer = try vault.makeWriter()
        let validated = try RecordValidator().validate(Array(bonusRuleChange("r2", state: #"{"v":2}"#).utf8),
                                                       now: SystemClock().nowMillis())
        let after = try await writer.append([validated])[0].seq

        let raw = try DatabaseQueue(path: path + "/vault.sqlite")
        let keyIds = try await raw.read { db in
            try [before, after].map { seq -> UInt32 in
                let sealed = try #require(try Data.fetchOne(db, sql: "SELECT body FROM records WHERE seq = ?", arguments: [seq]))
                return sealed.dropFirst().prefix(4).reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
            }
        }
        #expect(keyIds == [1, 2])
        #expect(try vault.history(entityType: "bonusRule", entityId: "123").map(\.record.version) == [1, 2])

        // Without the old key, the old record cannot be read, and the error says why.
        try FileManager.default.removeItem(atPath: path + "/keys/data-0001.key")
        let reopened = try Vault.open(at: path)
        #expect(throws: StorageError.self) { try reopened.history(entityType: "bonusRule", entityId: "123") }
    }

    @Test("a ciphertext moved to another record does not open")
    func movedCiphertext() async throws {
        let fixture = try VaultFixture()
        let seqs = try await fixture.append([bonusRuleChange("a", id: "1", state: "{}"), bonusRuleChange("b", id: "2", state: "{}")])
            .map(\.seq)
        let raw = try DatabaseQueue(path: fixture.path + "/vault.sqlite")
        try await raw.write { db in
            try db.execute(sql: "DROP TRIGGER records_change_only_by_erasure")
            try db.execute(sql: "UPDATE records SET body = (SELECT body FROM records WHERE seq = ?) WHERE seq = ?",
                           arguments: [seqs[0], seqs[1]])
        }
        #expect(throws: StorageError.self) { try fixture.vault.history(entityType: "bonusRule", entityId: "2") }
        #expect(try fixture.vault.history(entityType: "bonusRule", entityId: "1").count == 1)
    }
}
