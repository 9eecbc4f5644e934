import Crypto
public import Foundation

/// The algorithm byte that prefixes an Ed25519 key in C2SP signed-note key encodings.
let ed25519AlgorithmByte: UInt8 = 0x01

/// Computes a C2SP signed-note key id: the first 4 bytes, big-endian, of
/// `SHA-256(name || 0x0A || 0x01 || publicKey)`.
func noteKeyID(name: String, publicKey: some Collection<UInt8>) -> UInt32 {
    var hasher = SHA256()
    hasher.update(data: Array(name.utf8) + [0x0A, ed25519AlgorithmByte] + Array(publicKey))
    return hasher.finalize().withUnsafeBytes { raw in
        raw.prefix(4).reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
    }
}

/// True if `name` may name a signed-note key: non-empty, valid text with no white space and no `+`.
func isValidNoteKeyName(_ name: some StringProtocol) -> Bool {
    !name.isEmpty && !name.contains("+")
        && !name.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
}

private func hex8(_ id: UInt32) -> String {
    let digits = String(id, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
}

/// Eight lower-case hex digits, as keys are written (`%08x`); upper case is not canonical.
private func parseHex8(_ text: some StringProtocol) -> UInt32? {
    guard text.utf8.count == 8, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
        return nil
    }
    return UInt32(text, radix: 16)
}

/// A signed-note verifier key: `name+hexkeyid+base64(0x01 || Ed25519 public key)`.
///
/// Example (from golang.org/x/mod/sumdb/note):
/// `PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`
public struct NoteVerifierKey: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let keyID: UInt32
    /// The 32 raw bytes of the Ed25519 public key.
    public let publicKey: [UInt8]

    /// Parses a verifier key string; the key id must match the name and key.
    public init(_ text: String) throws {
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, isValidNoteKeyName(parts[0]), let id = parseHex8(parts[1]),
              let raw = CanonicalBase64.decode(parts[2]) else {
            throw VaultFormatError(.malformedVerifierKey, "verifier key must be name+hexkeyid+base64key")
        }
        guard raw.count == 33, raw[0] == ed25519AlgorithmByte else {
            throw VaultFormatError(.malformedVerifierKey, "verifier key is not an Ed25519 key (0x01 and 32 bytes)")
        }
        let key = Array(raw.dropFirst())
        guard noteKeyID(name: String(parts[0]), publicKey: key) == id else {
            throw VaultFormatError(.malformedVerifierKey, "verifier key id \(parts[1]) does not match its name and key")
        }
        self.init(name: String(parts[0]), publicKey: key)
    }

    /// A verifier key for `name` and a 32-byte Ed25519 public key.
    public init(name: String, publicKey: [UInt8]) {
        precondition(isValidNoteKeyName(name) && publicKey.count == 32, "verifier key name or length")
        self.name = name
        self.publicKey = publicKey
        self.keyID = noteKeyID(name: name, publicKey: publicKey)
    }

    /// The key in its text form.
    public var description: String {
        "\(name)+\(hex8(keyID))+\(Data([ed25519AlgorithmByte] + publicKey).base64EncodedString())"
    }

    /// True if `signature` is this key's valid Ed25519 signature of `message`.
    public func isValidSignature(_ signature: some DataProtocol, for message: some DataProtocol) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}

/// A signed-note signer: a name and an Ed25519 private key. Its text form, as in
/// golang.org/x/mod/sumdb/note, is `PRIVATE+KEY+name+hexkeyid+base64(0x01 || 32-byte seed)`.
/// The text form is a secret: keep it in a file only the vault can read, and never log it.
public struct NoteSigner: Sendable {
    public let name: String
    private let privateKey: Curve25519.Signing.PrivateKey
    /// The matching verifier key.
    public let verifierKey: NoteVerifierKey

    /// A new signer with a freshly generated key.
    public init(generatingKeyFor name: String) throws {
        guard isValidNoteKeyName(name) else {
            throw VaultFormatError(.malformedSignerKey, "key name '\(name)' must be non-empty, without spaces or '+'")
        }
        self.init(name: name, privateKey: Curve25519.Signing.PrivateKey())
    }

    /// The signer whose Ed25519 key is the 32-byte `seed` (RFC 8032 private key). Anyone who knows
    /// the seed can sign: only for keys that are public by design, such as the sandbox log's.
    public init(name: String, publicSeed seed: [UInt8]) throws {
        guard isValidNoteKeyName(name) else {
            throw VaultFormatError(.malformedSignerKey, "key name '\(name)' must be non-empty, without spaces or '+'")
        }
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw VaultFormatError(.malformedSignerKey, "an Ed25519 seed is 32 bytes")
        }
        self.init(name: name, privateKey: key)
    }

    /// Parses the private key text form.
    public init(privateKeyText text: String) throws {
        let parts = text.trimmingCharacters(in: .newlines).split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY", isValidNoteKeyName(parts[2]),
              let id = parseHex8(parts[3]), let raw = CanonicalBase64.decode(parts[4]),
              raw.count == 33, raw[0] == ed25519AlgorithmByte,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw.dropFirst()) else {
            throw VaultFormatError(.malformedSignerKey, "signer key must be PRIVATE+KEY+name+hexkeyid+base64key")
        }
        self.init(name: String(parts[2]), privateKey: key)
        guard verifierKey.keyID == id else {
            throw VaultFormatError(.malformedSignerKey, "signer key id does not match its name and key")
        }
    }

    private init(name: String, privateKey: Curve25519.Signing.PrivateKey) {
        self.name = name
        self.privateKey = privateKey
        self.verifierKey = NoteVerifierKey(name: name, publicKey: Array(privateKey.publicKey.rawRepresentation))
    }

    /// The private key in its text form (a secret).
    public var privateKeyText: String {
        "PRIVATE+KEY+\(name)+\(hex8(verifierKey.keyID))+"
            + Data([ed25519AlgorithmByte] + Array(privateKey.rawRepresentation)).base64EncodedString()
    }

    /// The 64-byte Ed25519 signature of `message`.
    public func sign(_ message: some DataProtocol) throws -> [UInt8] {
        Array(try privateKey.signature(for: message))
    }
}
