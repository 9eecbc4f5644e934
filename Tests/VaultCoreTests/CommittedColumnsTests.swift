import Foundation
import GRDB
import Testing
@testable import VaultCore
import VaultFormat
import VaultStore

/// What an inspector is shown comes from the committed bytes, or is checked against them: an index
/// column edited in the database (with the triggers dropped and put back) moves nothing silently.
/// The database itself refuses an early erasure, and the vault notices missing triggers and an
/// edited checkpoint root before it serves or writes anything.
@Suite("committed columns and database protections")
struct CommittedColumnsTests {
    /// A vault with two bonus rules of three versions each, for player p-1 and p-2; returns its
    /// fixture and the seqs in order.
    func vaultWithHistory() async throws -> (VaultFixture, [Int64]) {
        let fixture = try VaultFixture()
        var records: [String] = []
        for version in 0..<3 {
            for id in ["1", "2"] {
                records.append(#"{"eventId":"e\#(id)-\#(version)","stream":"audit.change","entity":{"type":"bonusRule","id":"\#(id)"},"action":"update","actor":{"id":"bo-admin"},"occurredAt":"2026-11-20T10:00:00Z","reason":"test","jurisdiction":"MT","playerId":"p-\#(id)","state":{"cap":\#(version)}}"#)
            }
        }
        let seqs = try await fixture.append(records).map(\.seq)
        #expect(try fixture.vault.checkIntegrity().isIntact)
        return (fixture, seqs)
    }

    /// Runs `sql` on the vault's database with every trigger dropped, then puts the triggers back,
    /// as someone covering an edit would.
    func edit(_ fixture: VaultFixture, _ sql: String, _ arguments: StatementArguments = []) throws {
        let queue = try DatabaseQueue(path: fixture.path + "/vault.sqlite")
        try queue.write { db in
            for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
                try db.execute(sql: "DROP TRIGGER \(name)")
            }
            try db.execute(sql: sql, arguments: arguments)
        }
        try SQLiteStore(path: fixture.path + "/vault.sqlite", cipher: nil).restoreProtections()
    }

