import Foundation
import Logging
import VaultConfiguration
import VaultCore
import VaultFormat
import VaultReports
import VaultStore

/// Runs the built-in incident rules (`IncidentRules`, docs/RULES.md) over every record the log
/// stores, in seq order, and raises their incidents; also turns runs of refused requests
/// (`RefusalRuns`) into `security_breach` incidents under `rules.jurisdiction`.
///
/// Where it is: the next seq to evaluate is kept in the store's metadata (`rules.nextSeq`) after
/// each batch's incidents are durable, so a restart goes on from there and evaluates at most one
/// batch again (a repeat is a duplicate event id, nothing more). A vault that never ran rules
/// starts at its current size: records stored before are not evaluated.
struct RuleWorker: Sendable {
    let vault: Vault
    let writer: LogWriter
    let configuration: ServerConfiguration.Rules
    let refusals: RefusalRuns
    let logger = Logger(label: "regvault.rules")
    static let cursorKey = "rules.nextSeq"
    static let batch: Int64 = 500
    /// The streams rules read; the vault's own and incidents are skipped.
    static let watched: Set<String> = [RecordSchema.Stream.payment.rawValue, RecordSchema.Stream.rng.rawValue,
                                       RecordSchema.Stream.auditChange.rawValue]

    var rules: IncidentRules {
        var settings = IncidentRules.Settings()
        settings.structuringThresholdMinor = Money.minorUnits(configuration.structuringThreshold) ?? settings.structuringThresholdMinor
        settings.structuringBandPercent = Int64(configuration.structuringBandPercent)
        settings.structuringCount = configuration.structuringCount
        settings.structuringWindowHours = Int64(configuration.structuringWindowHours)
        settings.passThroughSharePercent = Int64(configuration.passThroughSharePercent)
        settings.passThroughMinimumMinor = Money.minorUnits(configuration.passThroughMinimum) ?? settings.passThroughMinimumMinor
        settings.passThroughWindowHours = Int64(configuration.passThroughWindowHours)
        settings.approvedEntityTypes = Set(configuration.approvedEntityTypes)
        return IncidentRules(settings: settings)
    }

    func run() async {
        let rules = self.rules
        var next: Int64
        do {
            if let stored = try vault.store.metadata(Self.cursorKey).flatMap({ Int64($0) }) {
                next = stored
            } else {
                next = try vault.store.treeSize()
                try vault.store.setMetadata(Self.cursorKey, String(next))
            }
        } catch {
            logger.error("the incident rules cannot start: \(error)")
            return
        }
        while !Task.isCancelled {
            var behind = false
            do {
                let before = next
                next = try await evaluate(from: next, rules: rules)
                behind = next > before
                try await raiseRefusalRuns()
            } catch {
                logger.error("the incident rules stopped at seq \(next) and will try again: \(error)")
            }
            // Caught up: look again shortly. Behind (a burst of ingest): go on, leaving the cores to ingest in between.
            try? await Task.sleep(for: behind ? .milliseconds(10) : .milliseconds(200))
        }
    }

    /// Evaluates up to one batch from `next`; returns the next seq to evaluate.
    func evaluate(from next: Int64, rules: IncidentRules) async throws -> Int64 {
        let size = try vault.store.treeSize()
        guard next < size else { return next }
        let end = min(size, next + Self.batch)
        // The reads run on the blocking pool, off the cooperative threads the server's handlers use.
        let store = vault.store
        let findings = try await ExternalCommand.pool.runIfActive {
            try store.recordsForCheck(from: next, to: end)
                .filter { $0.unreadable == nil && RuleWorker.watched.contains($0.record.stream) }
                .flatMap { try rules.evaluate($0.record, store: store) }
        }
        for finding in findings {
            do {
                try await raise(finding.record(now: Int64(Date().timeIntervalSince1970 * 1000)), what: finding.rule)
            } catch let rejection as RecordRejection {
                // Its event id holds other content (the thresholds changed since a first evaluation): the first stands.
                logger.error("rule \(finding.rule) on \(finding.trigger.eventId) not recorded: \(rejection)")
            }
        }
        try vault.store.setMetadata(Self.cursorKey, String(end))
        return end
    }

    /// A run of refused requests as an incident, when the operator's jurisdiction is configured.
    func raiseRefusalRuns() async throws {
        for run in refusals.drain() {
            let summary = "\(run.count) requests from \(run.who) refused between \(Timestamp.format(millis: run.firstAt)) and "
                + "\(Timestamp.format(millis: run.lastAt)) (\(run.reasons.joined(separator: ", ")))"
            guard let jurisdiction = configuration.jurisdiction else {
                logger.warning("\(summary); set rules.jurisdiction to record it as an incident")
                continue
            }
            let incident = try IncidentRules.refusedAccessRun(
                who: run.who, count: run.count, firstAt: run.firstAt, lastAt: run.lastAt, reasons: run.reasons,
                threshold: refusals.threshold, windowMinutes: Int(refusals.windowMillis / 60_000), jurisdiction: jurisdiction,
                summary: summary)
            do {
                try await raise(incident, what: "refused_access_run")
            } catch let rejection as RecordRejection {
                logger.error("\(summary); not recorded: \(rejection)")
            }
        }
    }

    private func raise(_ incident: ValidatedRecord, what rule: String) async throws {
        let result = try await writer.append([incident])
        if result.first?.duplicate == false {
            logger.notice("rule \(rule) raised incident \(incident.entityId)")
        }
    }
}
