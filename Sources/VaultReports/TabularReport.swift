/// The shape most returns take: one table, filed as CSV and, for people, as PDF.
protocol TabularReport: ReportTemplate {
    /// The table, and whether the period had any activity at all.
    func table(_ context: ReportContext) throws(ReportError) -> (table: CSVTable, activity: Bool)
}

extension TabularReport {
    public var formats: [ReportFormat] { [.csv, .pdf] }

    public func render(_ context: ReportContext) throws(ReportError) -> [ReportFile] {
        try check(licence: context.licence, period: context.period)
        let (table, activity) = try table(context)
        let header = ReportHeader(template: self, context: context, noActivity: !activity)
        var files = [ReportFile(name: fileName(context, .csv), format: .csv, bytes: table.bytes(header: header))]
        if formats.contains(.pdf) {
            files.append(ReportFile(name: fileName(context, .pdf), format: .pdf,
                                    bytes: try ReportPDF.render(title: title, header: header, table: table,
                                                                generatedAt: context.generatedAt)))
        }
        return files
    }
}

/// Sums of game play by category.
struct GamingTotals {
    var players = Set<Int32>()
    var stake: Int64 = 0, win: Int64 = 0, bonusStake: Int64 = 0, bonusWin: Int64 = 0, jackpot: Int64 = 0
    /// Gross gaming revenue (yield): stakes less wins, cash only.
    var ggr: Int64 { stake - win }

    mutating func add(_ fact: GamingFact) {
        players.insert(fact.player)
        stake += fact.stake
        win += fact.win
        bonusStake += fact.bonusStake
        bonusWin += fact.bonusWin
        jackpot += fact.jackpotContribution
    }

    /// Totals per category name, sorted by name.
    static func byCategory(_ facts: [GamingFact], terms: Terms) -> [(category: String, totals: GamingTotals)] {
        var sums: [Term: GamingTotals] = [:]
        for fact in facts { sums[fact.category, default: GamingTotals()].add(fact) }
        return sums.map { (terms[$0.key], $0.value) }.sorted { $0.category < $1.category }
    }
}

/// `part` of `amount` in basis points (1/100 %), rounded half away from zero to the minor unit.
func share(_ amount: Int64, basisPoints: Int64) -> Int64 {
    let product = amount * basisPoints
    return (product + (product >= 0 ? 5_000 : -5_000)) / 10_000
}
