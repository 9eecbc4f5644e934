import Foundation
import GRDB
import Testing
@testable import VaultCore
import VaultFormat
import VaultStore

/// Someone with direct access to the SQLite file removes the triggers, edits history and puts the
/// triggers back to cover the edit; the vault notices on the next start or in `checkIntegrity`,
/// and says what is wrong and where.
@Suite("tamper detection")
struct TamperDetectionTests {
    func tampered(_ edit: @escaping @Sendable (Database, [Int64], String) throws -> Void) async throws -> (String, [Int64]) {
        let fixture = try VaultFixture()
        let seqs = try await fixture.append((0..<6).map { bonusRuleChange("t\($0)", id: "\($0)", state: #"{"n":\#($0)}"#) })
            .map(\.seq)
        #expect(try fixture.vault.checkIntegrity().isIntact)
        let queue = try DatabaseQueue(path: fixture.path + "/vault.sqlite")
        try await queue.write { db in
            for trigger in ["leaves_are_append_only_delete", "records_are_never_deleted", "records_change_only_by_erasure"] {
                try db.execute(sql: "DROP TRIGGER \(trigger)")
            }
            try edit(db, seqs, fixture.path)
        }
        try SQLiteStore(path: fixture.path + "/vault.sqlite", cipher: nil).restoreProtections()
        return (fixture.path, seqs)
    }

    @Test("a deleted entry row is refused on open and named by the check")
    func deletedEntry() async throws {
        let (path, seqs) = try await tampered { db, seqs, _ in
            try db.execute(sql: "DELETE FROM leaves WHERE seq = ?", arguments: [seqs[2]])
        }
        #expect(throws: VaultError(.integrity, "")) { try Vault.open(at: path) }
        let report = try Vault.open(at: path, checkingOnOpen: false).checkIntegrity()
        #expect(report.problems.first == .init(location: "entry \(seqs[2])", reason: "is missing from the log"))
        #expect(report.problems.contains { $0.location.hasPrefix("checkpoint ") })
    }

    @Test("a deleted record row is refused on open and named by the check")
    func deletedRecord() async throws {
        let (path, seqs) = try await tampered { db, seqs, _ in
            try db.execute(sql: "DELETE FROM records WHERE seq = ?", arguments: [seqs[1]])
        }
        #expect(throws: VaultError(.integrity, "")) { try Vault.open(at: path) }
        let report = try Vault.open(at: path, checkingOnOpen: false).checkIntegrity()
        #expect(report.problems == [.init(location: "record \(seqs[1])", reason: "is missing")])
    }

    @Test("an edited record body is named by the check and refused when read")
    func editedBody() async throws {
        let (path, seqs) = try await tampered { db, seqs, path in
            // Re-encrypted with the vault's own key, so only the commitment can tell.
            let cipher = try DataKeys.load(from: VaultDirectory(path: path))
            let forged = try cipher.seal(Data(#"{"forged":true}"#.utf8), seq: seqs[3], column: .body)
            try db.execute(sql: "UPDATE records SET body = ? WHERE seq = ?", arguments: [forged, seqs[3]])
            try db.execute(sql: "UPDATE records SET body = randomblob(60) WHERE seq = ?", arguments: [seqs[4]])
        }
        let vault = try Vault.open(at: path)
        let report = try vault.checkIntegrity()
        #expect(report.problems.map { $0.location } == ["record \(seqs[3])", "record \(seqs[4])"])
        #expect(report.problems[0].reason.contains("commitment"))
        #expect(report.problems[1].reason.contains("cannot be read"))
        #expect(throws: VaultError(.integrity, "")) { try vault.history(entityType: "bonusRule", entityId: "3") }
    }

    @Test("a record erased outside a sweep is named by the check")
    func erasedWithoutEntry() async throws {
        let (path, seqs) = try await tampered { db, seqs, _ in
            try db.execute(sql: "UPDATE records SET body = NULL, salt = NULL WHERE seq = ?", arguments: [seqs[0]])
        }
        let report = try Vault.open(at: path).checkIntegrity()
        #expect(report.problems == [.init(location: "record \(seqs[0])", reason: "is erased, but no erasure entry erased it")])
    }

    @Test("an altered entry under the tree's right edge is refused on open, and named by the check")
    func alteredEntry() async throws {
        let (path, seqs) = try await tampered { db, seqs, _ in
            try db.execute(sql: "DROP TRIGGER leaves_are_append_only_update")
            try db.execute(sql: "UPDATE leaves SET entry = randomblob(length(entry)) WHERE seq = ?", arguments: [seqs[1]])
        }
        // The root of 6 leaves is built from the subtrees of leaves 0 to 3 and 4 to 5, which the
        // store recomputes from their entries (`StoredLeaf.recomputedLevels`).
        #expect(throws: VaultError(.integrity, "")) { try Vault.open(at: path) }
        let report = try Vault.open(at: path, checkingOnOpen: false).checkIntegrity()
        #expect(report.problems.first?.location == "entry \(seqs[1])")
        #expect(report.problems.first?.reason.contains("altered") == true)
    }
}
