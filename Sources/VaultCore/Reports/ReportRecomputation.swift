public import Foundation
import VaultArchive
public import VaultFormat
public import VaultReports

/// The outcome of recomputing one filed report from an export archive.
public struct RecomputedReport: Sendable {
    public let eventId: String
    public let report: String
    /// True when every file came out byte for byte as filed.
    public let identical: Bool
    /// Why not, in words: which file differs (and, given the filed files, the first differing line),
    /// or why the report cannot be recomputed from this archive.
    public let problems: [String]

    public var json: JSONValue {
        .object(["eventId": .string(eventId), "report": .string(report), "identical": .bool(identical),
                 "problems": .array(problems.map { .string($0) })])
    }
}

/// Recomputes every report filed in an export archive from the archive's own records, offline:
/// each record is checked against its entry's commitment, each report is rendered by its template
/// version against the records below the checkpoint size it names, with the licence settings it
/// names, and the SHA-256 of every file is compared with the filed one. Run it after
/// `regvault-verify` accepted the archive (which checks the entries against the signed checkpoint).
public enum ReportRecomputation {
    /// - Parameter filedFiles: a directory holding the filed files by name, to say where one differs.
    public static func run(archive: String, registry: ReportRegistry = .standard, filedFiles: String? = nil,
                           progress: ((String) -> Void)? = nil) throws -> [RecomputedReport] {
        // Entries not yet matched with their record: one chunk at a time for a full export (its
        // records member follows its entries member), so memory stays at one chunk.
        var pending: [Int64: [UInt8]] = [:]
        var facts = ReportFacts()
        var reportRecords: [(seq: Int64, record: [UInt8])] = []
        var missingBelow: [Int64] = []
        var archiveSize: Int64 = 0
        var altered: [Int64] = []
        /// Entries of client records whose record is not in the archive (erased, or not exported).
        func settle() {
            for (seq, entry) in pending where (try? EntryHeader(parsing: entry))?.kind == .record { missingBelow.append(seq) }
            pending = [:]
        }
        try ArchiveReader(path: archive).forEachMember { member in
            if member.path == ArchiveLayout.checkpoint {
                let text = String(decoding: member.bytes, as: UTF8.self)
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                archiveSize = lines.count > 1 ? Int64(lines[1]) ?? 0 : 0
            } else if let first = ArchiveLayout.chunkFirst(member.path, prefix: ArchiveLayout.entriesPrefix) {
                settle()
                for (offset, entry) in try ArchiveLayout.decodeEntries(member.bytes).enumerated() {
                    pending[first + Int64(offset)] = entry
                }
            } else if member.path == ArchiveLayout.inclusion {
                for line in String(decoding: member.bytes, as: UTF8.self).split(separator: "\n") {
                    let parsed = try ArchiveLayout.parseInclusionLine(line)
                    pending[parsed.seq] = parsed.entry
                }
            } else if ArchiveLayout.chunkFirst(member.path, prefix: ArchiveLayout.recordsPrefix) != nil {
                for line in String(decoding: member.bytes, as: UTF8.self).split(separator: "\n") {
                    let (seq, salt, record) = try ArchiveLayout.parseRecordLine(line)
                    guard let entry = pending.removeValue(forKey: seq) else {
                        throw VaultError(.integrity, "record \(seq) has no entry in the archive")
                    }
                    let filed = isFiledReport(record)
                    if filed { reportRecords.append((seq, record)) }
                    do {
                        try facts.addCommitted(seq: seq, salt: salt, record: record, entry: entry)
                    } catch ReportError.commitmentMismatch {
                        altered.append(seq)
                    }
                }
                progress?("recompute: read records through \(facts.lastSeq)")
            }
        }
        settle()
        missingBelow.sort()
        return try reportRecords.map { seq, record in
            try recompute(seq: seq, record: record, facts: facts, archiveSize: archiveSize, missing: missingBelow,
                          altered: altered.sorted(), registry: registry, filedFiles: filedFiles)
        }
    }

    private static let reportEntityMarker = Array("\"type\":\"\(ReportFiler.entityType)\"".utf8)

    private static func isFiledReport(_ record: [UInt8]) -> Bool {
        guard record.firstRange(of: reportEntityMarker) != nil, let object = try? JSONParser.parse(record).objectValue else { return false }
        return object["stream"]?.stringValue == RecordSchema.Stream.report.rawValue
            && object["entity"]?.objectValue?["type"]?.stringValue == ReportFiler.entityType
    }

