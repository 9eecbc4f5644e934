public import Crypto
public import Foundation

/// Encryption at rest of the erasable parts of a record (its body, diff and state-after) and of
/// stored objects' bytes, with AES-256-GCM under the vault's data keys.
///
/// Sealed layout: `0x01` (format), key id (4 bytes, big-endian), nonce (12 random bytes),
/// ciphertext, tag (16 bytes). The additional authenticated data binds the sealed bytes to their
/// place: `"regvault-record" || seq (8 bytes, big-endian) || column (1 byte)`, so a ciphertext
/// moved to another record or column fails to open. An object's bytes are bound the same way to
/// `"regvault-object" || version id`.
///
/// New records are sealed under the active key (the highest id); older keys stay to open the
/// records sealed under them. The salts stay in the clear: they are random, hold no personal data,
/// and are erased with the record.
public struct RecordCipher: Sendable {
    public enum Column: UInt8, Sendable {
        case body = 1
        case diff = 2
        case stateAfter = 3
    }

    static let formatVersion: UInt8 = 1
    static let headerLength = 1 + 4 + 12
    static let tagLength = 16

    private let keys: [UInt32: SymmetricKey]
    public let activeKeyId: UInt32

    /// - Parameter keys: key id → 32-byte key; at least one.
    public init(keys: [UInt32: SymmetricKey]) {
        precondition(!keys.isEmpty && keys.values.allSatisfy { $0.bitCount == 256 }, "data keys are 256-bit")
        self.keys = keys
        self.activeKeyId = keys.keys.max()!
    }

    public func seal(_ plaintext: Data, seq: Int64, column: Column) throws -> Data {
        try seal(plaintext, authenticating: RecordCipher.aad(seq: seq, column: column))
    }

    public func open(_ sealed: Data, seq: Int64, column: Column) throws -> Data {
        try open(sealed, authenticating: RecordCipher.aad(seq: seq, column: column), what: "record \(seq)")
    }

    /// Seals a stored object's bytes, bound to its version id.
    public func seal(object plaintext: Data, versionId: String) throws -> Data {
        try seal(plaintext, authenticating: Data(("regvault-object" + versionId).utf8))
    }

    public func open(object sealed: Data, versionId: String) throws -> Data {
        try open(sealed, authenticating: Data(("regvault-object" + versionId).utf8), what: "object version \(versionId)")
    }

    private func seal(_ plaintext: Data, authenticating aad: Data) throws -> Data {
        let nonce = try AES.GCM.Nonce(data: SecureRandom.bytes(12))
        let box = try AES.GCM.seal(plaintext, using: keys[activeKeyId]!, nonce: nonce, authenticating: aad)
        var out = Data(capacity: RecordCipher.headerLength + plaintext.count + RecordCipher.tagLength)
        out.append(RecordCipher.formatVersion)
        withUnsafeBytes(of: activeKeyId.bigEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: box.nonce)
        out.append(box.ciphertext)
        out.append(box.tag)
        return out
    }

    private func open(_ sealed: Data, authenticating aad: Data, what: String) throws -> Data {
        let bytes = [UInt8](sealed)
        guard bytes.count >= RecordCipher.headerLength + RecordCipher.tagLength, bytes[0] == RecordCipher.formatVersion else {
            throw StorageError(.corrupt, "\(what) is not sealed in a format this vault knows")
        }
        let keyId = bytes[1..<5].reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
        guard let key = keys[keyId] else {
            throw StorageError(.corrupt, "\(what) is sealed under data key \(keyId), which is not in the vault's keys/")
        }
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: bytes[5..<17]),
                                            ciphertext: bytes[17..<(bytes.count - RecordCipher.tagLength)],
                                            tag: bytes[(bytes.count - RecordCipher.tagLength)...])
            return try AES.GCM.open(box, using: key, authenticating: aad)
        } catch {
            throw StorageError(.corrupt, "\(what) does not decrypt: its stored bytes were altered or moved")
        }
    }

    static func aad(seq: Int64, column: Column) -> Data {
        var aad = Data("regvault-record".utf8)
        withUnsafeBytes(of: UInt64(bitPattern: seq).bigEndian) { aad.append(contentsOf: $0) }
        aad.append(column.rawValue)
        return aad
    }
}
