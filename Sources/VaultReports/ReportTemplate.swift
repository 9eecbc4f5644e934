import Crypto
import Foundation

/// A file format a template writes.
public enum ReportFormat: String, Sendable {
    case csv, xml, pdf

    public var contentType: String {
        switch self {
        case .csv: "text/csv; charset=utf-8"
        case .xml: "application/xml"
        case .pdf: "application/pdf"
        }
    }
}

/// One file of a generated report.
public struct ReportFile: Sendable, Equatable {
    /// `<template>-<licence>-<period>[-v<N>].<ext>`, safe as an object key segment.
    public let name: String
    public let format: ReportFormat
    public let bytes: [UInt8]

    /// SHA-256 of the bytes, lower-case hex: what the report record names.
    public var sha256: String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }
}

/// A regulator report: a small, versioned, pure function from the records up to one checkpoint to
/// the bytes of its files. A template never reads the clock, the network or the vault; everything
/// it writes comes from `ReportContext`. Changing what a template writes means a new `version`,
/// so a report filed under the old version can still be recomputed (`ReportRegistry` keeps every
/// version it can recompute).
public protocol ReportTemplate: Sendable {
    /// `<regulator>.<report>`, e.g. `mga.b2c-daily-summary`.
    var id: String { get }
    var version: Int { get }
    var title: String { get }
    var cadence: Cadence { get }
    var formats: [ReportFormat] { get }
    /// The jurisdictions whose licences may file it; empty for any.
    var jurisdictions: [String] { get }
    /// When the regulator expects it, in words (`by the 20th of the following month`).
    var due: String { get }
    /// One sentence: what it contains and from which streams.
    var summary: String { get }
    /// The source file, relative to the repository (for `regvault report templates`).
    var source: String { get }

    func render(_ context: ReportContext) throws(ReportError) -> [ReportFile]
}

extension ReportTemplate {
    /// Checks that the template may be filed for `licence` for `period`.
    public func check(licence: LicenceSettings, period: ReportPeriod) throws(ReportError) {
        guard period.cadence == cadence else { throw .cadenceMismatch(template: id, cadence: cadence, period: period.label) }
        guard jurisdictions.isEmpty || jurisdictions.contains(licence.jurisdiction) else {
            throw .invalidConfiguration(option: "licence \(licence.id)",
                                        problem: "\(id) is filed only for \(jurisdictions.joined(separator: ", ")) licences")
        }
    }

    /// The file name for `format`: `<template>-<licence>-<period>[-v<N>].<ext>`.
    public func fileName(_ context: ReportContext, _ format: ReportFormat) -> String {
        "\(id)-\(context.licence.id)-\(context.period.label)\(context.reportVersion > 0 ? "-v\(context.reportVersion)" : "").\(format.rawValue)"
    }
}

/// Everything a template may use.
public struct ReportContext: Sendable {
    public let licence: LicenceSettings
    public let period: ReportPeriod
    /// The signed checkpoint the records were read at: every record with seq below `size`, and
    /// nothing else, is an input.
    public let checkpointSize: Int64
    /// Its root hash, base64 as in the checkpoint.
    public let checkpointRoot: String
    /// 0 for the first filing of the period; a correction is the next number.
    public let reportVersion: Int
    public let facts: ReportFacts

    public init(licence: LicenceSettings, period: ReportPeriod, checkpointSize: Int64, checkpointRoot: String,
                reportVersion: Int = 0, facts: ReportFacts) {
        self.licence = licence
        self.period = period
        self.checkpointSize = checkpointSize
        self.checkpointRoot = checkpointRoot
        self.reportVersion = reportVersion
        self.facts = facts
    }

    public var calendar: GamingCalendar { licence.calendar }
    /// `[start, end)` of the period in milliseconds since the epoch.
    public var span: (start: Int64, end: Int64) { calendar.span(of: period) }
    /// The report's generated-at: the close of its period, so the bytes never depend on when the
    /// generator ran (the time it actually ran is in the generation's log entry).
    public var generatedAt: Int64 { span.end }

    /// Whether an instant falls in the period.
    public func covers(_ millis: Int64) -> Bool { millis >= span.start && millis < span.end }
    /// Whether a gaming day falls in the period.
    public func covers(gamingDay: Int32) -> Bool { period.contains(day: Int(gamingDay)) }
    /// The facts' term id of a string, if any record uses it.
    public func term(_ string: String) -> Term? { facts.terms.existing(string) }
}
