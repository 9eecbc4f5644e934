import Foundation
public import VaultFormat

/// An entity's change history as an inspector receives it: every version, oldest first, each with
/// the evidence to check it offline — the record's exact bytes and salt, its entry, and an
/// inclusion proof against one signed checkpoint, the same for every change.
public struct AuditTrail: Sendable {
    public let entityType: String
    public let entityId: String
    /// The checkpoint every proof leads to, exactly as signed.
    public let checkpoint: SignedCheckpoint
    public let changes: [Change]

    public struct Change: Sendable {
        public let item: HistoryItem
        public let inclusion: InclusionProof
    }
}

extension Vault {
    /// The audit trail of one entity against the latest signed checkpoint. Versions recorded after
    /// that checkpoint are not included (they will be in the next one). All proofs are built from
    /// one read of the tree's hashes.
    public func audit(entityType: String, entityId: String) throws -> AuditTrail {
        guard let checkpoint = try latestCheckpoint() else {
            throw VaultError(.integrity, "the vault has no checkpoint")
        }
        let size = Int64(checkpoint.checkpoint.size)
        let items = try history(entityType: entityType, entityId: entityId).filter { $0.record.seq < size }
        guard !items.isEmpty else {
            throw VaultError(.notFound, "no records for \(entityType) \(entityId)")
        }
        let indexes = try items.flatMap { try MerkleTree.inclusionProofIndexes(index: $0.record.seq, size: size) }
        let hashes = try PrefetchedHashReader(indexes: indexes, from: store)
        let changes = try items.map { item in
            let leafHash = MerkleHashing.leafHash(item.entry)
            let proof = try MerkleTree.proveInclusion(index: item.record.seq, size: size, reader: hashes)
            return AuditTrail.Change(item: item, inclusion: InclusionProof(index: item.record.seq, treeSize: size,
                                                                           leafHash: leafHash, hashes: proof))
        }
        return AuditTrail(entityType: entityType, entityId: entityId, checkpoint: checkpoint, changes: changes)
    }
}
