public import VaultFormat

/// The evidence behind a page of records, for a reader who checks it themselves (the console's
/// browser check): the latest signed checkpoint, when it was signed, and an inclusion proof
/// against it for every record of the page that it covers.
public struct PageEvidence: Sendable {
    public let checkpoint: SignedCheckpoint
    /// When the vault signed it, in milliseconds; nil if the store does not say.
    public let signedAt: Int64?
    /// By seq. A record recorded after the checkpoint has none: the next checkpoint covers it.
    public let proofs: [Int64: InclusionProof]

    /// The evidence of an audit trail's page.
    public init(_ trail: AuditTrail, signedAt: Int64?) {
        checkpoint = trail.checkpoint
        self.signedAt = signedAt
        proofs = Dictionary(uniqueKeysWithValues: trail.changes.map { ($0.item.record.seq, $0.inclusion) })
    }

    init(checkpoint: SignedCheckpoint, signedAt: Int64?, proofs: [Int64: InclusionProof]) {
        self.checkpoint = checkpoint
        self.signedAt = signedAt
        self.proofs = proofs
    }
}

extension Vault {
    /// When the checkpoint of `size` was signed, in milliseconds, if the store recorded it.
    public func checkpointSignedAt(size: Int64) throws -> Int64? {
        try store.checkpointSignedAt(size: size)
    }

    /// The evidence for `items` against the latest signed checkpoint, the tree's hashes read once
    /// for every proof of the page.
    public func pageEvidence(for items: [HistoryItem]) throws -> PageEvidence {
        guard let checkpoint = try latestCheckpoint() else {
            throw VaultError(.integrity, "the vault has no checkpoint")
        }
        let size = Int64(checkpoint.checkpoint.size)
        let covered = items.filter { $0.record.seq < size }
        let indexes = try covered.flatMap { try MerkleTree.inclusionProofIndexes(index: $0.record.seq, size: size) }
        let hashes = try PrefetchedHashReader(indexes: indexes, from: store)
        var proofs: [Int64: InclusionProof] = [:]
        for item in covered {
            let path = try MerkleTree.proveInclusion(index: item.record.seq, size: size, reader: hashes)
            proofs[item.record.seq] = InclusionProof(index: item.record.seq, treeSize: size,
                                                     leafHash: MerkleHashing.leafHash(item.entry), hashes: path)
        }
        return PageEvidence(checkpoint: checkpoint, signedAt: try store.checkpointSignedAt(size: size), proofs: proofs)
    }
}
