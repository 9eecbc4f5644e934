import ArgumentParser
import Foundation
import VaultArchive
import VaultFormat

/// How `--dump` prints the records of a verified archive.
enum DumpFormat: String, ExpressibleByArgument, CaseIterable {
    case jsonl, csv
}

/// Prints the records of an archive that verified, in seq order, after a second pass over it:
/// JSON lines `{"seq":N,"record":{…}}` (the record's exact bytes) or CSV with the fields a person
/// reads; a record erased at the end of its retention is `{"seq":N,"erased":true}` or a row marked
/// erased. Only records the verification accepted are printed: the archive is read again, and a
/// record whose commitment no longer matches (the file changed between the passes) stops the dump.
struct RecordDump {
    let path: String
    let limits: ArchiveLimits
    let format: DumpFormat

    static let csvColumns = ["seq", "erased", "stream", "eventId", "occurredAt", "entityType", "entityId", "action", "actorId",
                             "playerId", "jurisdiction", "reason", "content"]

    /// Writes every record of `scan` (and every erased one) to standard output.
    func write(_ scan: ArchiveScan) throws {
        var erased = scan.entries.seqs.filter { scan.records[$0] == nil }[...]
        var out = Output()
        if format == .csv { out.line(Self.csvColumns.joined(separator: ",")) }
        func flushErased(before seq: Int64) {
            while let next = erased.first, next < seq {
                out.line(format == .csv ? "\(next),true" + String(repeating: ",", count: Self.csvColumns.count - 2)
                                        : #"{"seq":\#(next),"erased":true}"#)
                erased.removeFirst()
            }
        }
        try ArchiveReader(path: path, limits: limits).forEachMember { member in
            guard ArchiveLayout.chunkFirst(member.path, prefix: ArchiveLayout.recordsPrefix) != nil else { return }
            var salt: [UInt8] = [], record: [UInt8] = []
            for range in ArchiveScan.lines(member.bytes) {
                guard let seq = ArchiveScan.recordLine(member.bytes, range, salt: &salt, record: &record),
                      scan.records[seq]?.commitment == Entry.commitment(salt: salt, record: record) else {
                    throw ValidationError("\(member.path) changed after it was verified; dump nothing more")
                }
                flushErased(before: seq)
                out.line(format == .csv ? csvRow(seq, record) : #"{"seq":\#(seq),"record":"# + String(decoding: record, as: UTF8.self) + "}")
            }
        }
        flushErased(before: .max)
        out.flush()
    }

    private func csvRow(_ seq: Int64, _ bytes: [UInt8]) -> String {
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
        func text(_ value: Any?) -> String {
            switch value {
            case nil, is NSNull: return ""
            case let string as String: return string
            default:
                let data = try? JSONSerialization.data(withJSONObject: value!, options: [.sortedKeys, .fragmentsAllowed,
                                                                                         .withoutEscapingSlashes])
                return data.map { String(decoding: $0, as: UTF8.self) } ?? ""
            }
        }
        let entity = object["entity"] as? [String: Any], actor = object["actor"] as? [String: Any]
        let values = [String(seq), "false", text(object["stream"]), text(object["eventId"]), text(object["occurredAt"]),
                      text(entity?["type"]), text(entity?["id"]), text(object["action"]), text(actor?["id"]),
                      text(object["playerId"]), text(object["jurisdiction"]), text(object["reason"]),
                      text(object["state"] ?? object["diff"])]
        return values.map(SpreadsheetCSV.field).joined(separator: ",")
    }

    /// Standard output in blocks of about 1 MiB.
    private struct Output {
        private var buffer: [UInt8] = []

        mutating func line(_ text: String) {
            buffer.append(contentsOf: text.utf8)
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 { flush() }
        }

        mutating func flush() {
            FileHandle.standardOutput.write(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
