import VaultFormat

/// An entries member, parsed: each entry's header and leaf hash, by seq, hashed on every core.
struct EntryChunk {
    struct Parsed {
        let header: EntryHeader
        let leafHash: Hash
    }

    /// In order; a failure names what is wrong with that entry.
    var entries: [(seq: Int64, parsed: Result<Parsed, Reason>)] = []
    /// Set when the member ends in the middle of an entry.
    var cutOff: String?

    struct Reason: Error {
        let text: String
    }

    static func parse(_ bytes: [UInt8], first: Int64) -> (EntryChunk) {
        var chunk = EntryChunk()
        // The entries' bounds, sequentially (cheap); then the hashing, in parallel.
        var bounds: [Range<Int>] = []
        var offset = 0
        while offset < bytes.count {
            guard offset + 2 <= bytes.count else {
                chunk.cutOff = "an entry's length is cut off after \\(bounds.count) entries"
                break
            }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            guard offset + 2 + length <= bytes.count else {
                chunk.cutOff = "entry \\(first + Int64(bounds.count)) is cut off"
                break
            }
            bounds.append((offset + 2)..<(offset + 2 + length))
            offset += 2 + length
        }
        let parts = ParallelMap.split(bounds.count, into: ParallelMap.workers)
        let parsed = ParallelMap.map(parts.count) { part in
            parts[part].map { index -> (Int64, Result<Parsed, Reason>) in
                let seq = first + Int64(index)
                let raw = bytes[bounds[index]]
                do {
                    let header = try EntryHeader(parsing: raw)
                    guard header.seq == UInt64(seq) else { return (seq, .failure(Reason(text: "entry \\(seq) carries seq \\(header.seq)"))) }
                    return (seq, .success(Parsed(header: header, leafHash: MerkleHashing.leafHash(raw))))
                } catch {
                    return (seq, .failure(Reason(text: "entry \\(seq) is malformed: \\(error)")))
                }
            }
        }
        chunk.entries = parsed.flatMap { $0 }.map { (seq: $0.0, parsed: $0.1) }
        return chunk
    }
}

/// A records member, parsed: each line's seq, commitment `SHA-256(salt || record)`, and the bytes
/// of the vault's own records, computed on every core.
struct RecordChunk {
    struct Line {
        /// 1-based, for messages.
        let number: Int
        /// nil when the line is not `<seq> <salt, base64> <record, base64>`.
        let record: (seq: Int64, commitment: Hash, vaultRecord: [UInt8]?)?
    }

    var lines: [Line] = []

    static func parse(_ bytes: [UInt8], entries: SeqTable<ArchiveScan.ScannedEntry>) -> RecordChunk {
        let ranges = ArchiveScan.lines(bytes)
        let parts = ParallelMap.split(ranges.count, into: ParallelMap.workers)
        let parsed = ParallelMap.map(parts.count) { part -> [Line] in
            var salt: [UInt8] = []
            var record: [UInt8] = []
            return parts[part].map { index in
                guard let seq = ArchiveScan.recordLine(bytes, ranges[index], salt: &salt, record: &record) else {
                    return Line(number: index + 1, record: nil)
                }
                // The vault's own records (erasures, holds, retention changes) are read again later.
                let kind = entries[seq]?.entry.kind
                let keep = kind.map { $0 == .erasure || $0 == .legalHold || $0 == .retention }
                    ?? ArchiveScan.contains(record, ArchiveScan.vaultStreamMarker)
                return Line(number: index + 1, record: (seq, Entry.commitment(salt: salt, record: record), keep ? record : nil))
            }
        }
        return RecordChunk(lines: parsed.flatMap { $0 })
    }
}
