import Crypto
public import Foundation

/// What an entry stands for.
public enum EntryKind: UInt8, Sendable, CaseIterable {
    /// A record a client submitted (a CRUD change, KYC/AML event, payment, report, ...).
    case record = 1
    /// An inspector's access to the vault.
    case access = 2
    /// A legal hold placed or lifted.
    case legalHold = 3
    /// An erasure of expired records.
    case erasure = 4
    /// A retention policy change.
    case policy = 5
    /// A signing key rotation.
    case keyRotation = 6
    /// A stored object version (a report or document).
    case objectVersion = 7
    /// A change of one record's retention (extension, governance shortening, mode), or the event
    /// that starts an event-triggered retention period (the end of a business relationship).
    case retention = 8
}

/// How a record's retention is enforced, as in S3 Object Lock.
public enum RetentionMode: UInt8, Sendable, CaseIterable {
    /// A privileged role can shorten or lift retention, with a reason, and that act is logged.
    case governance = 1
    /// Nobody can delete the record or shorten its retention before retain-until.
    case compliance = 2
}

/// A leaf of the log. It holds no personal data: only what a verifier needs to place a record in
/// time and retention, and a salted commitment to the record's bytes.
///
/// Binary layout, version 1 (integers big-endian, times in milliseconds since the Unix epoch, UTC):
///
/// | bytes | field |
/// |---|---|
/// | 1 | format version, `0x01` |
/// | 1 | kind (`EntryKind`) |
/// | 8 | sequence number, unsigned; equals the leaf index |
/// | 8 | recorded-at, signed |
/// | 1 | retention mode (`RetentionMode`) |
/// | 8 | retain-until, signed |
/// | 1 | length L of the retention class, 1...64 |
/// | L | retention class, ASCII `[a-z0-9._-]` |
/// | 32 | commitment: `SHA-256(salt || record bytes)` |
///
/// The whole entry is `60 + L` bytes; anything else is rejected.
public struct Entry: Sendable, Equatable {
    public static let formatVersion: UInt8 = 1
    public static let maxRetentionClassLength = 64
    /// The shortest salt a commitment may use.
    public static let minimumSaltLength = 16

    public var kind: EntryKind
    public var seq: UInt64
    public var recordedAt: Int64
    public var retentionMode: RetentionMode
    public var retainUntil: Int64
    public var retentionClass: String
    public var commitment: Hash

    public init(kind: EntryKind, seq: UInt64, recordedAt: Int64, retentionMode: RetentionMode,
                retainUntil: Int64, retentionClass: String, commitment: Hash) {
        precondition(Entry.isValidRetentionClass(retentionClass), "retention class must be validated before use")
        self.kind = kind
        self.seq = seq
        self.recordedAt = recordedAt
        self.retentionMode = retentionMode
        self.retainUntil = retainUntil
        self.retentionClass = retentionClass
        self.commitment = commitment
    }

    /// Parses the exact bytes of an entry.
    public init(parsing bytes: some Collection<UInt8>) throws {
        let b = Array(bytes)
        let header = try EntryHeader(parsing: b)
        let classLength = Int(b[27])
        self.init(kind: header.kind, seq: header.seq, recordedAt: header.recordedAt, retentionMode: header.retentionMode,
                  retainUntil: header.retainUntil,
                  retentionClass: String(decoding: b[28..<(28 + classLength)], as: UTF8.self), commitment: header.commitment)
    }

    /// The exact bytes of the entry; its leaf hash is `MerkleHashing.leafHash(bytes)`.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(60 + retentionClass.utf8.count)
        out.append(Entry.formatVersion)
        out.append(kind.rawValue)
        Entry.append(seq, to: &out)
        Entry.append(UInt64(bitPattern: recordedAt), to: &out)
        out.append(retentionMode.rawValue)
        Entry.append(UInt64(bitPattern: retainUntil), to: &out)
        out.append(UInt8(retentionClass.utf8.count))
        out.append(contentsOf: retentionClass.utf8)
        out.append(contentsOf: commitment.bytes)
        return out
    }

    /// The salted commitment to a record: `SHA-256(salt || record)`.
    public static func commitment(salt: some ContiguousBytes, record: some ContiguousBytes) -> Hash {
        var hasher = SHA256()
        salt.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        record.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return Hash(digest: hasher.finalize())
    }

    /// True if `name` is a valid retention class: 1...64 characters of `[a-z0-9._-]`.
    public static func isValidRetentionClass(_ name: String) -> Bool {
        let utf8 = name.utf8
        return (1...maxRetentionClassLength).contains(utf8.count) && utf8.allSatisfy { c in
            (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x5F || c == 0x2D
        }
    }

    private static func append(_ value: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}

/// An entry's fields without its retention class, parsed and checked exactly as `Entry(parsing:)`
/// does (every byte of the class is checked too), without allocating: for verifiers that read
/// millions of entries.
public struct EntryHeader: Sendable, Equatable {
    public let kind: EntryKind
    public let seq: UInt64
    public let recordedAt: Int64
    public let retentionMode: RetentionMode
    public let retainUntil: Int64
    public let commitment: Hash

    public init(parsing bytes: some ContiguousBytes) throws {
        self = try bytes.withUnsafeBytes { try EntryHeader(parsingBuffer: $0) }
    }

    private init(parsingBuffer bytes: UnsafeRawBufferPointer) throws {
        func fail(_ why: String) -> VaultFormatError { VaultFormatError(.malformedEntry, why) }
        let count = bytes.count
        guard count >= 61 else { throw fail("entry is \(count) bytes, shorter than any valid entry") }
        func byte(_ offset: Int) -> UInt8 { bytes[offset] }
        func uint64(_ offset: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { ($0 << 8) | UInt64(byte(offset + $1)) } }
        guard byte(0) == Entry.formatVersion else { throw fail("unknown entry format version \(byte(0))") }
        guard let kind = EntryKind(rawValue: byte(1)) else { throw fail("unknown entry kind \(byte(1))") }
        guard let mode = RetentionMode(rawValue: byte(18)) else { throw fail("unknown retention mode \(byte(18))") }
        let classLength = Int(byte(27))
        guard count == 60 + classLength else {
            throw fail("entry is \(count) bytes but its retention class length implies \(60 + classLength)")
        }
        guard (1...Entry.maxRetentionClassLength).contains(classLength), (28..<(28 + classLength)).allSatisfy({ offset in
            let c = byte(offset)
            return (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x5F || c == 0x2D
        }) else { throw fail("retention class is not [a-z0-9._-]{1,64}") }
        self.kind = kind
        self.seq = uint64(2)
        self.recordedAt = Int64(bitPattern: uint64(10))
        self.retentionMode = mode
        self.retainUntil = Int64(bitPattern: uint64(19))
        self.commitment = Hash(copying: UnsafeRawBufferPointer(rebasing: bytes[(28 + classLength)...]))
    }
}
