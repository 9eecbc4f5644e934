/// Sums the templates share, over the records of the players a licence reports (`players`
/// jurisdictions) and its currency. Money is in minor units.
///
/// Cash balances follow docs/RECORDS.md: approved deposits add, approved withdrawals subtract
/// (by `occurredAt`), and game play adds wins less stakes (by `gamingDay`). A player's balance at
/// the close of a period is everything before the period's end.
public struct Ledger: Sendable {
    public let context: ReportContext
    /// The `players` jurisdictions' terms: a handful, so a linear search beats hashing.
    let covered: [Term]
    let currency: Term?
    let deposit: Term?, withdrawal: Term?, approved: Term?, pending: Term?

    public init(_ context: ReportContext) {
        self.context = context
        let terms = context.facts.terms
        covered = context.licence.players.compactMap { terms.existing($0) }
        currency = terms.existing(context.licence.currency)
        (deposit, withdrawal) = (terms.existing("deposit"), terms.existing("withdrawal"))
        (approved, pending) = (terms.existing("approved"), terms.existing("pending"))
    }

    public var facts: ReportFacts { context.facts }

    /// Whether records of `jurisdiction` are this licence's.
    public func isCovered(jurisdiction: Term) -> Bool { covered.contains(jurisdiction) }

    /// Whether a record is one of this licence's (its players, its currency where it names one).
    public func isCovered(_ fact: EventFact) -> Bool {
        covered.contains(fact.jurisdiction) && (fact.currency == 0 || fact.currency == currency)
    }

    public func isCovered(_ fact: GamingFact) -> Bool { covered.contains(fact.jurisdiction) && fact.currency == currency }

    /// The signed change a payment made to the player's cash, or 0 (not approved, not a deposit or withdrawal).
    public func cashEffect(_ fact: EventFact) -> Int64 {
        guard fact.stream == .payment, fact.status == approved, approved != nil else { return 0 }
        if fact.action == deposit { return fact.amount }
        if fact.action == withdrawal { return -fact.amount }
        return 0
    }

    /// Each covered player's cash balance at `end` (payments before `end`, gaming days before
    /// `endDay`), for players whose balance is not 0.
    public func balances(end: Int64, endDay: Int) -> [Int32: Int64] {
        balances(at: [(end, endDay)])[0]
    }

    /// The balances at several instants in one pass over the facts: for each `(end, endDay)`,
    /// every covered player's cash from the payments before `end` and the gaming days before
    /// `endDay`; players whose balance is 0 are left out. Players are dense indexes, so the sums
    /// are arrays while adding up.
    public func balances(at ends: [(end: Int64, endDay: Int)]) -> [[Int32: Int64]] {
        // Slot `players` holds the records without a player (-1), which count in the totals too.
        let players = facts.players.count
        func slot(_ player: Int32) -> Int { player >= 0 ? Int(player) : players }
        var sums = [[Int64]](repeating: [Int64](repeating: 0, count: players + 1), count: ends.count)
        for fact in facts.events where fact.stream == .payment && isCovered(fact) {
            let effect = cashEffect(fact)
            guard effect != 0 else { continue }
            for (index, end) in ends.enumerated() where fact.occurredAt < end.end { sums[index][slot(fact.player)] += effect }
        }
        for fact in facts.gaming where isCovered(fact) {
            let day = Int(fact.gamingDay)
            for (index, end) in ends.enumerated() where day < end.endDay { sums[index][slot(fact.player)] += fact.win - fact.stake }
        }
        return sums.map { sum in
            var result: [Int32: Int64] = [:]
            for index in 0...players where sum[index] != 0 { result[index == players ? -1 : Int32(index)] = sum[index] }
            return result
        }
    }

    /// Balances at the period's start and end.
    public var openingBalances: [Int32: Int64] { balances(end: context.span.start, endDay: context.period.firstDay) }
    public var closingBalances: [Int32: Int64] { balances(end: context.span.end, endDay: context.period.lastDay + 1) }

    /// Both, in one pass.
    public var openingAndClosingBalances: (opening: [Int32: Int64], closing: [Int32: Int64]) {
        let both = balances(at: [(context.span.start, context.period.firstDay), (context.span.end, context.period.lastDay + 1)])
        return (both[0], both[1])
    }

    /// The covered payments that occurred in the period.
    public var paymentsInPeriod: [EventFact] {
        facts.events.filter { $0.stream == .payment && context.covers($0.occurredAt) && isCovered($0) }
    }

    /// The covered gaming records of the period's gaming days.
    public var gamingInPeriod: [GamingFact] {
        facts.gaming.filter { context.covers(gamingDay: $0.gamingDay) && isCovered($0) }
    }

    /// The covered records of `stream` that occurred in the period.
    public func events(_ stream: ReportStream, inPeriod: Bool = true) -> [EventFact] {
        facts.events.filter { $0.stream == stream && (!inPeriod || context.covers($0.occurredAt)) && isCovered($0) }
    }

    /// Players self-excluded at the period's end: whose latest self-exclusion record before the end
    /// is `active`.
    public var selfExcludedAtEnd: Set<Int32> {
        let active = facts.terms.existing("active"), selfExclusion = facts.terms.existing("selfExclusion")
        var latest: [Int32: EventFact] = [:]
        for fact in facts.events where fact.stream == .responsibleGambling && fact.entityType == selfExclusion
            && selfExclusion != nil && fact.occurredAt < context.span.end && fact.player >= 0 {
            if let current = latest[fact.player], current.seq > fact.seq && current.occurredAt >= fact.occurredAt { continue }
            latest[fact.player] = fact
        }
        return Set(latest.filter { $0.value.status == active && active != nil }.keys)
    }

    /// Players with a high-risk mark (PEP, sanctions hit, AML risk score of 70 or more) by the period's end.
    public var highRiskAtEnd: Set<Int32> {
        Set(facts.events.filter { $0.flags & EventFact.highRisk != 0 && $0.occurredAt < context.span.end && $0.player >= 0 }
            .map(\.player))
    }

    /// The player id of an index.
    public func playerId(_ index: Int32) -> String { index >= 0 ? facts.players[Int(index)] : "" }
}
