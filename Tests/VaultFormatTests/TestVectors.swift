import Foundation
import VaultFormat

/// Public test vectors copied from the repositories named in each file's `sources`
/// (transparency-dev/merkle, golang/mod sumdb, C2SP, transparency-dev/formats).
enum TestVectors {
    /// `inline_vectors.json`: groups of vectors keyed by letter, bytes as hex.
    // Read-only after loading; JSONSerialization's result types are immutable Foundation values.
    nonisolated(unsafe) static let inline: [String: Any] = load("inline_vectors")["vectors"] as! [String: Any]
    /// `tdmerkle_probes.json`: transparency-dev/merkle testdata/inclusion and testdata/consistency.
    nonisolated(unsafe) static let probes: [String: [String: Any]] = load("tdmerkle_probes")["files"] as! [String: [String: Any]]

    /// `tessera_testdata_log.json`: transparency-dev/tessera testdata/log, a 15-entry tiled log.
    nonisolated(unsafe) static let tessera: [String: Any] = load("tessera_testdata_log")

    static func group(_ letter: String) -> [String: Any] {
        inline[letter] as! [String: Any]
    }

    private static func load(_ name: String) -> [String: Any] {
        let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors")!
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }
}

func hexBytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        out.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return out
}

func hexHash(_ hex: String) -> Hash {
    Hash(bytes: hexBytes(hex))!
}

/// The Merkle tree hash of RFC 9162 §2.1.1, computed straight from its recursive definition; the
/// reference every optimised computation is compared with.
func referenceRoot(_ leaves: ArraySlice<[UInt8]>) -> Hash {
    if leaves.isEmpty { return MerkleHashing.emptyTreeHash }
    if leaves.count == 1 { return MerkleHashing.leafHash(leaves.first!) }
    var k = 1
    while k * 2 < leaves.count { k *= 2 }
    let split = leaves.startIndex + k
    return MerkleHashing.nodeHash(referenceRoot(leaves[..<split]), referenceRoot(leaves[split...]))
}

/// A tree of `count` distinct leaves, kept as stored hashes, with the leaves themselves.
func makeTree(leafCount count: Int) throws -> (reader: ArrayHashReader, leaves: [[UInt8]]) {
    var reader = ArrayHashReader()
    var leaves: [[UInt8]] = []
    for i in 0..<count {
        let leaf = Array("leaf \(i)".utf8)
        leaves.append(leaf)
        try reader.append(leafHash: MerkleHashing.leafHash(leaf))
    }
    return (reader, leaves)
}

/// Every variant of `proof` with exactly one byte of one hash changed.
func singleByteCorruptions(of proof: [Hash]) -> [[Hash]] {
    var variants: [[Hash]] = []
    for (i, hash) in proof.enumerated() {
        for byte in 0..<Hash.byteCount {
            var bytes = hash.bytes
            bytes[byte] ^= 0x01
            var corrupted = proof
            corrupted[i] = Hash(bytes: bytes)!
            variants.append(corrupted)
        }
    }
    return variants
}
