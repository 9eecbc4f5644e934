import Dispatch
import Foundation
import VaultFormat

/// Runs independent pieces of work on every core: hashing dominates verification, and the pieces
/// of one member (its digest, halves of its lines) do not depend on each other.
enum ParallelWork {
    static let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 16))

    /// `job(0) … job(count - 1)`, run concurrently, in order.
    static func map<T>(_ count: Int, _ job: (Int) -> T) -> [T] {
        var results = [T?](repeating: nil, count: count)
        withoutActuallyEscaping(job) { job in
            results.withUnsafeMutableBufferPointer { buffer in
                // Safe: each job writes only its own slot, and `job` only reads what it captured.
                nonisolated(unsafe) let slots = buffer
                nonisolated(unsafe) let job = job
                DispatchQueue.concurrentPerform(iterations: count) { index in
                    slots[index] = job(index)
                }
            }
        }
        return results.map { $0! }
    }

    /// The RFC 9162 root of `leaves` (leaf hashes), its two subtrees hashed on two cores:
    /// `MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))` with `k` the largest power of two
    /// below `n`.
    static func treeRoot(_ leaves: [Hash]) -> Hash {
        guard leaves.count > 1 else { return leaves.first ?? MerkleHashing.emptyTreeHash }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        let halves = map(2) { half -> Hash in
            var range = CompactRange()
            for leaf in half == 0 ? leaves[..<k] : leaves[k...] { _ = range.append(leafHash: leaf) }
            return range.rootHash
        }
        return MerkleHashing.nodeHash(halves[0], halves[1])
    }

    /// The bounds of `count` items split into `parts` nearly equal consecutive ranges.
    static func split(_ count: Int, into parts: Int) -> [Range<Int>] {
        (0..<parts).map { part in (count * part / parts)..<(count * (part + 1) / parts) }
    }
}
