/// The worksheet for the UK Gambling Commission's quarterly regulatory return (remote casino):
/// customer funds held at the quarter's end, active and new accounts, self-exclusions, gross
/// gambling yield by product, and complaints where the platform records them (entity type
/// `complaint`). The operator keys these figures into the Commission's eServices return; due within
/// 28 days of the quarter's end.
public struct UKGCRegulatoryReturnQuarterly: TabularReport {
    public init() {}
    public let id = "ukgc.regulatory-return-quarterly"
    public let version = 1
    public let title = "UKGC quarterly regulatory return worksheet (remote casino)"
    public let cadence = Cadence.quarterly
    public let jurisdictions = ["GB"]
    public let due = "within 28 days of the quarter's end"
    public let summary = "Customer funds, active and new accounts, self-exclusions, GGY by product and complaints for the quarter."
    public let source = "Sources/VaultReports/Templates/UKGCRegulatoryReturnQuarterly.swift"

    func table(_ context: ReportContext) throws(ReportError) -> (table: CSVTable, activity: Bool) {
        let ledger = Ledger(context)
        let terms = context.facts.terms
        let payments = ledger.paymentsInPeriod, gaming = ledger.gamingInPeriod
        var active = Set(gaming.map(\.player))
        active.formUnion(payments.filter { ledger.cashEffect($0) != 0 }.map(\.player))
        let kyc = ledger.events(.kyc)
        let started = context.term("started")
        let registrations = Set(kyc.filter { $0.status == started && started != nil }.map(\.player)).count
        let safer = ledger.events(.responsibleGambling)
        let selfExclusion = context.term("selfExclusion"), create = context.term("create")
        let newExclusions = safer.filter { $0.entityType == selfExclusion && $0.action == create && selfExclusion != nil }.count
        let complaint = context.term("complaint")
        let complaints = context.facts.events.filter { $0.entityType == complaint && complaint != nil && context.covers($0.occurredAt)
            && ledger.isCovered($0) && $0.action == create }

        var table = CSVTable(columns: ["section", "measure", "value"])
        table.append(["customer_funds", "balances_held_at_period_end", Money.text(ledger.closingBalances.values.reduce(0, +))])
        table.append(["accounts", "active_accounts", String(active.count)])
        table.append(["accounts", "new_registrations", String(registrations)])
        table.append(["accounts", "self_exclusions_started", String(newExclusions)])
        table.append(["accounts", "self_excluded_at_period_end", String(ledger.selfExcludedAtEnd.count)])
        var total = GamingTotals()
        for (category, totals) in GamingTotals.byCategory(gaming, terms: terms) {
            table.append(["ggy_by_product", category, Money.text(totals.ggr)])
            total.stake += totals.stake
            total.win += totals.win
        }
        table.append(["ggy_by_product", "total", Money.text(total.ggr)])
        table.append(["ggy_by_product", "total_bets", Money.text(total.stake)])
        if complaint == nil {
            table.append(["complaints", "received", "not recorded in the vault"])
        } else {
            table.append(["complaints", "received", String(complaints.count)])
        }
        return (table, !payments.isEmpty || !gaming.isEmpty || registrations > 0)
    }
}
