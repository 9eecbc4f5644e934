/// Building the log's hashes and proofs from stored hashes (RFC 9162 §2.1), with the storage layout
/// of `StoredHashes`.
///
/// Every function here lists the stored indexes it needs first and reads them with one
/// `HashReader.readHashes` call, then computes. The proofs are the RFC 9162 inclusion and
/// consistency paths, ordered from the leaf (or the old tree) upward, and are checked by
/// `ProofCheck`, which needs no storage.
public enum MerkleTree {
    /// The hashes to store when appending leaf `n` (0-based) with hash `leafHash` to a tree of `n`
    /// leaves: the leaf hash, then the hash of every subtree it completes, in stored-index order.
    public static func storedHashes(forLeaf n: Int64, leafHash: Hash, reader: some HashReader) throws -> [Hash] {
        precondition(n >= 0, "negative leaf index")
        // Each trailing 1 bit of n completes a subtree and consumes the hash of its left sibling.
        let m = (n + 1).trailingZeroBitCount
        var indexes = [Int64](repeating: 0, count: m)
        for i in 0..<m {
            indexes[m - 1 - i] = StoredHashes.index(level: i, (n >> i) - 1)
        }
        let old = try reader.readHashes(indexes)
        guard old.count == m else { throw VaultFormatError.missingHash(index: indexes.first ?? 0) }
        var hashes = [leafHash]
        var h = leafHash
        for i in 0..<m {
            h = MerkleHashing.nodeHash(old[m - 1 - i], h)
            hashes.append(h)
        }
        return hashes
    }

    /// The root hash of the tree of the first `size` leaves.
    public static func rootHash(size: Int64, reader: some HashReader) throws -> Hash {
        guard size >= 0 else { throw VaultFormatError(.invalidTreeSize, "tree size \(size) is negative") }
        if size == 0 { return MerkleHashing.emptyTreeHash }
        var indexes: [Int64] = []
        subtreeIndexes(0, size, into: &indexes)
        var hashes = try read(indexes, reader)[...]
        return subtreeHash(0, size, &hashes)
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1).
    public static func proveInclusion(index: Int64, size: Int64, reader: some HashReader) throws -> [Hash] {
        guard index >= 0, size > 0, index < size else {
            throw VaultFormatError(.invalidTreeSize, "leaf \(index) is not in a tree of size \(size)")
        }
        var indexes: [Int64] = []
        leafProofIndexes(0, size, index, into: &indexes)
        if indexes.isEmpty { return [] }
        var hashes = try read(indexes, reader)[...]
        var proof: [Hash] = []
        leafProof(0, size, index, &hashes, into: &proof)
        return proof
    }

    /// The stored indexes `proveInclusion(index:size:reader:)` reads, so that a caller proving many
    /// leaves can fetch the union once (see `PrefetchedHashReader`).
    public static func inclusionProofIndexes(index: Int64, size: Int64) throws -> [Int64] {
        guard index >= 0, size > 0, index < size else {
            throw VaultFormatError(.invalidTreeSize, "leaf \(index) is not in a tree of size \(size)")
        }
        var indexes: [Int64] = []
        leafProofIndexes(0, size, index, into: &indexes)
        return indexes
    }

    /// The consistency proof between the trees of `oldSize` and `newSize` leaves
    /// (RFC 9162 §2.1.4.1); `0 < oldSize <= newSize`. It is empty when the sizes are equal.
    public static func proveConsistency(oldSize: Int64, newSize: Int64, reader: some HashReader) throws -> [Hash] {
        guard oldSize > 0, oldSize <= newSize else {
            throw VaultFormatError(.invalidTreeSize,
                                   "a consistency proof needs 0 < from <= to, got from \(oldSize) to \(newSize)")
        }
        var indexes: [Int64] = []
        treeProofIndexes(0, newSize, oldSize, into: &indexes)
        if indexes.isEmpty { return [] }
        var hashes = try read(indexes, reader)[...]
        var proof: [Hash] = []
        treeProof(0, newSize, oldSize, &hashes, into: &proof)
        return proof
    }

    // MARK: - Index planning and computation (two passes over the same recursion)

    private static func read(_ indexes: [Int64], _ reader: some HashReader) throws -> [Hash] {
        let hashes = try reader.readHashes(indexes)
        guard hashes.count == indexes.count else {
            throw VaultFormatError.missingHash(index: indexes.last ?? 0)
        }
        return hashes
    }

