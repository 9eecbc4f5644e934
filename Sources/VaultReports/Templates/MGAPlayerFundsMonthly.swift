/// The MGA monthly player-funds statement: what the operator owes its players at the month's
/// close (cash balances, withdrawals requested and not yet paid, jackpot funds accrued), with the
/// month's movements that lead there, for all players the licence serves and for players in
/// Malta. Due by the 20th of the following month.
public struct MGAPlayerFundsMonthly: TabularReport {
    public init() {}
    public let id = "mga.player-funds-monthly"
    public let version = 1
    public let title = "MGA monthly player funds statement"
    public let cadence = Cadence.monthly
    public let jurisdictions = ["MT"]
    public let due = "by the 20th of the following month"
    public let summary = "Player balances at month end, pending withdrawals and jackpot funds, with the month's deposits, withdrawals and net play."
    public let source = "Sources/VaultReports/Templates/MGAPlayerFundsMonthly.swift"

    func table(_ context: ReportContext) throws(ReportError) -> (table: CSVTable, activity: Bool) {
        let ledger = Ledger(context)
        let malta = context.term("MT")
        let opening = ledger.openingBalances, closing = ledger.closingBalances
        let payments = ledger.paymentsInPeriod, gaming = ledger.gamingInPeriod
        let pending = pendingWithdrawals(ledger)
        let jackpot = context.facts.gaming.filter { Int($0.gamingDay) <= context.period.lastDay && ledger.isCovered($0) }
        var table = CSVTable(columns: ["scope", "accounts_with_funds", "opening_balances", "deposits", "withdrawals", "net_play",
                                       "closing_balances", "pending_withdrawals", "jackpot_funds"])
        let jurisdictionOf = Dictionary(context.facts.events.filter { $0.player >= 0 }.map { ($0.player, $0.jurisdiction) },
                                        uniquingKeysWith: { first, _ in first })
        for scope in ["all_players", "malta_players"] {
            func include(_ player: Int32) -> Bool { scope == "all_players" || (malta != nil && jurisdictionOf[player] == malta) }
            var deposits: Int64 = 0, withdrawals: Int64 = 0, net: Int64 = 0
            for payment in payments where include(payment.player) {
                let effect = ledger.cashEffect(payment)
                if effect > 0 { deposits += effect } else { withdrawals -= effect }
            }
            for fact in gaming where include(fact.player) { net += fact.win - fact.stake }
            let closingHere = closing.filter { include($0.key) }
            table.append([scope, String(closingHere.values.filter { $0 != 0 }.count),
                          Money.text(opening.filter { include($0.key) }.values.reduce(0, +)), Money.text(deposits),
                          Money.text(withdrawals), Money.text(net), Money.text(closingHere.values.reduce(0, +)),
                          Money.text(pending.filter { include($0.player) }.reduce(0) { $0 + $1.amount }),
                          Money.text(jackpot.filter { include($0.player) }.reduce(0) { $0 + $1.jackpotContribution })])
        }
        return (table, !payments.isEmpty || !gaming.isEmpty)
    }

    /// Withdrawals whose latest record before the month's close is `pending`.
    private func pendingWithdrawals(_ ledger: Ledger) -> [EventFact] {
        let terms = ledger.facts.terms
        guard let pending = terms.existing("pending"), let withdrawal = terms.existing("withdrawal") else { return [] }
        var latest: [Term: EventFact] = [:]
        for fact in ledger.facts.events where fact.stream == .payment && fact.occurredAt < ledger.context.span.end
            && ledger.isCovered(fact) {
            if let current = latest[fact.entity], (current.occurredAt, current.seq) > (fact.occurredAt, fact.seq) { continue }
            latest[fact.entity] = fact
        }
        return latest.values.filter { $0.status == pending && $0.action == withdrawal }
    }
}
