/// The Curaçao Gaming Authority's periodic compliance report: complaints by status and category,
/// self-exclusions, unusual-transaction reports filed with the FIU (AML decisions `report_sar`),
/// and incidents by type and severity, for the month.
public struct CuracaoCompliancePeriodic: TabularReport {
    public init() {}
    public let id = "cw.compliance-periodic"
    public let version = 1
    public let title = "Curaçao Gaming Authority periodic compliance report"
    public let cadence = Cadence.monthly
    public let jurisdictions = ["CW"]
    public let due = "by the 15th of the following month"
    public let summary = "Complaints, self-exclusions, unusual-transaction reports and incidents of the month."
    public let source = "Sources/VaultReports/Templates/CuracaoCompliancePeriodic.swift"

    func table(_ context: ReportContext) throws(ReportError) -> (table: CSVTable, activity: Bool) {
        let ledger = Ledger(context)
        let terms = context.facts.terms
        var table = CSVTable(columns: ["section", "category", "status", "count"])
        let create = context.term("create")
        let complaint = context.term("complaint")
        var complaints: [String: Int] = [:]
        for fact in context.facts.events where fact.entityType == complaint && complaint != nil && context.covers(fact.occurredAt)
            && ledger.isCovered(fact) {
            complaints["\(terms[fact.detail])\u{0}\(terms[fact.status])", default: 0] += 1
        }
        if complaint == nil { table.append(["complaints", "all", "not recorded in the vault", ""]) }
        for (key, count) in complaints.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false)
            table.append(["complaints", String(parts[0]), String(parts[1]), String(count)])
        }
        let safer = ledger.events(.responsibleGambling)
        let selfExclusion = context.term("selfExclusion")
        let started = safer.filter { $0.entityType == selfExclusion && $0.action == create && selfExclusion != nil }
        table.append(["self_exclusions", "started", "", String(started.count)])
        table.append(["self_exclusions", "in_force_at_period_end", "", String(ledger.selfExcludedAtEnd.count)])
        let reportSAR = context.term("report_sar")
        let reports = ledger.events(.aml).filter { $0.detail == reportSAR && reportSAR != nil }
        table.append(["unusual_transaction_reports", "filed_with_fiu", "", String(reports.count)])
        var incidents: [String: Int] = [:]
        for fact in context.facts.events where fact.stream == .incident && fact.action == create && context.covers(fact.occurredAt) {
            incidents["\(terms[fact.kind])\u{0}\(terms[fact.detail])", default: 0] += 1
        }
        for (key, count) in incidents.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false)
            table.append(["incidents", String(parts[0]), "severity " + String(parts[1]), String(count)])
        }
        return (table, !started.isEmpty || !reports.isEmpty || !incidents.isEmpty || !complaints.isEmpty)
    }
}