    /// The largest power of two strictly less than `n` (n >= 2), and its log2.
    private static func maxPow2Below(_ n: Int64) -> (k: Int64, level: Int) {
        precondition(n >= 2, "maxPow2Below needs n >= 2")
        let level = 63 - (n - 1).leadingZeroBitCount
        return (Int64(1) << level, level)
    }

    /// The stored indexes of the perfect subtrees that make up leaves [lo, hi), left to right.
    private static func subtreeIndexes(_ lo: Int64, _ hi: Int64, into need: inout [Int64]) {
        var lo = lo
        while lo < hi {
            let (k, level) = maxPow2Below(hi - lo + 1)
            precondition(lo & (k - 1) == 0, "subtree alignment")
            need.append(StoredHashes.index(level: level, lo >> level))
            lo += k
        }
    }

    /// The hash of leaves [lo, hi) from the hashes `subtreeIndexes` asked for, consuming them.
    private static func subtreeHash(_ lo: Int64, _ hi: Int64, _ hashes: inout ArraySlice<Hash>) -> Hash {
        var count = 0
        var lo = lo
        while lo < hi {
            let (k, _) = maxPow2Below(hi - lo + 1)
            count += 1
            lo += k
        }
        precondition(hashes.count >= count, "subtree hash count")
        let parts = hashes.prefix(count)
        hashes = hashes.dropFirst(count)
        var h = parts.last!
        for part in parts.dropLast().reversed() {
            h = MerkleHashing.nodeHash(part, h)
        }
        return h
    }

    private static func leafProofIndexes(_ lo: Int64, _ hi: Int64, _ n: Int64, into need: inout [Int64]) {
        precondition(lo <= n && n < hi, "leaf proof range")
        if lo + 1 == hi { return }
        let (k, _) = maxPow2Below(hi - lo)
        if n < lo + k {
            leafProofIndexes(lo, lo + k, n, into: &need)
            subtreeIndexes(lo + k, hi, into: &need)
        } else {
            subtreeIndexes(lo, lo + k, into: &need)
            leafProofIndexes(lo + k, hi, n, into: &need)
        }
    }

    private static func leafProof(_ lo: Int64, _ hi: Int64, _ n: Int64,
                                  _ hashes: inout ArraySlice<Hash>, into proof: inout [Hash]) {
        precondition(lo <= n && n < hi, "leaf proof range")
        // The verifier knows the leaf hash itself.
        if lo + 1 == hi { return }
        // Walk toward n, recording the hash of the branch not taken, deepest first.
        let (k, _) = maxPow2Below(hi - lo)
        if n < lo + k {
            leafProof(lo, lo + k, n, &hashes, into: &proof)
            proof.append(subtreeHash(lo + k, hi, &hashes))
        } else {
            let sibling = subtreeHash(lo, lo + k, &hashes)
            leafProof(lo + k, hi, n, &hashes, into: &proof)
            proof.append(sibling)
        }
    }

    private static func treeProofIndexes(_ lo: Int64, _ hi: Int64, _ n: Int64, into need: inout [Int64]) {
        precondition(lo < n && n <= hi, "tree proof range")
        if n == hi {
            if lo != 0 { subtreeIndexes(lo, hi, into: &need) }
            return
        }
        let (k, _) = maxPow2Below(hi - lo)
        if n <= lo + k {
            treeProofIndexes(lo, lo + k, n, into: &need)
            subtreeIndexes(lo + k, hi, into: &need)
        } else {
            subtreeIndexes(lo, lo + k, into: &need)
            treeProofIndexes(lo + k, hi, n, into: &need)
        }
    }

    private static func treeProof(_ lo: Int64, _ hi: Int64, _ n: Int64,
                                  _ hashes: inout ArraySlice<Hash>, into proof: inout [Hash]) {
        precondition(lo < n && n <= hi, "tree proof range")
        if n == hi {
            // The subtree [0, n) is the old tree itself, which the verifier knows.
            if lo != 0 { proof.append(subtreeHash(lo, hi, &hashes)) }
            return
        }
        let (k, _) = maxPow2Below(hi - lo)
        if n <= lo + k {
            treeProof(lo, lo + k, n, &hashes, into: &proof)
            proof.append(subtreeHash(lo + k, hi, &hashes))
        } else {
            let sibling = subtreeHash(lo, lo + k, &hashes)
            treeProof(lo + k, hi, n, &hashes, into: &proof)
            proof.append(sibling)
        }
    }
}
