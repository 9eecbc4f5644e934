#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import VaultArchive
import VaultFormat

/// What one pass over an archive's members found: each member's size and SHA-256 in order, the
/// small members' bytes, every entry and record, and the problems met on the way. Large members are
/// processed as they stream past; only what later checks need is kept.
struct ArchiveScan {
    struct ScannedEntry {
        let entry: EntryHeader
        let leafHash: Hash
        /// The member it came from, for messages.
        let member: String
    }

    struct ScannedRecord {
        /// `SHA-256(salt || record)`, to compare with the entry's commitment.
        let commitment: Hash
        let member: String
        /// The record bytes, kept for the vault's own streams (erasures, holds, retention changes).
        let vaultRecord: [UInt8]?
    }

    var members: [ExportManifest.Member] = []
    var manifest: [UInt8]?
    var checkpoint: [UInt8]?
    var keys: String?
    var consistency: String?
    var entries = SeqTable<ScannedEntry>()
    /// Full exports: which entries chunks were seen, and how many entries each held.
    var entryChunks: [Int64: Int] = [:]
    var inclusionProofs: [Int64: [Hash]] = [:]
    var sawInclusion = false
    var records = SeqTable<ScannedRecord>()
    var problems = Problems()

    /// Reads every member of the archive at `path`, after checking a gzip file's stream end to end
    /// (`GzipIntegrity`). A member the reader refuses (unsafe, too large, corrupt) ends the scan
    /// with a problem naming it.
    init(path: String, limits: ArchiveLimits, log: (String) -> Void) {
        // Damage to the compressed stream comes first: every other problem would follow from it.
        if GzipIntegrity.isGzip(path: path), let damage = GzipIntegrity.damage(path: path) {
            problems.add("archive", "\(damage): the file was altered or damaged in transfer; the problems after this one follow from it")
        }
        do {
            try ArchiveReader(path: path, limits: limits).forEachMember { member in
                scan(member)
            }
        } catch let error as ArchiveError {
            problems.add(error.member ?? "archive", "the archive cannot be read safely: \(error.reason)")
        } catch {
            problems.add("archive", "the archive cannot be read: \(error)")
        }
        log("read \(members.count) members: \(entries.count) entries, \(records.count) records")
    }

    /// Records the member's digest and reads what it holds; the large members (entries, records)
    /// are hashed and parsed on every core at once.
    private mutating func scan(_ member: ArchiveMember) {
        let path = member.path, bytes = member.bytes
        let isRecords = ArchiveLayout.chunkFirst(path, prefix: ArchiveLayout.recordsPrefix) != nil
        let entriesFirst = ArchiveLayout.chunkFirst(path, prefix: ArchiveLayout.entriesPrefix)
        guard isRecords || entriesFirst != nil else {
            members.append(ExportManifest.Member(path: path, size: member.size, digest: Hash.sha256(bytes)))
            scan(path, bytes)
            return
        }
        if let first = entriesFirst {
            let (digest, parsed) = ArchiveScan.digestAndParse(bytes) { EntryChunk.parse(bytes, first: first) }
            members.append(ExportManifest.Member(path: path, size: member.size, digest: digest))
            apply(parsed, path: path, first: first)
        } else {
            let known = entries
            let (digest, parsed) = ArchiveScan.digestAndParse(bytes) { RecordChunk.parse(bytes, entries: known) }
            members.append(ExportManifest.Member(path: path, size: member.size, digest: digest))
            apply(parsed, path: path)
        }
    }

    /// The member's SHA-256, computed while `parse` runs on the other cores.
    static func digestAndParse<T>(_ bytes: [UInt8], _ parse: () -> T) -> (Hash, T) {
        let results = ParallelMap.map(2) { index -> (Hash?, T?) in index == 0 ? (Hash.sha256(bytes), nil) : (nil, parse()) }
        return (results[0].0!, results[1].1!)
    }

    private mutating func scan(_ path: String, _ bytes: [UInt8]) {
        switch path {
        case ArchiveLayout.manifest: manifest = bytes
        case ArchiveLayout.checkpoint: checkpoint = bytes
        case ArchiveLayout.keys: keys = text(path, bytes)
        case ArchiveLayout.consistency: consistency = text(path, bytes)
        case ArchiveLayout.inclusion: scanInclusion(path, bytes)
        case ArchiveLayout.readme: break
        case _ where path.hasPrefix(ArchiveLayout.retentionPrefix) && path.hasSuffix(".json"): break
        default:
            // Entries and records members are read by `scan(_: ArchiveMember)`.
            problems.add(path, "is not a member of the export format")
        }
    }

