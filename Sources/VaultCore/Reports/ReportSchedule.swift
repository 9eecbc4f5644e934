import Foundation
public import VaultReports
import VaultStore

/// A report period that has closed and is not filed yet.
public struct DueReport: Sendable {
    public let licence: LicenceSettings
    public let templateId: String
    public let period: ReportPeriod
    /// When the period closed (its trigger), in milliseconds since the epoch.
    public let closedAt: Int64
}

/// What the server files by itself: for every licence and every template it files, each period
/// that has closed since the licence's first record and is not filed yet, oldest first. A period
/// is filed once: an existing report record for it (any version) takes it off the list, and the
/// record's event id stops a second filer (docs/REPORTS.md).
public struct ReportSchedule: Sendable {
    public let filer: ReportFiler

    public init(filer: ReportFiler) { self.filer = filer }

    /// The periods due at `now`, given each licence's first gaming day (licences without one have
    /// no records and nothing due), oldest first.
    public func due(now: Int64, firstDays: [String: Int]) throws -> [DueReport] {
        let filed = try filer.vault.filedReportIds()
        var due: [DueReport] = []
        for licence in filer.configuration.licences {
            guard let firstDay = firstDays[licence.id] else { continue }
            for templateId in licence.reports {
                guard let template = filer.registry.template(id: templateId) else { continue }
                var period = ReportPeriod(template.cadence, containing: firstDay)
                while true {
                    let closes = licence.calendar.span(of: period).end
                    guard closes <= now else { break }
                    if !filed.contains("\(licence.id)/\(templateId)/\(period.label)") {
                        due.append(DueReport(licence: licence, templateId: templateId, period: period, closedAt: closes))
                    }
                    period = period.next
                }
            }
        }
        return due.sorted { ($0.closedAt, $0.licence.id, $0.templateId) < ($1.closedAt, $1.licence.id, $1.templateId) }
    }

    /// How long the schedule sleeps at `now`: until the next period of any configured report
    /// closes, plus `grace` for the records of its last second to be checkpointed, and never
    /// more than `atMost` (milliseconds).
    public func wait(now: Int64, atMost: Int64, grace: Int64 = 2_000) -> Int64 {
        var next = Int64.max
        for licence in filer.configuration.licences {
            for templateId in licence.reports {
                guard let template = filer.registry.template(id: templateId) else { continue }
                let period = ReportPeriod(template.cadence, containing: licence.calendar.day(at: now))
                next = min(next, licence.calendar.span(of: period).end)
            }
        }
        return next == .max ? atMost : max(0, min(atMost, next - now + grace))
    }

    /// Each licence's first gaming day with a record of its players, from the facts.
    public static func firstDays(_ facts: ReportFacts, configuration: ReportConfiguration) -> [String: Int] {
        var result: [String: Int] = [:]
        for licence in configuration.licences {
            let covered = Set(licence.players.compactMap { facts.terms.existing($0) })
            var first = Int.max
            for fact in facts.events where covered.contains(fact.jurisdiction) {
                first = min(first, licence.calendar.day(at: fact.occurredAt))
            }
            for fact in facts.gaming where covered.contains(fact.jurisdiction) { first = min(first, Int(fact.gamingDay)) }
            if first != .max { result[licence.id] = first }
        }
        return result
    }
}

extension Vault {
    /// The entity ids (`<licence>/<template>/<period>`) of every filed report.
    public func filedReportIds() throws -> Set<String> {
        Set(try store.allRecords(stream: RecordSchema.Stream.report.rawValue).filter { $0.entityType == ReportFiler.entityType }
            .map(\.entityId))
    }
}
