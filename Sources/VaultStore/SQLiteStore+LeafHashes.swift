import Foundation
import VaultFormat

/// How a leaf row keeps its `StoredLeaf.hashes`.
extension SQLiteStore {
    /// Bytes of the leaf hash kept as a check when the rest of it is derived from the entry.
    static let leafHashCheckBytes = 4

    /// The `hashes` column of `leaf`: its `StoredLeaf.hashes`, with the first, the leaf hash, cut
    /// to its first `leafHashCheckBytes` bytes when it is `SHA-256(0x00 || entry)` of the entry
    /// beside it, as the writer's always is. Reading derives the rest again (`unpack`), which
    /// saves 28 bytes a record; the check bytes still catch an entry changed in the database
    /// without its tree hashes (a writer able to recompute hashes is caught by the signed
    /// checkpoints, never by hashes stored beside what they hash). A leaf hash that is not its
    /// entry's (a damaged leaf that a migration copies as it reads) is kept whole.
    static func pack(_ leaf: StoredLeaf) -> Data {
        var data = Data(capacity: leaf.hashes.count * Hash.byteCount)
        for (offset, hash) in leaf.hashes.enumerated() {
            hash.withUnsafeBytes { bytes in
                let derivable = offset == 0 && hash == MerkleHashing.leafHash(leaf.entry)
                data.append(contentsOf: derivable ? bytes.prefix(leafHashCheckBytes) : bytes[...])
            }
        }
        return data
    }

    /// Leaf `seq`'s `StoredLeaf.hashes`, from its `hashes` column and entry. Reads every layout a
    /// release wrote: the kept hashes (since December 2026) or every hash the append stored
    /// (before), each with the leaf hash cut to its check bytes (since November 2026) or whole;
    /// the hashes of `StoredLeaf.recomputedLevels` that older rows hold are left out, as
    /// `readHashes` recomputes them for every row alike. When the check bytes do not match
    /// the entry, the leaf hash returned is the check bytes followed by zeros, which is not the
    /// entry's: callers see the same mismatch as with a whole stored leaf hash that differs.
    /// - Throws: `StorageError.corrupt` when the column's length fits none of those layouts.
    static func unpack(_ data: Data, seq: Int64, entry: Data) throws -> [Hash] {
        let check = Hash.byteCount - leafHashCheckBytes
        let kept = StoredLeaf.countKept(byLeaf: seq) * Hash.byteCount
        let stored = StoredHashes.countStored(byLeaf: seq) * Hash.byteCount
        guard [kept - check, kept, stored - check, stored].contains(data.count) else {
            throw StorageError(.corrupt, "leaf \(seq) holds \(data.count) bytes of tree hashes")
        }
        var full = data
        if data.count % Hash.byteCount != 0 {
            let derived = MerkleHashing.leafHash(entry).withUnsafeBytes { Data($0) }
            let checkBytes = data.prefix(leafHashCheckBytes)
            full = (derived.starts(with: checkBytes) ? derived : checkBytes + Data(count: check)) + data.dropFirst(leafHashCheckBytes)
        }
        let hashes = stride(from: 0, to: full.count, by: Hash.byteCount).map {
            Hash(bytes: full[(full.startIndex + $0)..<(full.startIndex + $0 + Hash.byteCount)])!
        }
        return full.count == kept ? hashes : StoredLeaf.kept(hashes)
    }
}
