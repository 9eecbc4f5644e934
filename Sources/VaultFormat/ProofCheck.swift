/// Verification of inclusion and consistency proofs, exactly as RFC 9162 §2.1.3.2 and §2.1.4.2
/// describe. Pure: sizes, hashes and the proof in, a verdict out; no storage.
public enum ProofCheck {
    /// Checks that `leafHash` is leaf `index` of the tree of `size` leaves whose root is `root`.
    /// Throws `invalidProof` with the reason when it is not.
    public static func checkInclusion(leafHash: Hash, index: Int64, size: Int64, proof: [Hash], root: Hash) throws {
        guard index >= 0, size > 0, index < size else {
            throw VaultFormatError(.invalidProof, "leaf index \(index) is not in a tree of size \(size)")
        }
        var fn = UInt64(index)
        var sn = UInt64(size - 1)
        var r = leafHash
        for p in proof {
            guard sn != 0 else {
                throw VaultFormatError(.invalidProof, "inclusion proof has more hashes than the tree has levels")
            }
            if fn & 1 == 1 || fn == sn {
                r = MerkleHashing.nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleHashing.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else {
            throw VaultFormatError(.invalidProof, "inclusion proof has too few hashes for a tree of size \(size)")
        }
        guard r == root else {
            throw VaultFormatError(.invalidProof, "inclusion proof does not lead to the root of the tree of size \(size)")
        }
    }

    /// Checks that the tree of `oldSize` leaves with root `oldRoot` is a prefix of the tree of
    /// `newSize` leaves with root `newRoot`. Throws `invalidProof` with the reason when it is not.
    public static func checkConsistency(oldSize: Int64, newSize: Int64, oldRoot: Hash, newRoot: Hash,
                                        proof: [Hash]) throws {
        guard oldSize >= 0, oldSize <= newSize else {
            throw VaultFormatError(.invalidProof, "old size \(oldSize) is not between 0 and new size \(newSize)")
        }
        if oldSize == newSize {
            guard proof.isEmpty else {
                throw VaultFormatError(.invalidProof, "consistency proof between equal sizes must be empty")
            }
            guard oldRoot == newRoot else {
                throw VaultFormatError(.invalidProof, "trees of equal size \(newSize) have different roots")
            }
            return
        }
        if oldSize == 0 {
            // Every tree extends the empty tree; RFC 9162 sends no proof for it.
            guard proof.isEmpty else {
                throw VaultFormatError(.invalidProof, "consistency proof from the empty tree must be empty")
            }
            return
        }
        guard !proof.isEmpty else {
            throw VaultFormatError(.invalidProof, "consistency proof is empty")
        }
        var path = proof[...]
        // If the old tree is a complete subtree, its root is the first node of the path.
        if UInt64(oldSize) & (UInt64(oldSize) - 1) == 0 {
            path = ([oldRoot] + proof)[...]
        }
        var fn = UInt64(oldSize - 1)
        var sn = UInt64(newSize - 1)
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path.first!
        var sr = fr
        for c in path.dropFirst() {
            guard sn != 0 else {
                throw VaultFormatError(.invalidProof, "consistency proof has more hashes than the tree has levels")
            }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHashing.nodeHash(c, fr)
                sr = MerkleHashing.nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleHashing.nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else {
            throw VaultFormatError(.invalidProof, "consistency proof has too few hashes")
        }
        guard fr == oldRoot else {
            throw VaultFormatError(.invalidProof, "consistency proof does not lead to the old root")
        }
        guard sr == newRoot else {
            throw VaultFormatError(.invalidProof, "consistency proof does not lead to the new root")
        }
    }
}
