/// The MGA monthly gaming-revenue and tax return: total wagers, winnings, bonus play, jackpot
/// contributions and gross gaming revenue per game type, for all players the licence serves and
/// again for players in Malta, with the gaming tax on the Malta share (5 % of gaming revenue
/// from players in Malta, Gaming Tax Regulations, S.L. 583.10; have it confirmed for your licence
/// type). Due by the 20th of the following month.
public struct MGAGamingTaxMonthly: TabularReport {
    public init() {}
    public let id = "mga.gaming-tax-monthly"
    public let version = 1
    public let title = "MGA monthly gaming revenue and gaming tax return"
    public let cadence = Cadence.monthly
    public let jurisdictions = ["MT"]
    public let due = "by the 20th of the following month"
    public let summary = "Wagers, winnings, bonus play, jackpot contributions and GGR by game type from the gaming stream; Malta players apart, with the tax due."
    public let source = "Sources/VaultReports/Templates/MGAGamingTaxMonthly.swift"
    /// 5 %, in basis points.
    static let maltaTaxBasisPoints: Int64 = 500

    func table(_ context: ReportContext) throws(ReportError) -> (table: CSVTable, activity: Bool) {
        let ledger = Ledger(context)
        let gaming = ledger.gamingInPeriod
        let malta = context.term("MT")
        var table = CSVTable(columns: ["scope", "game_type", "players", "wagers", "winnings", "ggr", "bonus_wagers",
                                       "bonus_winnings", "jackpot_contributions", "gaming_tax"])
        for (scope, facts) in [("all_players", gaming), ("malta_players", gaming.filter { $0.jurisdiction == malta && malta != nil })] {
            var all = GamingTotals()
            for (category, totals) in GamingTotals.byCategory(facts, terms: context.facts.terms) {
                all.players.formUnion(totals.players)
                (all.stake, all.win, all.bonusStake) = (all.stake + totals.stake, all.win + totals.win, all.bonusStake + totals.bonusStake)
                (all.bonusWin, all.jackpot) = (all.bonusWin + totals.bonusWin, all.jackpot + totals.jackpot)
                table.append(row(scope, category, totals, taxed: scope == "malta_players"))
            }
            table.append(row(scope, "total", all, taxed: scope == "malta_players"))
        }
        return (table, !gaming.isEmpty)
    }

    private func row(_ scope: String, _ category: String, _ totals: GamingTotals, taxed: Bool) -> [String] {
        [scope, category, String(totals.players.count), Money.text(totals.stake), Money.text(totals.win), Money.text(totals.ggr),
         Money.text(totals.bonusStake), Money.text(totals.bonusWin), Money.text(totals.jackpot),
         taxed ? Money.text(max(0, share(totals.ggr, basisPoints: Self.maltaTaxBasisPoints))) : ""]
    }
}
