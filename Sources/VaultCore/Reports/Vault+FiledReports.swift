import Foundation
import VaultFormat
public import VaultReports
import VaultStore

/// One version of a filed report, read back from its verified record.
public struct FiledReportVersion: Sendable {
    public let eventId: String
    public let seq: Int64
    public let recordedAt: Int64
    /// `<licence>/<template>/<period>`.
    public let entityId: String
    /// The record's state; nil once erased at the end of its retention.
    public let state: [String: JSONValue]?

    /// The period the report covers.
    public var period: ReportPeriod? { state?["period"]?.stringValue.flatMap { try? ReportPeriod(parsing: $0) } }

    /// `{"eventId","seq","recordedAt","report","state"}` (`"erased":true` instead of a state).
    public var json: JSONValue {
        var object: [String: JSONValue] = ["eventId": .string(eventId), "seq": .int(seq),
                                           "recordedAt": .string(Timestamp.format(millis: recordedAt)), "report": .string(entityId)]
        if let state { object["state"] = .object(state) } else { object["erased"] = .bool(true) }
        return .object(object)
    }
}

extension Vault {
    /// The latest version of every filed report (by entity), oldest filing first; with `within`, only
    /// reports whose period lies inside it (a month lists its daily reports and itself).
    public func filedReports(within: ReportPeriod? = nil) throws -> [FiledReportVersion] {
        let records = try store.allRecords(stream: RecordSchema.Stream.report.rawValue)
            .filter { $0.entityType == ReportFiler.entityType }
        var latest: [String: Int64] = [:]
        for record in records { latest[record.entityId] = max(latest[record.entityId] ?? .min, record.seq) }
        return try latest.sorted { $0.value < $1.value }.compactMap { entityId, _ in
            guard let version = try filedReportVersions(entityId: entityId).last else { return nil }
            if let within {
                guard let period = version.period, period.firstDay >= within.firstDay, period.lastDay <= within.lastDay else {
                    return nil
                }
            }
            return version
        }
    }

    /// Every version of one report, given its event id (`rpt:…`) or entity id, oldest first.
    public func filedReportVersions(_ reference: String) throws -> [FiledReportVersion] {
        if reference.hasPrefix("rpt:") {
            guard let record = try store.records(eventIds: [reference])[reference], record.entityType == ReportFiler.entityType else {
                return []
            }
            return try filedReportVersions(entityId: record.entityId)
        }
        return try filedReportVersions(entityId: reference)
    }

    func filedReportVersions(entityId: String) throws -> [FiledReportVersion] {
        try history(entityType: ReportFiler.entityType, entityId: entityId).verified().map { item in
            FiledReportVersion(eventId: item.record.eventId, seq: item.record.seq, recordedAt: item.record.recordedAt,
                               entityId: entityId, state: try ReportFiler.state(of: item))
        }
    }
}
