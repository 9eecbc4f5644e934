import Foundation
import VaultArchive
import VaultFormat

/// What one pass over an archive's members found: each member's size and SHA-256 in order, the
/// small members' bytes, every entry and record, and the problems met on the way. Large members are
/// processed as they stream past; only what later checks need is kept.
struct ArchiveScan {
    struct ScannedEntry {
        let entry: Entry
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
    var entries: [Int64: ScannedEntry] = [:]
    /// Full exports: which entries chunks were seen, and how many entries each held.
    var entryChunks: [Int64: Int] = [:]
    var inclusionProofs: [Int64: [Hash]] = [:]
    var sawInclusion = false
    var records: [Int64: ScannedRecord] = [:]
    var problems = Problems()

    /// Reads every member of the archive at `path`. A member the reader refuses (unsafe, too large,
    /// corrupt) ends the scan with a problem naming it.
    init(path: String, limits: ArchiveLimits, log: (String) -> Void) {
        do {
            try ArchiveReader(path: path, limits: limits).forEachMember { member in
                let bytes = [UInt8](member.bytes)
                members.append(ExportManifest.Member(path: member.path, size: Int64(bytes.count), digest: Hash.sha256(bytes)))
                scan(member.path, bytes)
            }
        } catch let error as ArchiveError {
            problems.add(error.member ?? "archive", "the archive cannot be read safely: \(error.reason)")
        } catch {
            problems.add("archive", "the archive cannot be read: \(error)")
        }
        log("read \(members.count) members: \(entries.count) entries, \(records.count) records")
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
            if let first = ArchiveLayout.chunkFirst(path, prefix: ArchiveLayout.entriesPrefix) {
                scanEntries(path, first: first, bytes)
            } else if ArchiveLayout.chunkFirst(path, prefix: ArchiveLayout.recordsPrefix) != nil {
                scanRecords(path, bytes)
            } else {
                problems.add(path, "is not a member of the export format")
            }
        }
    }

    private mutating func text(_ path: String, _ bytes: [UInt8]) -> String? {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            problems.add(path, "is not UTF-8 text")
            return nil
        }
        return text
    }

    private mutating func scanEntries(_ path: String, first: Int64, _ bytes: [UInt8]) {
        let decoded: [[UInt8]]
        do {
            decoded = try ArchiveLayout.decodeEntries(bytes)
        } catch {
            problems.add(path, "\(error)")
            return
        }
        entryChunks[first] = decoded.count
        for (offset, raw) in decoded.enumerated() {
            addEntry(raw, expectedSeq: first + Int64(offset), member: path)
        }
    }

    private mutating func scanInclusion(_ path: String, _ bytes: [UInt8]) {
        sawInclusion = true
        guard let text = text(path, bytes) else { return }
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            do {
                let parsed = try ArchiveLayout.parseInclusionLine(line)
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

    private mutating func addEntry(_ raw: [UInt8], expectedSeq: Int64, member: String) {
        do {
            let entry = try Entry(parsing: raw)
            guard entry.seq == UInt64(expectedSeq) else {
                problems.add(member, "entry \(expectedSeq) carries seq \(entry.seq)")
                return
            }
            guard entries[expectedSeq] == nil else {
                problems.add(member, "entry \(expectedSeq) appears twice")
                return
            }
            entries[expectedSeq] = ScannedEntry(entry: entry, leafHash: MerkleHashing.leafHash(raw), member: member)
        } catch {
            problems.add(member, "entry \(expectedSeq) is malformed: \(error)")
        }
    }

    private mutating func scanRecords(_ path: String, _ bytes: [UInt8]) {
        guard let text = text(path, bytes) else { return }
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            do {
                let parsed = try ArchiveLayout.parseRecordLine(line)
                guard records[parsed.seq] == nil else {
                    problems.add(path, "record \(parsed.seq) appears twice")
                    continue
                }
                let isVaultRecord = parsed.record.starts(with: Array(#"{"#.utf8))
                    && String(decoding: parsed.record, as: UTF8.self).contains(#""stream":"vault."#)
                records[parsed.seq] = ScannedRecord(commitment: Entry.commitment(salt: parsed.salt, record: parsed.record),
                                                    member: path, vaultRecord: isVaultRecord ? parsed.record : nil)
            } catch {
                problems.add(path, "line \(number + 1): \(error)")
            }
        }
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
