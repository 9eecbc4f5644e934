/// The layout of a Merkle log's hashes in storage, after golang.org/x/mod/sumdb/tlog.
///
/// Every complete subtree of the log has one hash, and each has exactly one *stored hash index* (a
/// storage backend may keep some of them in no row and recompute them from the entries when read,
/// as the vault's stores do for levels 1 to 3; `StoredLeaf.recomputedLevels`). When leaf `n` is
/// appended, the log stores the leaf hash and then the hash of every subtree that leaf completes —
/// `1 + trailingOnes(n)` hashes — at consecutive stored indexes starting at `storedHashIndex(level:
/// 0, n)`. Level `L`'s `n`th hash covers leaves `[n·2^L, (n+1)·2^L)`.
///
/// For the tree of 4 leaves the stored order is:
/// `(0,0) (0,1) (1,0) (0,2) (0,3) (1,1) (2,0)` — stored indexes 0 through 6.
public enum StoredHashes {
    /// The stored index of the hash of the `n`th subtree at `level`.
    public static func index(level: Int, _ n: Int64) -> Int64 {
        precondition(level >= 0 && n >= 0, "negative level or index")
        // Level L's n'th hash is written right after level L+1's (2n+1)'th hash: walk down to the
        // level-0 ordering, then add the levels back.
        var n = n
        for _ in 0..<level { n = 2 * n + 1 }
        // Level 0's n'th hash is written at n + n/2 + n/4 + ...
        var i: Int64 = 0
        while n > 0 {
            i += n
            n >>= 1
        }
        return i + Int64(level)
    }

    /// The inverse of `index(level:_:)`: which level and subtree a stored index holds, and the
    /// leaf whose append stored it (the hashes stored with leaf `leaf` start at
    /// `index(level: 0, leaf)`, and this hash is at offset `level` among them).
    public static func split(_ index: Int64) -> (level: Int, n: Int64, leaf: Int64) {
        precondition(index >= 0, "negative stored hash index")
        // index(level: 0, n) < 2n, so the leaf is in [index/2, index/2 + log2(index)].
        var n = index / 2
        var indexN = StoredHashes.index(level: 0, n)
        precondition(indexN <= index, "stored hash index math")
        while true {
            // Each leaf n adds 1 + trailingZeros(n + 1) hashes.
            let next = indexN + 1 + Int64((n + 1).trailingZeroBitCount)
            if next > index { break }
            n += 1
            indexN = next
        }
        let level = Int(index - indexN)
        return (level, n >> level, n)
    }

    /// The number of stored hashes in a tree of `size` leaves.
    public static func count(treeSize size: Int64) -> Int64 {
        precondition(size >= 0, "negative tree size")
        if size == 0 { return 0 }
        var count = index(level: 0, size - 1) + 1
        var i = UInt64(size - 1)
        while i & 1 != 0 {
            count += 1
            i >>= 1
        }
        return count
    }

    /// How many hashes are stored when leaf `n` is appended: the leaf hash and one per subtree it
    /// completes.
    public static func countStored(byLeaf n: Int64) -> Int {
        1 + (n + 1).trailingZeroBitCount
    }
}

/// Reads stored hashes by stored index (see `StoredHashes`).
///
/// Contract: `readHashes` returns exactly one hash per requested index, in the order requested, or
/// throws. Proof and root computations call it once per proof, with every index they need, so a
/// storage backend can answer with one query. It may be called concurrently from several readers.
public protocol HashReader: Sendable {
    func readHashes(_ indexes: [Int64]) throws -> [Hash]
}

/// A `HashReader` over an in-memory array indexed by stored index; for tests and small tools.
public struct ArrayHashReader: HashReader {
    /// Every stored hash, by stored index.
    public private(set) var hashes: [Hash] = []
    /// The number of leaves appended.
    public private(set) var leafCount: Int64 = 0

    public init() {}

    public func readHashes(_ indexes: [Int64]) throws -> [Hash] {
        try indexes.map { index in
            guard index >= 0, index < Int64(hashes.count) else {
                throw VaultFormatError.missingHash(index: index)
            }
            return hashes[Int(index)]
        }
    }

    /// Appends a leaf with the given leaf hash, storing every hash it completes.
    public mutating func append(leafHash: Hash) throws {
        hashes += try MerkleTree.storedHashes(forLeaf: leafCount, leafHash: leafHash, reader: self)
        leafCount += 1
    }
}

/// A `HashReader` over hashes read in advance, for building many proofs from one storage read.
/// Asking for a hash it was not given is an error.
public struct PrefetchedHashReader: HashReader {
    private let hashes: [Int64: Hash]

    /// Reads every index in `indexes` from `source` with one call.
    public init(indexes: some Collection<Int64>, from source: some HashReader) throws {
        let unique = Array(Set(indexes))
        let read = try source.readHashes(unique)
        guard read.count == unique.count else { throw VaultFormatError.missingHash(index: unique.last ?? 0) }
        hashes = Dictionary(uniqueKeysWithValues: zip(unique, read))
    }

    public func readHashes(_ indexes: [Int64]) throws -> [Hash] {
        try indexes.map { index in
            guard let hash = hashes[index] else { throw VaultFormatError.missingHash(index: index) }
            return hash
        }
    }
}
