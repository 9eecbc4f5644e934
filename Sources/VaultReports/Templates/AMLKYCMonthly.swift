/// The AML and KYC service levels a compliance officer reports to the board and the regulator,
/// from the `kyc` and `aml` streams, for the licence's players:
/// - KYC: verifications started, passed and failed, the pass rate (passed over decided), and the
///   time from start to pass (p50 and p95, in hours, for players who passed this month);
/// - AML: alerts raised, cases opened and their share of alerts, mean days from a case's opening to
///   its decision (cases decided this month), the share of those cases with enhanced due diligence
///   (source of funds or other documents requested), and the SAR/STR rate (decisions to report
///   over decisions);
/// - crypto deposits screened (KYT coverage: deposits by method `crypto` whose record carries a
///   `kytScreening` result) and affordability interventions (`responsible_gambling` records of entity type
///   `affordabilityCheck`), `n/a` where the platform sends none.
/// Percentiles are nearest-rank.
public struct AMLKYCMonthly: TabularReport {
    public init() {}
    public let id = "compliance.aml-kyc-monthly"
    public let version = 1
    public let title = "AML and KYC service levels, monthly"
    public let cadence = Cadence.monthly
    public let jurisdictions: [String] = []
    public let due = "with the monthly compliance pack"
    public let summary = "KYC pass rate and time to verify, AML alerts, cases, EDD share, time to close and SAR rate."
    public let source = "Sources/VaultReports/Templates/AMLKYCMonthly.swift"

    func table(_ context: ReportContext) throws(ReportError) -> (table: CSVTable, activity: Bool) {
        let ledger = Ledger(context)
        let term = context.term
        let kycAll = context.facts.events.filter { $0.stream == .kyc && ledger.isCovered($0) && $0.occurredAt < context.span.end }
        let kyc = kycAll.filter { context.covers($0.occurredAt) }
        let (started, passed, failed) = (term("started"), term("passed"), term("failed"))
        func count(_ facts: [EventFact], _ status: Term?) -> Int { status == nil ? 0 : facts.filter { $0.status == status }.count }
        var firstStart: [Int32: Int64] = [:]
        for fact in kycAll where fact.status == started && started != nil {
            firstStart[fact.player] = min(firstStart[fact.player] ?? .max, fact.occurredAt)
        }
        var hoursToPass: [Int64] = []
        for fact in kyc where fact.status == passed && passed != nil {
            if let start = firstStart[fact.player] { hoursToPass.append(fact.occurredAt - start) }
        }
        hoursToPass.sort()

        let aml = context.facts.events.filter { $0.stream == .aml && ledger.isCovered($0) && $0.occurredAt < context.span.end }
        let (alert, amlCase, create, decision) = (term("amlAlert"), term("amlCase"), term("create"), term("decision"))
        let alerts = aml.filter { $0.entityType == alert && $0.action == create && alert != nil && context.covers($0.occurredAt) }
        let casesOpened = aml.filter { $0.entityType == amlCase && $0.action == create && amlCase != nil && context.covers($0.occurredAt) }
        var caseOpened: [Term: Int64] = [:]
        var caseEDD = Set<Term>()
        for fact in aml where fact.entityType == amlCase && amlCase != nil {
            if fact.action == create { caseOpened[fact.entity] = fact.occurredAt }
            if fact.flags & EventFact.enhancedDueDiligence != 0 { caseEDD.insert(fact.entity) }
        }
        let decisions = aml.filter { $0.action == decision && decision != nil && context.covers($0.occurredAt) }
        let daysToDecide = decisions.compactMap { fact in caseOpened[fact.entity].map { fact.occurredAt - $0 } }
        let reportSAR = term("report_sar")
        let reports = decisions.filter { $0.detail == reportSAR && reportSAR != nil }.count

        let deposits = ledger.paymentsInPeriod.filter { $0.action == term("deposit") }
        let crypto = deposits.filter { $0.kind == term("crypto") && term("crypto") != nil }
        let screened = crypto.filter { $0.flags & EventFact.screened != 0 }.count
        let affordability = ledger.events(.responsibleGambling).filter { $0.entityType == term("affordabilityCheck") && term("affordabilityCheck") != nil }

        var table = CSVTable(columns: ["area", "measure", "value", "basis"])
        table.append(["kyc", "verifications_started", String(count(kyc, started)), "kycStatus started in the month"])
        table.append(["kyc", "verifications_passed", String(count(kyc, passed)), "kycStatus passed in the month"])
        table.append(["kyc", "verifications_failed", String(count(kyc, failed)), "kycStatus failed in the month"])
        table.append(["kyc", "pass_rate_percent", Money.percent(count(kyc, passed), of: count(kyc, passed) + count(kyc, failed)),
                      "passed / (passed + failed)"])
        table.append(["kyc", "time_to_verify_p50_hours", hours(percentile(hoursToPass, 50)), "start to pass, players passed in the month"])
        table.append(["kyc", "time_to_verify_p95_hours", hours(percentile(hoursToPass, 95)), "start to pass, players passed in the month"])
        table.append(["aml", "alerts_raised", String(alerts.count), "amlAlert created in the month"])
        table.append(["aml", "cases_opened", String(casesOpened.count), "amlCase created in the month"])
        table.append(["aml", "cases_per_alert_percent", Money.percent(casesOpened.count, of: alerts.count), "cases opened / alerts raised"])
        table.append(["aml", "cases_decided", String(decisions.count), "decisions in the month"])
        table.append(["aml", "mean_days_to_decision",
                      daysToDecide.isEmpty ? "n/a" : hours(daysToDecide.reduce(0, +) / Int64(daysToDecide.count) / 24),
                      "case opened to decision, cases decided in the month"])
        table.append(["aml", "enhanced_due_diligence_percent",
                      Money.percent(decisions.filter { caseEDD.contains($0.entity) }.count, of: decisions.count),
                      "decided cases that requested documents"])
        table.append(["aml", "sar_str_rate_percent", Money.percent(reports, of: decisions.count), "decisions report_sar / decisions"])
        table.append(["aml", "crypto_deposits_screened_percent", Money.percent(screened, of: crypto.count),
                      "crypto deposits with a KYT screening result (state.kytScreening)"])
        table.append(["safer_gambling", "affordability_interventions", affordability.isEmpty ? "n/a" : String(affordability.count),
                      "affordabilityCheck records in the month"])
        return (table, !kyc.isEmpty || !alerts.isEmpty || !decisions.isEmpty)
    }

    /// Nearest-rank percentile of sorted values, or nil when there are none.
    private func percentile(_ sorted: [Int64], _ p: Int) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        let rank = max(1, (p * sorted.count + 99) / 100)
        return sorted[rank - 1]
    }

    /// Milliseconds as hours with one decimal (`n/a` for nil).
    private func hours(_ millis: Int64?) -> String {
        guard let millis else { return "n/a" }
        let tenths = (millis * 10 + 1_800_000) / 3_600_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}
