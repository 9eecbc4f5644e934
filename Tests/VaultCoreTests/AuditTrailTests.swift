import Foundation
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
}