    private mutating func text(_ path: String, _ bytes: [UInt8]) -> String? {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            problems.add(path, "is not UTF-8 text")
            return nil
        }
        return text
    }

    private mutating func apply(_ chunk: EntryChunk, path: String, first: Int64) {
        for (seq, parsed) in chunk.entries {
            switch parsed {
            case .success(let entry):
                if !entries.insert(ScannedEntry(entry: entry.header, leafHash: entry.leafHash, member: path), at: seq) {
                    problems.add(path, "entry \(seq) appears twice")
                }
            case .failure(let reason):
                problems.add(path, reason.text)
            }
        }
        if let reason = chunk.cutOff { problems.add(path, reason) }
        entryChunks[first] = chunk.entries.count
    }

    private mutating func apply(_ chunk: RecordChunk, path: String) {
        for line in chunk.lines {
            guard let record = line.record else {
                problems.add(path, "line \(line.number): a record line is '<seq> <salt, base64> <record, base64>'")
                continue
            }
            if !records.insert(ScannedRecord(commitment: record.commitment, member: path, vaultRecord: record.vaultRecord),
                               at: record.seq) {
                problems.add(path, "record \(record.seq) appears twice")
            }
        }
    }

    private mutating func scanInclusion(_ path: String, _ bytes: [UInt8]) {
        sawInclusion = true
        for (number, line) in ArchiveScan.lines(bytes).enumerated() {
            do {
                let parsed = try ArchiveLayout.parseInclusionLine(Substring(decoding: bytes[line], as: UTF8.self))
                guard inclusionProofs[parsed.seq] == nil else {
                    problems.add(path, "line \(number + 1): entry \(parsed.seq) appears twice")
                    continue
                }
                inclusionProofs[parsed.seq] = parsed.proof
                addEntry(parsed.entry, expectedSeq: parsed.seq, member: path)
            } catch {
                problems.add(path, "line \(number + 1): \(error)")
            }
        }
    }

    private mutating func addEntry(_ raw: some RandomAccessCollection<UInt8> & ContiguousBytes, expectedSeq: Int64, member: String) {
        do {
            let entry = try EntryHeader(parsing: raw)
            guard entry.seq == UInt64(expectedSeq) else {
                problems.add(member, "entry \(expectedSeq) carries seq \(entry.seq)")
                return
            }
            if !entries.insert(ScannedEntry(entry: entry, leafHash: MerkleHashing.leafHash(raw), member: member), at: expectedSeq) {
                problems.add(member, "entry \(expectedSeq) appears twice")
            }
        } catch {
            problems.add(member, "entry \(expectedSeq) is malformed: \(error)")
        }
    }

    /// Record lines `<seq> <salt> <record>`, parsed in place.
    static let vaultStreamMarker = Array(#""stream":"vault."#.utf8)

    /// The ranges of the lines of `bytes` (each ended by a newline; a last line without one counts).
    static func lines(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(bytes.count / 256)
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var start = 0
            while start < raw.count {
                // memchr: the newline search is the inner loop of reading millions of lines.
                let found = memchr(base + start, 0x0A, raw.count - start)
                let end = found.map { base.distance(to: UnsafeRawPointer($0)) } ?? raw.count
                if end > start { ranges.append(start..<end) }
                start = end + 1
            }
        }
        return ranges
    }

    /// One record line: a canonical decimal seq and two canonical base64 fields, one space apart;
    /// the fields are decoded into `salt` and `record`, whose storage is reused line after line.
    static func recordLine(_ bytes: [UInt8], _ line: Range<Int>, salt: inout [UInt8], record: inout [UInt8]) -> Int64? {
        bytes.withUnsafeBytes { raw -> Int64? in
            let text = UnsafeRawBufferPointer(rebasing: raw[line])
            guard let first = ArchiveScan.indexOfSpace(text, from: 0), let second = ArchiveScan.indexOfSpace(text, from: first + 1),
                  ArchiveScan.indexOfSpace(text, from: second + 1) == nil else { return nil }
            let digits = text[..<first]
            guard !digits.isEmpty, digits.count <= 18, digits.count == 1 || digits.first != 0x30 else { return nil }
            var seq: Int64 = 0
            for digit in digits {
                guard digit >= 0x30, digit <= 0x39 else { return nil }
                seq = seq * 10 + Int64(digit - 0x30)
            }
            guard FastBase64.decode(UnsafeRawBufferPointer(rebasing: text[(first + 1)..<second]), into: &salt),
                  FastBase64.decode(UnsafeRawBufferPointer(rebasing: text[(second + 1)...]), into: &record) else { return nil }
            return seq
        }
    }

    /// The index of the first space in `text` at or after `from` (memchr).
    static func indexOfSpace(_ text: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = text.baseAddress, from < text.count, let found = memchr(base + from, 0x20, text.count - from) else {
            return nil
        }
        return base.distance(to: UnsafeRawPointer(found))
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count, let head = needle.first else { return false }
        var index = haystack.startIndex
        while let found = haystack[index...].firstIndex(of: head), found + needle.count <= haystack.count {
            if haystack[found..<(found + needle.count)].elementsEqual(needle) { return true }
            index = found + 1
        }
        return false
    }
}

/// Every problem found, each naming the member (or `archive`) it is in.
struct Problems {
    static let cap = 1000
    private(set) var all: [(member: String, reason: String)] = []
    private(set) var dropped = 0

    mutating func add(_ member: String, _ reason: String) {
        if all.count < Problems.cap { all.append((member, reason)) } else { dropped += 1 }
    }

    var isEmpty: Bool { all.isEmpty }
}
