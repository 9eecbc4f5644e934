import Foundation
import Logging
import VaultCore
import VaultReports

extension VaultHTTPServer {
    /// Files the configured reports as their periods close: wakes at the next period's close (or
    /// every `seconds`, whichever is sooner), works out what is due (oldest first, including
    /// periods missed while the server was down), brings the kept report inputs up to the latest
    /// checkpoint (`IncrementalReportInputs`: only the records added since the last round are read),
    /// and files each due report. A failure is logged, counted as `failed`, and retried at the next
    /// round; the pending gauge keeps the oldest unfiled close so the 2-hour alert fires for a
    /// report that keeps failing (ops/prometheus/regvault-reports.rules.yml).
    static func fileReportsPeriodically(every seconds: Int, schedule: ReportSchedule, metrics: ServerMetrics) async {
        let logger = Logger(label: "regvault.reports")
        let inputs = IncrementalReportInputs(vault: schedule.filer.vault)
        var firstDays: [String: Int]?
        while !Task.isCancelled {
            do {
                if firstDays == nil {
                    let read = try await offloaded { try inputs.read() }
                    firstDays = ReportSchedule.firstDays(read.facts, configuration: schedule.filer.configuration)
                }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let due = try await offloaded { [firstDays] in try schedule.due(now: now, firstDays: firstDays ?? [:]) }
                for licence in schedule.filer.configuration.licences {
                    for template in licence.reports {
                        let oldest = due.first { $0.licence.id == licence.id && $0.templateId == template }
                        metrics.reportPending(template: template, licence: licence.id, since: oldest?.closedAt)
                    }
                }
                if !due.isEmpty {
                    let current = try await offloaded { try inputs.read() }
                    // Backfilled records may start earlier than first seen.
                    firstDays = ReportSchedule.firstDays(current.facts, configuration: schedule.filer.configuration)
                    var failed = 0
                    for report in due {
                        try Task.checkCancellation()
                        if await !file(report, inputs: current, schedule: schedule, metrics: metrics, logger: logger) { failed += 1 }
                    }
                    logger.info("filed \(due.count - failed) due reports\(failed > 0 ? "; \(failed) failed, retried next round" : "")")
                    // Records may have arrived while filing: look again at once, unless something failed.
                    if failed == 0 { continue }
                }
                try await Task.sleep(for: .milliseconds(schedule.wait(now: Int64(Date().timeIntervalSince1970 * 1000),
                                                                      atMost: Int64(seconds) * 1000)))
            } catch is CancellationError {
                return
            } catch {
                logger.error("report schedule: \(error)")
                try? await Task.sleep(for: .seconds(seconds))
            }
        }
    }

    /// Files one due report; false if it failed (logged and counted).
    private static func file(_ report: DueReport, inputs: ReportFiler.Inputs, schedule: ReportSchedule, metrics: ServerMetrics,
                             logger: Logger) async -> Bool {
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let filed = try await schedule.filer.file(templateId: report.templateId, licenceId: report.licence.id,
                                                      period: report.period, trigger: "schedule", inputs: inputs)
            metrics.reportFiled(template: report.templateId, licence: report.licence.id, status: filed.unchanged ? "unchanged" : "filed",
                                after: clock.now - started, at: Int64(Date().timeIntervalSince1970 * 1000))
            return true
        } catch {
            metrics.reportFiled(template: report.templateId, licence: report.licence.id, status: "failed",
                                after: clock.now - started, at: 0)
            logger.error("\(report.templateId) for \(report.licence.id) \(report.period.label): \(error)")
            return false
        }
    }

    /// Runs blocking storage work on a dispatch queue, off the event loops and the cooperative pool.
    static func offloaded<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .utility).async { continuation.resume(with: Result { try work() }) }
        }
    }
}
