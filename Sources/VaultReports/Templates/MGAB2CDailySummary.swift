/// The MGA's automated daily compliance summary (`B2CCompSmryRpt`), valid against the MGA B2C
/// schema set of 2021-02-01 (`B2CSmryCompliance.xsd`): per currency and player type, the
/// opening balance, deposits, withdrawals, cash in from and out to gaming, promotions, funds in
/// play and blocked funds of the day. The vault's players are all online: player type `Other`.
///
/// Mapping: `TtlCashIn` is what players won (cash), `TtlCashOut` what they staked (cash, without
/// bonus funds), `TtlPromotions` the bonus funds they played, `TtlFndsInPly` the balances at the
/// day's close, `TtlBlckd` the balances of players self-excluded at the close, `TtlUndRun` 0 (the
/// vault holds no wager underrun). Opening + deposits − withdrawals + cash in − cash out = funds in
/// play.
public struct MGAB2CDailySummary: ReportTemplate {
    public init() {}
    public let id = "mga.b2c-daily-summary"
    public let version = 1
    public let title = "MGA B2C compliance summary report (B2CCompSmryRpt)"
    public let cadence = Cadence.daily
    public let formats: [ReportFormat] = [.xml]
    public let jurisdictions = ["MT"]
    public let due = "daily, generated at 00:00 UTC for the day before"
    public let summary = "Account activity summary of the day from the payment and gaming streams, per the MGA B2C XSD."
    public let source = "Sources/VaultReports/Templates/MGAB2CDailySummary.swift"

    public func render(_ context: ReportContext) throws(ReportError) -> [ReportFile] {
        try check(licence: context.licence, period: context.period)
        guard context.licence.currency == "EUR" else {
            throw .invalidConfiguration(option: "licence \(context.licence.id).currency",
                                        problem: "\(id) needs the ECB base rate for \(context.licence.currency), which the vault does not hold; file in EUR")
        }
        let ledger = Ledger(context)
        let payments = ledger.paymentsInPeriod
        let gaming = ledger.gamingInPeriod
        let (openingBalances, closingBalances) = ledger.openingAndClosingBalances
        let opening = openingBalances.values.reduce(0, +)
        let excluded = ledger.selfExcludedAtEnd
        var deposits: Int64 = 0, withdrawals: Int64 = 0
        for payment in payments {
            let effect = ledger.cashEffect(payment)
            if effect > 0 { deposits += effect } else { withdrawals -= effect }
        }
        var totals = GamingTotals()
        for fact in gaming { totals.add(fact) }
        let blocked = closingBalances.filter { excluded.contains($0.key) }.values.reduce(0, +)

        let header = ReportHeader(template: self, context: context, noActivity: payments.isEmpty && gaming.isEmpty)
        var xml = XMLWriter(header: header)
        // Elements declared in B2CSmryCompliance.xsd are in the MGA namespace (elementFormDefault
        // qualified); those of the types in MGATypes.xsd are in none (unqualified).
        xml.start("mga:B2CCompSmryRpt", attributes: [("xmlns:mga", "MGA")])
        xml.start("mga:Header")
        xml.element("Tp", "Report")
        xml.element("PrdTp", "Periodic")
        xml.element("Ctgy", "Summary")
        xml.element("CrtDtTm", utcText(millis: context.generatedAt))
        xml.element("RprtStrtDt", utcText(millis: context.span.start))
        xml.element("RptPrd", "P1D")
        xml.element("RprtToCntry", "MT")
        xml.element("RprtOprtr", context.licence.operatorCode)
        xml.element("VrsNb", String(context.reportVersion))
        xml.end()
        xml.start("mga:CCY", attributes: [("CCY", context.licence.currency), ("BaseRate", "1.0")])
        xml.start("mga:AcctActvySmrybyPlyrTp")
        xml.element("PlyrTp", "Other")
        xml.start("AccActvySmry")
        xml.element("OpnBlc", Money.text(opening))
        xml.element("TtlDpst", Money.text(deposits))
        xml.element("TtlWthdrw", Money.text(withdrawals))
        xml.element("TtlCashIn", Money.text(totals.win))
        xml.element("TtlCashOut", Money.text(totals.stake))
        xml.element("TtlPromotions", Money.text(totals.bonusStake))
        xml.element("TtlFndsInPly", Money.text(closingBalances.values.reduce(0, +)))
        xml.element("TtlBlckd", Money.text(blocked))
        xml.element("TtlUndRun", "0.00")
        xml.end()
        xml.end()
        xml.end()
        xml.end()
        return [ReportFile(name: fileName(context, .xml), format: .xml, bytes: xml.bytes)]
    }
}
