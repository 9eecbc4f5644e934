/// The right edge of a Merkle log: the roots of the perfect subtrees that make up a tree of `size`
/// leaves, largest first (one per set bit of `size`). It is all a writer needs in memory to append
/// leaves, produce the hashes to store for each, and compute the root, without reading storage.
public struct CompactRange: Equatable, Sendable {
    /// The number of leaves covered.
    public private(set) var size: Int64 = 0
    /// Subtree roots, largest (leftmost) first.
    public private(set) var roots: [Hash] = []

    /// The range of the empty tree.
    public init() {}

    /// Loads the range of the tree of `size` leaves from storage with one batched read.
    public init(size: Int64, reader: some HashReader) throws {
        guard size >= 0 else { throw VaultFormatError(.invalidTreeSize, "tree size \(size) is negative") }
        var indexes: [Int64] = []
        var lo: Int64 = 0
        for level in (0..<63).reversed() where size & (Int64(1) << level) != 0 {
            indexes.append(StoredHashes.index(level: level, lo >> level))
            lo += Int64(1) << level
        }
        let hashes = try reader.readHashes(indexes)
        guard hashes.count == indexes.count else { throw VaultFormatError.missingHash(index: indexes.last ?? 0) }
        self.size = size
        self.roots = hashes
    }

    /// Appends a leaf and returns the hashes to store for it, in stored-index order: the leaf hash,
    /// then the root of every subtree the leaf completes (see `StoredHashes`).
    @discardableResult
    public mutating func append(leafHash: Hash) -> [Hash] {
        var stored = [leafHash]
        var h = leafHash
        var completed = (size + 1).trailingZeroBitCount
        while completed > 0 {
            h = MerkleHashing.nodeHash(roots.removeLast(), h)
            stored.append(h)
            completed -= 1
        }
        roots.append(h)
        size += 1
        return stored
    }

    /// The root hash of the tree (RFC 9162 MTH).
    public var rootHash: Hash {
        guard var h = roots.last else { return MerkleHashing.emptyTreeHash }
        for left in roots.dropLast().reversed() {
            h = MerkleHashing.nodeHash(left, h)
        }
        return h
    }
}
