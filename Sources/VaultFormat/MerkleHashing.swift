public import Crypto
public import Foundation

/// RFC 9162 §2.1.1 hashing, shared by every Merkle computation in RegVault.
///
/// - leaf hash: `SHA-256(0x00 || entry)`
/// - interior node hash: `SHA-256(0x01 || left || right)`
/// - the hash of the empty tree: `SHA-256("")`
public enum MerkleHashing {
    /// `SHA-256("")`, the root of a tree with no leaves.
    public static let emptyTreeHash: Hash = Hash(digest: SHA256.hash(data: [UInt8]()))

    /// The hash of a leaf whose bytes are `entry`.
    public static func leafHash(_ entry: some ContiguousBytes) -> Hash {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
        entry.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return Hash(digest: hasher.finalize())
    }

    /// The hash of the interior node whose children hash to `left` and `right`.
    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(1)) { hasher.update(bufferPointer: $0) }
        left.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        right.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return Hash(digest: hasher.finalize())
    }
}

extension Hash {
    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: some ContiguousBytes) -> Hash {
        var hasher = SHA256()
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return Hash(digest: hasher.finalize())
    }

    /// Wraps a SHA-256 digest.
    public init(digest: SHA256.Digest) {
        self = digest.withUnsafeBytes { Hash(copying: $0) }
    }
}
