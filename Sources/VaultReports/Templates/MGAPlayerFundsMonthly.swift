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
        let (opening, closing) = ledger.openingAndClosingBalances
        let payments = ledger.paymentsInPeriod, gaming = ledger.gamingInPeriod
        let pending = pendingWithdrawals(ledger)
        // Jackpot funds: every contribution up to the month's close, per player (not a copy of the facts).
        var jackpot: [Int32: Int64] = [:]
        for fact in context.facts.gaming where Int(fact.gamingDay) <= context.period.lastDay && ledger.isCovered(fact) {
            jackpot[fact.player, default: 0] += fact.jackpotContribution
        }
        var table = CSVTable(columns: ["scope", "accounts_with_funds", "opening_balances", "deposits", "withdrawals", "net_play",
                                       "closing_balances", "pending_withdrawals", "jackpot_funds"])
        var jurisdictionOf: [Int32: Term] = [:]
        for fact in context.facts.events where fact.player >= 0 && jurisdictionOf[fact.player] == nil {
            jurisdictionOf[fact.player] = fact.jurisdiction
        }
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
                          Money.text(jackpot.filter { include($0.key) }.values.reduce(0, +))])
        }
        return (table, !payments.isEmpty || !gaming.isEmpty)
    }

    /// A withdrawal's latest record, reduced to what the statement needs.
    private struct WithdrawalState {
        let occurredAt: Int64, seq: Int64, amount: Int64
        let player: Int32
        let status: Term
    }

    /// Withdrawals whose latest record before the month's close is `pending`.
    private func pendingWithdrawals(_ ledger: Ledger) -> [(player: Int32, amount: Int64)] {
        let terms = ledger.facts.terms
        guard let pending = terms.existing("pending"), let withdrawal = terms.existing("withdrawal") else { return [] }
        var latest: [Term: WithdrawalState] = [:]
        for fact in ledger.facts.events where fact.stream == .payment && fact.action == withdrawal
            && fact.occurredAt < ledger.context.span.end && ledger.isCovered(fact) {
            if let current = latest[fact.entity], (current.occurredAt, current.seq) > (fact.occurredAt, fact.seq) { continue }
            latest[fact.entity] = WithdrawalState(occurredAt: fact.occurredAt, seq: fact.seq, amount: fact.amount,
                                                  player: fact.player, status: fact.status)
        }
        return latest.values.filter { $0.status == pending }.map { ($0.player, $0.amount) }
    }
}
