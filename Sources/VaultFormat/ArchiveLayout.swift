public import Foundation

/// Names and encodings of the members of an export archive (docs/ARCHIVE.md), shared by the
/// exporter and the verifier.
public enum ArchiveLayout {
    public static let prefix = "regvault-export/"
    public static let readme = prefix + "README.txt"
    public static let checkpoint = prefix + "checkpoint"
    public static let keys = prefix + "keys"
    public static let retentionPrefix = prefix + "retention/"
    public static let entriesPrefix = prefix + "entries/"
    public static let inclusion = prefix + "inclusion"
    public static let consistency = prefix + "consistency"
    public static let recordsPrefix = prefix + "records/"
    public static let manifest = prefix + "manifest"
    /// Entries and records are grouped in members of this many seqs.
    public static let chunk: Int64 = 65_536

    /// `entries/<first seq>` or `records/<first seq>`, the seq in 16 digits.
    public static func chunkPath(_ prefix: String, first: Int64) -> String {
        let digits = String(first)
        return prefix + String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    /// The first seq a chunk member holds, from its path; nil if the name is not a chunk's.
    public static func chunkFirst(_ path: String, prefix: String) -> Int64? {
        guard path.hasPrefix(prefix) else { return nil }
        let digits = path.dropFirst(prefix.count)
        guard digits.count == 16, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let first = Int64(digits),
              first % chunk == 0 else { return nil }
        return first
    }

    // MARK: entries members

    /// Entries as 2-byte big-endian lengths followed by their bytes.
    public static func encodeEntries(_ entries: [some Collection<UInt8>]) -> [UInt8] {
        Tiles.entryBundle(entries)
    }

    /// The entries of an entries member.
    public static func decodeEntries(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var entries: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard offset + 2 <= bytes.count else { throw malformed("an entry's length is cut off") }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            offset += 2
            guard offset + length <= bytes.count else { throw malformed("an entry is cut off") }
            entries.append(Array(bytes[offset..<(offset + length)]))
            offset += length
        }
        return entries
    }

    // MARK: line members

    /// A record line: `<seq> <salt, base64> <record, base64>`.
    public static func recordLine(seq: Int64, salt: some DataProtocol, record: some DataProtocol) -> String {
        "\(seq) \(Data(salt).base64EncodedString()) \(Data(record).base64EncodedString())\n"
    }

    public static func parseRecordLine(_ line: Substring) throws -> (seq: Int64, salt: [UInt8], record: [UInt8]) {
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 3, let seq = decimalSeq(fields[0]), let salt = CanonicalBase64.decode(fields[1]),
              let record = CanonicalBase64.decode(fields[2]) else {
            throw malformed("a record line is '<seq> <salt, base64> <record, base64>'")
        }
        return (seq, salt, record)
    }

    /// An inclusion line: `<seq> <entry, base64> <proof hash, base64> …`.
    public static func inclusionLine(seq: Int64, entry: some DataProtocol, proof: [Hash]) -> String {
        ([String(seq), Data(entry).base64EncodedString()] + proof.map(\.base64)).joined(separator: " ") + "\n"
    }

    public static func parseInclusionLine(_ line: Substring) throws -> (seq: Int64, entry: [UInt8], proof: [Hash]) {
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count >= 2, fields.count <= 2 + 64, let seq = decimalSeq(fields[0]),
              let entry = CanonicalBase64.decode(fields[1]) else {
            throw malformed("an inclusion line is '<seq> <entry, base64> <hash, base64> …'")
        }
        var proof: [Hash] = []
        for field in fields.dropFirst(2) {
            guard let hash = Hash(base64: String(field)) else { throw malformed("a proof hash is not base64 of 32 bytes") }
            proof.append(hash)
        }
        return (seq, entry, proof)
    }

    /// The consistency member: `<from> <to>` and one base64 hash per line.
    public static func consistencyMember(from: Int64, to: Int64, proof: [Hash]) -> String {
        "\(from) \(to)\n" + proof.map { $0.base64 + "\n" }.joined()
    }

    public static func parseConsistency(_ text: String) throws -> (from: Int64, to: Int64, proof: [Hash]) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.last == "" else { throw malformed("the consistency member must end with a newline") }
        lines.removeLast()
        let sizes = lines.first?.split(separator: " ", omittingEmptySubsequences: false) ?? []
        guard sizes.count == 2, let from = decimalSeq(sizes[0]), let to = decimalSeq(sizes[1]) else {
            throw malformed("the consistency member starts with '<from> <to>'")
        }
        var proof: [Hash] = []
        for line in lines.dropFirst() {
            guard let hash = Hash(base64: String(line)) else { throw malformed("a consistency hash is not base64 of 32 bytes") }
            proof.append(hash)
        }
        return (from, to, proof)
    }

    /// The keys member: `<verifier key> <first size> <last size or ->` per line.
    public static func keysMember(_ keys: [(key: NoteVerifierKey, first: Int64, last: Int64?)]) -> String {
        keys.map { "\($0.key) \($0.first) \($0.last.map(String.init) ?? "-")\n" }.joined()
    }

    public static func parseKeys(_ text: String) throws -> [(key: NoteVerifierKey, first: Int64, last: Int64?)] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.last == "" else { throw malformed("the keys member must end with a newline") }
        lines.removeLast()
        return try lines.map { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 3, let first = decimalSeq(fields[1]) else {
                throw malformed("a keys line is '<verifier key> <first size> <last size or ->'")
            }
            let last = fields[2] == "-" ? nil : decimalSeq(fields[2])
            guard fields[2] == "-" || last != nil else { throw malformed("a key's last size is a number or -") }
            return (try NoteVerifierKey(String(fields[0])), first, last)
        }
    }

    static func decimalSeq(_ text: Substring) -> Int64? {
        Checkpoint.parseSize(text).flatMap { $0 <= UInt64(Int64.max) ? Int64($0) : nil }
    }

    static func malformed(_ why: String) -> VaultFormatError {
        VaultFormatError(.malformedArchiveMember, why)
    }
}