    private static func recompute(seq: Int64, record: [UInt8], facts: ReportFacts, archiveSize: Int64, missing: [Int64],
                                  altered: [Int64], registry: ReportRegistry, filedFiles: String?) throws -> RecomputedReport {
        let object = try JSONParser.parse(record).objectValue ?? [:]
        let eventId = object["eventId"]?.stringValue ?? "seq \(seq)"
        let entityId = object["entity"]?.objectValue?["id"]?.stringValue ?? ""
        func fail(_ problem: String) -> RecomputedReport {
            RecomputedReport(eventId: eventId, report: entityId, identical: false, problems: [problem])
        }
        if altered.contains(seq) {
            return fail("the report's own record \(seq) does not match the commitment in its entry: the archive was altered")
        }
        let state = object["state"]?.objectValue ?? [:]
        guard let templateId = state["template"]?.stringValue,
              let templateVersion = state["templateVersion"]?.numberText.flatMap({ Int($0) }),
              let periodText = state["period"]?.stringValue, let period = try? ReportPeriod(parsing: periodText),
              let settings = state["licenceSettings"], let size = state["checkpoint"]?.objectValue?["size"]?.numberText.flatMap({ Int64($0) }),
              let root = state["checkpoint"]?.objectValue?["root"]?.stringValue,
              let version = state["reportVersion"]?.numberText.flatMap({ Int($0) }),
              let files = state["files"]?.arrayValue?.compactMap(\.objectValue) else {
            return fail("the report record lacks what recomputing needs (template, version, period, licence settings, checkpoint, files)")
        }
        guard let template = registry.template(id: templateId, version: templateVersion) else {
            return fail("this release cannot make \(templateId) version \(templateVersion)")
        }
        guard size <= archiveSize else { return fail("it was computed at size \(size), beyond the archive's \(archiveSize)") }
        if let changed = altered.first(where: { $0 < size }) {
            return fail("record \(changed) (and \(altered.filter { $0 < size }.count - 1) more) below size \(size) does not match "
                + "the commitment in its entry: the archive's records were altered, and the report cannot be recomputed from them")
        }
        if let absent = missing.first(where: { $0 < size }) {
            return fail("record \(absent) (and \(missing.filter { $0 < size }.count - 1) more) below size \(size) is not in the "
                + "archive (erased, or outside a partial export), so the report cannot be recomputed")
        }
        let licence: LicenceSettings
        do { licence = try LicenceSettings(json: settings) } catch { return fail("licence settings: \(error.description)") }
        let context = ReportContext(licence: licence, period: period, checkpointSize: size, checkpointRoot: root,
                                    reportVersion: version, facts: facts.prefix(size: size))
        let rendered: [ReportFile]
        do { rendered = try template.render(context) } catch { return fail("rendering failed: \(error.description)") }
        var problems: [String] = []
        for filed in files {
            let name = filed["name"]?.stringValue ?? "?"
            guard let file = rendered.first(where: { $0.name == name }) else {
                problems.append("\(name): the template no longer makes this file")
                continue
            }
            let digest = ReportFiler.sha256(file.bytes)
            guard digest != filed["sha256"]?.stringValue else { continue }
            var problem = "\(name): recomputed SHA-256 \(digest) differs from the filed \(filed["sha256"]?.stringValue ?? "?")"
            if let filedFiles, let bytes = FileManager.default.contents(atPath: (filedFiles as NSString).appendingPathComponent(name)) {
                problem += "; " + firstDifference(filed: [UInt8](bytes), recomputed: file.bytes)
            }
            problems.append(problem)
        }
        return RecomputedReport(eventId: eventId, report: entityId, identical: problems.isEmpty, problems: problems)
    }

    /// The first line where two texts differ, with both versions of it (PDF files: the byte offset).
    static func firstDifference(filed: [UInt8], recomputed: [UInt8]) -> String {
        let a = String(decoding: filed, as: UTF8.self).components(separatedBy: "\n")
        let b = String(decoding: recomputed, as: UTF8.self).components(separatedBy: "\n")
        if filed.starts(with: Array("%PDF".utf8)) {
            let common = min(filed.count, recomputed.count)
            let offset = (0..<common).first { filed[$0] != recomputed[$0] } ?? common
            return "the PDFs first differ at byte \(offset)"
        }
        for index in 0..<max(a.count, b.count) {
            let left = index < a.count ? a[index] : "(end of file)"
            let right = index < b.count ? b[index] : "(end of file)"
            if left != right {
                return "first difference at line \(index + 1): filed \"\(left.prefix(200))\", recomputed \"\(right.prefix(200))\""
            }
        }
        return "the filed file matches the recomputation, so it is not the file that was filed"
    }
}
