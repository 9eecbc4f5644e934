/// One row per player per gaming day with any money movement or play, the shape regulators such
/// as Ontario's (iGaming Ontario) ask for: deposits and withdrawals (approved), stakes, wins and
/// bonus play, the cash balance at the day's close, and whether the player was self-excluded or
/// marked high-risk at the close. Rows are sorted by player id.
public struct PlayerActivityDaily: ReportTemplate {
    public init() {}
    public let id = "generic.player-activity-daily"
    public let version = 1
    public let title = "Player activity, daily"
    public let cadence = Cadence.daily
    public let formats: [ReportFormat] = [.csv]
    public let jurisdictions: [String] = []
    public let due = "daily, for the gaming day before"
    public let summary = "Per player: deposits, withdrawals, stakes, wins, bonus play, closing balance, self-exclusion and high-risk flags."
    public let source = "Sources/VaultReports/Templates/PlayerActivityDaily.swift"

    struct Row {
        var deposits = 0, withdrawals = 0
        var deposited: Int64 = 0, withdrawn: Int64 = 0
        var stake: Int64 = 0, win: Int64 = 0, bonusStake: Int64 = 0, bonusWin: Int64 = 0
    }

    public func render(_ context: ReportContext) throws(ReportError) -> [ReportFile] {
        try check(licence: context.licence, period: context.period)
        let ledger = Ledger(context)
        var rows: [Int32: Row] = [:]
        for payment in ledger.paymentsInPeriod {
            let effect = ledger.cashEffect(payment)
            if effect > 0 {
                rows[payment.player, default: Row()].deposits += 1
                rows[payment.player, default: Row()].deposited += effect
            } else if effect < 0 {
                rows[payment.player, default: Row()].withdrawals += 1
                rows[payment.player, default: Row()].withdrawn -= effect
            }
        }
        for fact in ledger.gamingInPeriod {
            rows[fact.player, default: Row()].stake += fact.stake
            rows[fact.player, default: Row()].win += fact.win
            rows[fact.player, default: Row()].bonusStake += fact.bonusStake
            rows[fact.player, default: Row()].bonusWin += fact.bonusWin
        }
        let balances = rows.isEmpty ? [:] : ledger.closingBalances
        let excluded = rows.isEmpty ? [] : ledger.selfExcludedAtEnd
        let highRisk = rows.isEmpty ? [] : ledger.highRiskAtEnd
        var table = CSVTable(columns: ["gaming_day", "player_id", "deposits", "deposit_amount", "withdrawals", "withdrawal_amount",
                                       "stakes", "wins", "ggr", "bonus_stakes", "bonus_wins", "closing_balance",
                                       "self_excluded", "high_risk"])
        let day = context.period.label
        for (player, row) in rows.sorted(by: { ledger.playerId($0.key) < ledger.playerId($1.key) }) {
            table.append([day, ledger.playerId(player), String(row.deposits), Money.text(row.deposited), String(row.withdrawals),
                          Money.text(row.withdrawn), Money.text(row.stake), Money.text(row.win), Money.text(row.stake - row.win),
                          Money.text(row.bonusStake), Money.text(row.bonusWin), Money.text(balances[player] ?? 0),
                          excluded.contains(player) ? "yes" : "no", highRisk.contains(player) ? "yes" : "no"])
        }
        let header = ReportHeader(template: self, context: context, noActivity: rows.isEmpty)
        return [ReportFile(name: fileName(context, .csv), format: .csv, bytes: table.bytes(header: header))]
    }
}
