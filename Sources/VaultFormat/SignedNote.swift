import Foundation

/// A C2SP signed note: UTF-8 text, a blank line, and one or more signature lines.
///
/// ```
/// This is an example message.
///
/// — example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=
/// ```
///
/// The text is non-empty, valid UTF-8 without control characters other than newline, and ends in a
/// newline. Each signature line is `— ` (U+2014, space), the key name, a space, and
/// base64(4-byte big-endian key id || signature), ending in a newline. A note is at most
/// `maxSize` bytes with at most `maxSignatures` signatures.
///
/// Verification (`verify(against:)`) follows golang.org/x/mod/sumdb/note: signatures from keys not
/// in the known set are ignored; a note needs at least one valid signature from a known key; an
/// invalid signature from a known key rejects the whole note.
public struct SignedNote: Sendable, Equatable {
    public static let maxSize = 64 * 1024
    public static let maxSignatures = 100

    /// One signature line.
    public struct Signature: Sendable, Equatable {
        public let name: String
        public let keyID: UInt32
        /// The signature bytes after the key id.
        public let signature: [UInt8]

        /// The line as it appears in the note, without the trailing newline.
        public var line: String {
            "\u{2014} \(name) " + Data(withUnsafeBytes(of: keyID.bigEndian, Array.init) + signature).base64EncodedString()
        }
    }

    /// The signed text, exactly as signed, ending in a newline.
    public let text: String
    public let signatures: [Signature]

    /// Parses a note's structure without checking any signature. Refuses notes larger than
    /// `maxSize` (64 KiB unless a format built on notes, such as an export manifest, allows more).
    public init(parsing data: some Collection<UInt8>, maxSize: Int = SignedNote.maxSize) throws {
        guard data.count <= maxSize else {
            throw VaultFormatError(.malformedNote, "note is larger than \(maxSize) bytes")
        }
        guard let whole = String(validating: data, as: UTF8.self) else {
            throw VaultFormatError(.malformedNote, "note is not valid UTF-8")
        }
        guard let split = whole.utf8.lastIndexOfBlankLine() else {
            throw VaultFormatError(.malformedNote, "note has no blank line before its signatures")
        }
        let bytes = Array(whole.utf8)
        let text = String(decoding: bytes[..<(split + 1)], as: UTF8.self)
        try SignedNote.checkText(text)
        let signatureBlock = bytes[(split + 2)...]
        guard signatureBlock.last == 0x0A else {
            throw VaultFormatError(.malformedNote, "note must end with a newline after its last signature")
        }
        var signatures: [Signature] = []
        for lineBytes in signatureBlock.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false) {
            signatures.append(try SignedNote.parseSignatureLine(String(decoding: lineBytes, as: UTF8.self)))
            guard signatures.count <= SignedNote.maxSignatures else {
                throw VaultFormatError(.malformedNote, "note has more than \(SignedNote.maxSignatures) signatures")
            }
        }
        guard !signatures.isEmpty else {
            throw VaultFormatError(.malformedNote, "note has no signatures")
        }
        self.text = text
        self.signatures = signatures
    }

    private init(text: String, signatures: [Signature]) {
        self.text = text
        self.signatures = signatures
    }

    /// Signs `text` with every signer, in order.
    public static func sign(text: String, signers: [NoteSigner]) throws -> SignedNote {
        try checkText(text)
        precondition(!signers.isEmpty, "signing a note needs a signer")
        let signatures = try signers.map { signer in
            Signature(name: signer.name, keyID: signer.verifierKey.keyID, signature: try signer.sign(Array(text.utf8)))
        }
        return SignedNote(text: text, signatures: signatures)
    }

    /// The note's bytes: text, blank line, signature lines.
    public var serialized: String {
        text + "\n" + signatures.map { $0.line + "\n" }.joined()
    }

    /// Verifies the note against `known` keys and returns the keys whose signatures verified.
    /// Throws `noKnownSignature` if none did and `invalidSignature` if a known key's signature is bad.
    @discardableResult
    public func verify(against known: [NoteVerifierKey]) throws -> [NoteVerifierKey] {
        let message = Array(text.utf8)
        var verified: [NoteVerifierKey] = []
        for signature in signatures {
            guard let key = known.first(where: { $0.name == signature.name && $0.keyID == signature.keyID }) else {
                continue
            }
            if verified.contains(key) { continue }
            guard key.isValidSignature(signature.signature, for: message) else {
                throw VaultFormatError(.invalidSignature, "signature by known key \(key.name) does not verify")
            }
            verified.append(key)
        }
        guard !verified.isEmpty else {
            throw VaultFormatError(.noKnownSignature, "note has no valid signature from a known key")
        }
        return verified
    }

    static func checkText(_ text: String) throws {
        guard text.utf8.last == 0x0A else {
            throw VaultFormatError(.malformedNote, "note text must end with a newline")
        }
        guard !text.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F }) else {
            throw VaultFormatError(.malformedNote, "note text contains a control character")
        }
    }

    private static func parseSignatureLine(_ line: String) throws -> Signature {
        let prefix = "\u{2014} "
        guard line.hasPrefix(prefix) else {
            throw VaultFormatError(.malformedNote, "signature line must start with an em dash and a space")
        }
        let rest = line.dropFirst(prefix.count)
        let fields = rest.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 2, isValidNoteKeyName(fields[0]), let raw = CanonicalBase64.decode(fields[1]),
              raw.count >= 5 else {
            throw VaultFormatError(.malformedNote, "signature line must be '— name base64(keyid||signature)'")
        }
        let keyID = raw.prefix(4).reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
        return Signature(name: String(fields[0]), keyID: keyID, signature: Array(raw.dropFirst(4)))
    }
}

extension String.UTF8View {
    /// The offset of the first newline of the last "\n\n" in the view.
    fileprivate func lastIndexOfBlankLine() -> Int? {
        let bytes = Array(self)
        guard bytes.count >= 2 else { return nil }
        var i = bytes.count - 2
        while i >= 0 {
            if bytes[i] == 0x0A && bytes[i + 1] == 0x0A { return i }
            i -= 1
        }
        return nil
    }
}
