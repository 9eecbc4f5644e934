/// A C2SP tlog-checkpoint: the body of a signed note that commits to a log's size and root.
///
/// ```
/// example.com/behind-the-sofa
/// 20852163
/// CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
/// ```
///
/// Line 1 is the log's origin (non-empty, no control characters); line 2 the tree size in decimal
/// without leading zeros or a sign (at most 2^64-1); line 3 the 32-byte root hash in canonical
/// standard base64; optional non-empty extension lines follow. Every line ends in a newline.
/// Input is capped at `SignedNote.maxSize` bytes.
public struct Checkpoint: Sendable, Equatable {
    public let origin: String
    public let size: UInt64
    public let rootHash: Hash
    public let extensions: [String]

    public init(origin: String, size: UInt64, rootHash: Hash, extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// Parses a checkpoint body (a signed note's text), rejecting any non-canonical form.
    public init(parsing text: String) throws {
        guard text.utf8.count <= SignedNote.maxSize else {
            throw VaultFormatError(.malformedCheckpoint, "checkpoint is larger than \(SignedNote.maxSize) bytes")
        }
        guard text.hasSuffix("\n") else {
            throw VaultFormatError(.malformedCheckpoint, "checkpoint must end with a newline")
        }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3 else {
            throw VaultFormatError(.malformedCheckpoint, "checkpoint needs origin, size and root hash lines")
        }
        guard !lines[0].isEmpty, !lines[0].unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw VaultFormatError(.malformedCheckpoint, "checkpoint origin line is empty or has control characters")
        }
        guard let size = Checkpoint.parseSize(lines[1]) else {
            throw VaultFormatError(.malformedCheckpoint,
                                   "checkpoint size '\(lines[1].prefix(32))' is not a canonical decimal of at most 2^64-1")
        }
        guard let root = Hash(base64: String(lines[2])) else {
            throw VaultFormatError(.malformedCheckpoint, "checkpoint root is not canonical base64 of 32 bytes")
        }
        let extensions = lines.dropFirst(3).map(String.init)
        guard !extensions.contains(where: \.isEmpty) else {
            throw VaultFormatError(.malformedCheckpoint, "checkpoint has an empty extension line")
        }
        self.init(origin: String(lines[0]), size: size, rootHash: root, extensions: extensions)
    }

    /// The checkpoint body, ready to be signed.
    public var text: String {
        "\(origin)\n\(size)\n\(rootHash.base64)\n" + extensions.map { $0 + "\n" }.joined()
    }

    /// Parses a decimal without sign, leading zeros or anything else, or returns nil.
    static func parseSize(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              text == "0" || text.first != "0" else { return nil }
        return UInt64(text)
    }
}

/// A checkpoint together with the signed note that carries it, exactly as it was signed.
public struct SignedCheckpoint: Sendable, Equatable {
    public let checkpoint: Checkpoint
    public let note: SignedNote

    /// Parses `data` as a signed note whose text is a checkpoint, verifies it against
    /// `verifierKeys`, and requires that a verified signature comes from a key named after the
    /// checkpoint's origin (the log's own key). Witness cosignatures may be present and are ignored
    /// unless their keys are known.
    public init(verifying data: some Collection<UInt8>, verifierKeys: [NoteVerifierKey]) throws {
        let note = try SignedNote(parsing: data)
        let checkpoint = try Checkpoint(parsing: note.text)
        let verified = try note.verify(against: verifierKeys)
        guard verified.contains(where: { $0.name == checkpoint.origin }) else {
            throw VaultFormatError(.noKnownSignature,
                                   "checkpoint for origin '\(checkpoint.origin)' is not signed by a known key of that name")
        }
        self.checkpoint = checkpoint
        self.note = note
    }

    /// Signs `checkpoint` with the log's signer, whose name must be the checkpoint's origin.
    public init(signing checkpoint: Checkpoint, with signer: NoteSigner) throws {
        precondition(signer.name == checkpoint.origin, "the log key's name is the checkpoint origin")
        self.checkpoint = checkpoint
        self.note = try SignedNote.sign(text: checkpoint.text, signers: [signer])
    }

    /// The signed note's bytes.
    public var serialized: String { note.serialized }
}
