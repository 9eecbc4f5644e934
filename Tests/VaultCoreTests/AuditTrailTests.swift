import Foundation
import GRDB
import Testing
import VaultCore
import VaultFormat

@Suite("audit trails")
struct AuditTrailTests {
    @Test("every version of an entity is proved against one signed checkpoint, and its record matches its entry")
    func auditTrail() async throws {
        let fixture = try VaultFixture()
        for batch in 0..<4 {
            var records = (0..<5).map { bonusRuleChange("other-\(batch)-\($0)", id: "9\($0)", state: #"{"n":\#($0)}"#) }
            records.insert(bonusRuleChange("rule-\(batch)", state: #"{"maxBonus":\#(100 + batch)}"#), at: batch)
            try await fixture.append(records)
        }
        let trail = try fixture.vault.audit(entityType: "bonusRule", entityId: "123")
        let checkpoint = trail.checkpoint.checkpoint
        #expect(checkpoint.size == 25)
        #expect(trail.changes.map(\.item.record.version) == [1, 2, 3, 4])
        for change in trail.changes {
            #expect(change.inclusion.treeSize == 25)
            try ProofCheck.checkInclusion(leafHash: MerkleHashing.leafHash(change.item.entry), index: change.inclusion.index,
                                          size: 25, proof: change.inclusion.hashes, root: checkpoint.rootHash)
            let entry = try Entry(parsing: change.item.entry)
            #expect(entry.commitment == Entry.commitment(salt: try #require(change.item.record.salt),
                                                         record: try #require(change.item.record.body)))
        }
        // The JSON form carries the same proofs and the checkpoint exactly as signed.
        let json = try EvidenceJSON.audit(trail)
        #expect(json["checkpoint"]?.stringValue == trail.checkpoint.serialized)
        #expect(json["changes"]?.arrayValue?.count == 4)
        #expect(json["changes"]?.arrayValue?.first?["inclusion"]?["treeSize"] == .number(JSONNumber(25)))
        #expect(throws: VaultError(.notFound, "")) { try fixture.vault.audit(entityType: "bonusRule", entityId: "nope") }
    }

    /// A history mixing full states, committed diffs and other entities' records between them.
    func mixedHistory() async throws -> VaultFixture {
        let fixture = try VaultFixture()
        var records: [String] = []
        for version in 1...40 {
            let time = String(format: "2026-10-%02dT10:00:00Z", 1 + version / 2)
            if version % 3 == 0 {
                records.append(#"{"eventId":"m\#(version)","stream":"audit.change","entity":{"type":"bonusRule","id":"123"},"action":"update","actor":{"id":"bo-admin-2"},"occurredAt":"\#(time)","reason":"diff \#(version)","jurisdiction":"MT","diff":[{"op":"replace","path":"/maxBonus","value":\#(version * 10)}]}"#)
            } else {
                records.append(#"{"eventId":"m\#(version)","stream":"audit.change","entity":{"type":"bonusRule","id":"123"},"action":"update","actor":{"id":"bo-admin-2"},"occurredAt":"\#(time)","reason":"state \#(version)","jurisdiction":"MT","state":{"maxBonus":\#(version),"wagering":\#(version % 4)}}"#)
            }
            records.append(bonusRuleChange("other-\(version)", id: "9\(version)", state: #"{"n":\#(version)}"#))
        }
        _ = try await fixture.append(records)
        return fixture
    }

    @Test("a page of a trail reads only what it needs and says exactly what the whole history says, in every window")
    func pagesAgreeWithTheWholeHistory() async throws {
        let fixture = try await mixedHistory()
        let vault = fixture.vault
        let history = try vault.history(entityType: "bonusRule", entityId: "123")
        let expected = Vault.touchedPaths(history)
        #expect(expected.allSatisfy { !$0.isEmpty })
        for limit in [1, 2, 3, 7, 40] {
            var cursor: PageCursor?
            var seen: [Int64] = []
            repeat {
                let trail = try vault.audit(entityType: "bonusRule", entityId: "123", window: AuditWindow(cursor: cursor, limit: limit))
                #expect(trail.versionCount == 40)
                for change in trail.changes {
                    let version = Int(change.item.record.version)
                    #expect(change.touched == expected[version - 1], "version \(version), pages of \(limit)")
                    seen.append(change.item.record.version)
                }
                cursor = trail.nextCursor
            } while cursor != nil
            #expect(seen == Array(1...40), "pages of \(limit)")
        }
        // A window on occurredAt: versions 10 to 19 happened on the 6th to the 10th.
        let window = AuditWindow(from: Timestamp.parseMillis("2026-10-06T00:00:00Z"), to: Timestamp.parseMillis("2026-10-11T00:00:00Z"))
        let trail = try vault.audit(entityType: "bonusRule", entityId: "123", window: window)
        #expect(trail.changes.map(\.item.record.version) == Array(10...19))
        #expect(trail.changes.map(\.touched) == Array(expected[9...18]))
    }

    @Test("a version moved to another entity is refused by any page, not hidden")
    func movedVersionIsRefused() async throws {
        let fixture = try await mixedHistory()
        let seq = try #require(fixture.vault.history(entityType: "bonusRule", entityId: "123").first { $0.record.version == 20 }).record.seq
        let queue = try DatabaseQueue(path: fixture.path + "/vault.sqlite")
        try await queue.write { db in
            try db.execute(sql: "DROP TRIGGER records_change_only_by_erasure")
            try db.execute(sql: "UPDATE records SET entity_id = '999' WHERE seq = ?", arguments: [seq])
        }
        // The last page does not hold version 20, but the count no longer matches the newest version.
        #expect(throws: VaultError(.integrity, "")) {
            try fixture.vault.audit(entityType: "bonusRule", entityId: "123", window: AuditWindow(cursor: PageCursor(recordedAt: 0, seq: seq + 10), limit: 5))
        }
        #expect(throws: VaultError(.integrity, "")) {
            try fixture.vault.audit(entityType: "bonusRule", entityId: "123", window: AuditWindow(limit: 5))
        }
    }
}