    @Test("each index column edited in the database is named by the check and never served",
          arguments: [("player_id", "'p-2'"), ("entity_id", "'2'"), ("entity_type", "'limit'"), ("stream", "'payment'"),
                      ("event_id", "'forged'"), ("occurred_at", "occurred_at + 1"), ("recorded_at", "recorded_at + 1")])
    func editedColumn(column: String, value: String) async throws {
        let (fixture, seqs) = try await vaultWithHistory()
        let target = seqs[2]  // bonus rule 1, version 2, player p-1
        try edit(fixture, "UPDATE records SET \(column) = \(value) WHERE seq = ?", [target])
        let vault = try Vault.open(at: fixture.path)
        let report = try vault.checkIntegrity()
        #expect(report.problems.contains { $0.location == "record \(target)" && $0.reason.contains(column) }, "\(report.problems)")
        if !column.hasPrefix("entity_") {
            #expect(report.problems.count == 1, "\(report.problems)")
        } else {
            // Moving a version to another entity also breaks both entities' version sequences.
            #expect(report.problems.allSatisfy { $0.reason.contains(column) || $0.reason.contains("version") }, "\(report.problems)")
        }
        // No answer built on the edited row is given: not the trail it left, nor the answer it moved into.
        #expect(throws: VaultError.self) { _ = try vault.history(entityType: "bonusRule", entityId: "1") }
        #expect(throws: VaultError.self) {
            switch column {
            case "player_id": _ = try vault.playerTimeline(playerId: "p-2", cursor: nil, limit: 100)
            case "entity_id": _ = try vault.history(entityType: "bonusRule", entityId: "2")
            case "entity_type": _ = try vault.history(entityType: "limit", entityId: "1")
            case "stream": _ = try vault.streamLog(stream: "payment", from: 0, to: Int64.max, cursor: nil, limit: 100)
            default: _ = try vault.streamLog(stream: "audit.change", from: 0, to: Int64.max, cursor: nil, limit: 100)
            }
        }
    }

    @Test("a version moved to another entity leaves a gap that the trail refuses to hide")
    func movedVersion() async throws {
        let (fixture, seqs) = try await vaultWithHistory()
        try edit(fixture, "UPDATE records SET entity_id = '999999' WHERE seq = ?", [seqs[2]])
        let vault = try Vault.open(at: fixture.path)
        #expect(throws: VaultError.self) { _ = try vault.history(entityType: "bonusRule", entityId: "1") }
        #expect(throws: VaultError.self) { _ = try vault.history(entityType: "bonusRule", entityId: "999999") }
    }

    @Test("a diff re-sealed with the vault's own key is refused when the trail is read")
    func forgedDiff() async throws {
        let (fixture, seqs) = try await vaultWithHistory()
        let cipher = try DataKeys.load(from: VaultDirectory(path: fixture.path))
        let forged = try cipher.seal(Data(#"[{"op":"replace","path":"/cap","value":999}]"#.utf8), seq: seqs[2], column: .diff)
        try edit(fixture, "UPDATE records SET diff = ? WHERE seq = ?", [forged, seqs[2]])
        let vault = try Vault.open(at: fixture.path)
        #expect(throws: VaultError.self) { _ = try vault.history(entityType: "bonusRule", entityId: "1") }
        #expect(try vault.history(entityType: "bonusRule", entityId: "2").count == 3)
    }

    @Test("an edited version column is named by the check")
    func editedVersion() async throws {
        let (fixture, seqs) = try await vaultWithHistory()
        try edit(fixture, "UPDATE records SET version = 7 WHERE seq = ?", [seqs[4]])
        let report = try Vault.open(at: fixture.path).checkIntegrity()
        #expect(report.problems.map(\.location) == ["record \(seqs[4])"], "\(report.problems)")
        #expect(report.problems.first?.reason.contains("version") == true)
    }

    @Test("the database refuses to erase a record outside an erasure, with every trigger in place")
    func sqlErasureRefused() async throws {
        let (fixture, seqs) = try await vaultWithHistory()
        let queue = try DatabaseQueue(path: fixture.path + "/vault.sqlite")
        #expect(throws: DatabaseError.self) {
            try queue.write { db in
                try db.execute(sql: "UPDATE records SET body = NULL, salt = NULL, diff = NULL, state_after = NULL WHERE seq = ?",
                               arguments: [seqs[0]])
            }
        }
        // Nor with an erasures row naming an entry that is not an erasure, nor one made before the
        // compliance retention of the record ends (the policy entry at seq 0 is not an erasure).
        #expect(throws: DatabaseError.self) {
            try queue.write { db in
                try db.execute(sql: "INSERT INTO erasures (seq, erased_by) VALUES (?, 0)", arguments: [seqs[0]])
            }
        }
        #expect(try fixture.vault.checkIntegrity().isIntact)
        #expect(try fixture.vault.history(entityType: "bonusRule", entityId: "1").allSatisfy { $0.record.body != nil })
    }

    @Test("removed triggers are named by the check, refused on open, and restored on request")
    func removedTriggers() async throws {
        let (fixture, _) = try await vaultWithHistory()
        let queue = try DatabaseQueue(path: fixture.path + "/vault.sqlite")
        try await queue.write { db in
            try db.execute(sql: "DROP TRIGGER records_change_only_by_erasure")
            try db.execute(sql: "DROP TRIGGER leaves_are_append_only_update")
        }
        let report = try Vault.open(at: fixture.path, checkingOnOpen: false).checkIntegrity()
        #expect(report.problems.map(\.location) == ["database", "database"])
        #expect(report.problems.map(\.reason).joined().contains("records_change_only_by_erasure"))
        #expect(report.problems.map(\.reason).joined().contains("leaves_are_append_only_update"))
        #expect(throws: VaultError.self) { try Vault.open(at: fixture.path) }
        try Vault.open(at: fixture.path, checkingOnOpen: false).store.restoreProtections()
        #expect(try Vault.open(at: fixture.path).checkIntegrity().isIntact)
    }

    @Test("an edited checkpoint root column is named by the check and refused on open")
    func zeroedCheckpointRoot() async throws {
        let (fixture, _) = try await vaultWithHistory()
        try edit(fixture, "UPDATE checkpoints SET root = zeroblob(32) WHERE size = (SELECT MAX(size) FROM checkpoints)")
        let report = try Vault.open(at: fixture.path, checkingOnOpen: false).checkIntegrity()
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.location.hasPrefix("checkpoint ") == true)
        #expect(report.problems.first?.reason.contains("root column") == true)
        #expect(throws: VaultError.self) { try Vault.open(at: fixture.path) }
    }

    @Test("the check lists every leaf with malformed stored hashes, not only the first")
    func malformedLeaves() async throws {
        let (fixture, seqs) = try await vaultWithHistory()
        try edit(fixture, "UPDATE leaves SET hashes = x'00' WHERE seq IN (?, ?)", [seqs[1], seqs[4]])
        let report = try Vault.open(at: fixture.path, checkingOnOpen: false).checkIntegrity()
        let malformed = report.problems.filter { $0.reason.contains("malformed") }.map(\.location)
        #expect(malformed == ["entry \(seqs[1])", "entry \(seqs[4])"], "\(report.problems)")
    }
}
