import Foundation

/// A C2SP `tlog-proof` (c2sp.org/tlog-proof): an offline proof that entry `index` is in the tree
/// of a signed checkpoint.
///
/// ```
/// c2sp.org/tlog-proof@v1
/// index 73894
/// <proof hash, base64>
/// …
///
/// <signed checkpoint>
/// ```
///
/// (An optional `extra <base64>` line before `index` carries unauthenticated application data;
/// this vault writes none.)
public struct TlogProof: Sendable, Equatable {
    public static let header = "c2sp.org/tlog-proof@v1"

    public let index: UInt64
    public let hashes: [Hash]
    /// The signed checkpoint note, exactly as signed.
    public let checkpoint: String
    public let extra: [UInt8]?

    public init(index: UInt64, hashes: [Hash], checkpoint: String, extra: [UInt8]? = nil) {
        self.index = index
        self.hashes = hashes
        self.checkpoint = checkpoint
        self.extra = extra
    }

    public var text: String {
        var lines = [TlogProof.header]
        if let extra { lines.append("extra " + Data(extra).base64EncodedString()) }
        lines.append("index \(index)")
        lines += hashes.map(\.base64)
        return lines.joined(separator: "\n") + "\n\n" + checkpoint
    }

    public init(parsing text: String) throws {
        func fail(_ why: String) -> VaultFormatError { VaultFormatError(.malformedProof, why) }
        guard let split = text.range(of: "\n\n") else { throw fail("a tlog-proof has an empty line before its checkpoint") }
        var lines = text[..<split.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first == Substring(TlogProof.header) else { throw fail("a tlog-proof starts with \(TlogProof.header)") }
        lines.removeFirst()
        var extra: [UInt8]?
        if let first = lines.first, first.hasPrefix("extra ") {
            guard let bytes = CanonicalBase64.decode(first.dropFirst(6)) else { throw fail("extra is not base64") }
            extra = bytes
            lines.removeFirst()
        }
        guard let indexLine = lines.first, indexLine.hasPrefix("index "),
              let index = Checkpoint.parseSize(indexLine.dropFirst(6)) else {
            throw fail("a tlog-proof has an 'index N' line")
        }
        var hashes: [Hash] = []
        for line in lines.dropFirst() {
            guard let hash = Hash(base64: String(line)) else { throw fail("a proof hash is not base64 of 32 bytes") }
            hashes.append(hash)
        }
        self.init(index: index, hashes: hashes, checkpoint: String(text[split.upperBound...]), extra: extra)
    }

    /// Checks that `entry` is at `index` in the checkpoint's tree, and that the checkpoint is signed
    /// by `key`. Returns the verified checkpoint.
    public func verify(entry: some Collection<UInt8>, key: NoteVerifierKey) throws -> SignedCheckpoint {
        let signed = try SignedCheckpoint(verifying: Array(checkpoint.utf8), verifierKeys: [key])
        guard index < signed.checkpoint.size else {
            throw VaultFormatError(.invalidProof, "index \(index) is not in the tree of size \(signed.checkpoint.size)")
        }
        try ProofCheck.checkInclusion(leafHash: MerkleHashing.leafHash(Array(entry)), index: Int64(index),
                                      size: Int64(signed.checkpoint.size), proof: hashes, root: signed.checkpoint.rootHash)
        return signed
    }
}
