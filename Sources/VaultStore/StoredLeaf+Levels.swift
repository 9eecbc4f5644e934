public import Foundation
public import VaultFormat

/// Which tree hashes a leaf row keeps, and how `readHashes` answers for those it does not.
///
/// Half the leaves complete a subtree of level 1, a quarter one of level 2, an eighth one of level
/// 3: those three levels are 0.875 hashes, 28 bytes, a record. Each is the hash of 2, 4 or 8 leaves
/// whose entries are stored anyway, so storage keeps none of them and recomputes them from those
/// leaves' hashes (each derived from its entry) when asked (an inclusion proof needs one per level:
/// the 15 other entries of its leaf's block of 16, read in the same query as its other hashes). A
/// hash recomputed from an altered entry is not the one the signed checkpoints commit to, so proofs
/// built from it fail, and a vault refuses to open when such a hash is on the tree's right edge.
extension StoredLeaf {
    /// The levels of the tree whose hashes storage does not keep.
    public static let recomputedLevels = 1...3

    /// Leaf `seq`'s row as the writer stores it: of `appended`, every hash its append computed
    /// (leaf hash first, in `MerkleTree.storedHashes(forLeaf:)` order), those storage keeps.
    public init(seq: Int64, entry: Data, appended: [Hash]) {
        self.init(seq: seq, entry: entry, hashes: Self.kept(appended))
    }

    /// Of every hash a leaf's append computed, those storage keeps.
    public static func kept(_ appended: [Hash]) -> [Hash] {
        appended.enumerated().filter { !recomputedLevels.contains($0.offset) }.map(\.element)
    }

    /// How many hashes storage keeps for leaf `n`.
    static func countKept(byLeaf n: Int64) -> Int {
        let count = StoredHashes.countStored(byLeaf: n)
        return count - (0..<count).filter(recomputedLevels.contains).count
    }

    /// Where the hash of a subtree at `level` that this leaf completed lies in `hashes`, or nil
    /// for a recomputed level.
    static func offset(ofLevel level: Int) -> Int? {
        if recomputedLevels.contains(level) { return nil }
        return level > recomputedLevels.upperBound ? level - recomputedLevels.count : level
    }
}

/// Answers `HashReader.readHashes` from leaf rows that keep `StoredLeaf.hashes`, for both stores:
/// `rows(for:)` says which rows to read, `hashes(_:from:)` finds or recomputes each hash.
enum KeptHashReading {
    /// The rows `indexes` need, in seq order: the leaf that stored each kept hash, and every leaf
    /// under each subtree of a recomputed level.
    static func rows(for indexes: [Int64]) -> [Int64] {
        var seqs = Set<Int64>()
        for index in indexes {
            let location = StoredHashes.split(index)
            if StoredLeaf.offset(ofLevel: location.level) != nil {
                seqs.insert(location.leaf)
            } else {
                seqs.formUnion(leaves(level: location.level, location.n))
            }
        }
        return seqs.sorted()
    }

    /// The hash at each of `indexes`, in order, from `kept` (each leaf's `StoredLeaf.hashes`, by
    /// seq, holding at least the rows `rows(for:)` named).
    /// - Throws: `VaultFormatError.missingHash` for a hash of a leaf not in the log;
    ///   `StorageError.corrupt` when a leaf holds fewer hashes than it stored.
    static func hashes(_ indexes: [Int64], from kept: [Int64: [Hash]]) throws -> [Hash] {
        try indexes.map { index in
            let location = StoredHashes.split(index)
            guard let offset = StoredLeaf.offset(ofLevel: location.level) else {
                var subtree = CompactRange()
                for seq in leaves(level: location.level, location.n) {
                    guard let leafHash = kept[seq]?.first else { throw VaultFormatError(.missingHash, "stored hash \(index) is not in the log") }
                    subtree.append(leafHash: leafHash)
                }
                return subtree.rootHash
            }
            guard let hashes = kept[location.leaf] else { throw VaultFormatError(.missingHash, "stored hash \(index) is not in the log") }
            guard offset < hashes.count else { throw StorageError(.corrupt, "leaf \(location.leaf) holds too few tree hashes") }
            return hashes[offset]
        }
    }

    /// The leaves under the `n`th subtree of `level`.
    private static func leaves(level: Int, _ n: Int64) -> Range<Int64> {
        (n << level)..<((n + 1) << level)
    }
}
