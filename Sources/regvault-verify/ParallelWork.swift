import Dispatch
import Foundation
import VaultFormat

/// Hashing on every core: hashing dominates verification (`ParallelMap` runs the pieces).
enum ParallelWork {
    /// The RFC 9162 root of `leaves` (leaf hashes), its two subtrees hashed on two cores:
    /// `MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))` with `k` the largest power of two
    /// below `n`.
    static func treeRoot(_ leaves: [Hash]) -> Hash {
        guard leaves.count > 1 else { return leaves.first ?? MerkleHashing.emptyTreeHash }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        let halves = ParallelMap.map(2) { half -> Hash in
            var range = CompactRange()
            for leaf in half == 0 ? leaves[..<k] : leaves[k...] { _ = range.append(leafHash: leaf) }
            return range.rootHash
        }
        return MerkleHashing.nodeHash(halves[0], halves[1])
    }
}
