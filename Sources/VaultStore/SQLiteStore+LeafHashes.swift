import Foundation
import VaultFormat

/// How a leaf row keeps the tree hashes its append stored.
extension SQLiteStore {
    /// Bytes of the leaf hash kept as a check when the rest of it is derived from the entry.
    static let leafHashCheckBytes = 4

    /// The `hashes` column of `leaf`: the hashes its append stored (see `StoredHashes`), with the
    /// first, the leaf hash, cut to its first `leafHashCheckBytes` bytes when it is
    /// `SHA-256(0x00 || entry)` of the entry beside it, as it always is. Reading derives the rest
    /// again (`withLeafHash`), which saves 28 bytes a record; the check bytes still catch an entry
    /// changed in the database without its tree hashes (a writer able to recompute hashes is caught
    /// by the signed checkpoints, never by hashes stored beside what they hash). Rows written
    /// before December 2026 hold the whole leaf hash, and read the same.
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

    /// Every hash leaf `seq`'s append stored, from its `hashes` column and entry.
    static func unpack(_ data: Data, seq: Int64, entry: Data) throws -> [Hash] {
        let full = try withLeafHash(data, seq: seq, entry: entry)
        return stride(from: 0, to: full.count, by: Hash.byteCount).map {
            Hash(bytes: full[(full.startIndex + $0)..<(full.startIndex + $0 + Hash.byteCount)])!
        }
    }

    /// Leaf `seq`'s `hashes` column with its whole leaf hash in front when the column holds only
    /// its check bytes. When those do not match the entry, the leaf hash returned is the check
    /// bytes followed by zeros, which is not the entry's: callers see the same mismatch as with a
    /// whole stored leaf hash that differs.
    /// - Throws: `StorageError.corrupt` when the column holds neither every hash the leaf stored nor
    ///   the check bytes and the rest.
    static func withLeafHash(_ data: Data, seq: Int64, entry: Data) throws -> Data {
        let whole = StoredHashes.countStored(byLeaf: seq) * Hash.byteCount
        let checked = whole - Hash.byteCount + leafHashCheckBytes
        guard data.count == whole || data.count == checked else {
            throw StorageError(.corrupt, "leaf \(seq) holds \(data.count) bytes of tree hashes")
        }
        guard data.count == checked else { return data }
        let check = data.prefix(leafHashCheckBytes)
        let derived = MerkleHashing.leafHash(entry).withUnsafeBytes { Data($0) }
        let leafHash = derived.starts(with: check) ? derived : check + Data(count: Hash.byteCount - leafHashCheckBytes)
        return leafHash + data.dropFirst(leafHashCheckBytes)
    }
}
