/// The state of one synthetic operator, advanced a day at a time by `simulate(day:)`, which returns
/// that day's records unsorted. All randomness comes from one `SplitMix64` per day, seeded from the
/// scenario's seed and the day, and is drawn in a fixed order (players by index, then scheduled
/// and back-office events), so the output depends on nothing but the scenario.
struct OperatorSimulation: Sendable {
    let scenario: Scenario
    var players: [PlayerState]
    /// Follow-up events (AML reviews, self-exclusion ends) by the day they fall on.
    var scheduled: [[ScheduledEvent]]
    var rng = SplitMix64(seed: 0)
    var drafts: [DraftRecord] = []
    var day = 0
    var dayStartMillis: Int64 = 0
    var today = PeriodTotals()
    var month = PeriodTotals()
    var quarter = PeriodTotals()
    var monthCovered = false
    var quarterCovered = false
    var bonusRules: [BonusRuleState] = []
    var games: [GameConfigState] = []
    var flags: [FeatureFlagState] = []
    var paymentCount = 0
    var alertCount = 0
    var caseCount = 0
    var incidentCount = 0
    var limitCount = 0
    let actorsByRole: [[Scenario.BackOfficeActor]]
    let totalJurisdictionWeight: Int

    init(scenario: Scenario) {
        self.scenario = scenario
        players = Array(repeating: PlayerState(), count: scenario.players)
        scheduled = Array(repeating: [], count: scenario.days + 1)
        actorsByRole = Scenario.requiredRoles.map { role in scenario.backOffice.filter { $0.role == role } }
        totalJurisdictionWeight = scenario.jurisdictions.reduce(0) { $0 + $1.weight }
    }

    /// The records of day `day` (0-based); `day == scenario.days` files only the reports covering
    /// the last day. Days must be simulated in order, each once.
    mutating func simulate(day: Int) -> [DraftRecord] {
        self.day = day
        dayStartMillis = scenario.startMillis + Int64(day) * CivilTime.millisPerDay
        rng = SplitMix64(seed: scenario.seed &* 0xD1B5_4A32_D192_ED03 &+ UInt64(day) &* 0x9E37_79B9_7F4A_7C15 &+ 0x5BD1_E995)
        drafts = []
        fileReports()
        if day < scenario.days {
            if day == 0 { createBackOfficeConfiguration() }
            runScheduledEvents()
            simulatePlayers()
            simulateBackOffice()
            closeDay()
        }
        return drafts
    }

    // MARK: randomness (integer only)

    /// Uniform in `0..<bound` (bound > 0).
    mutating func draw(_ bound: Int) -> Int { Int(rng.next() % UInt64(bound)) }

    /// Uniform in `range`.
    mutating func draw(_ range: ClosedRange<Int>) -> Int { range.lowerBound + draw(range.upperBound - range.lowerBound + 1) }

    /// True with probability `percent`/100.
    mutating func chance(percent: Int) -> Bool { draw(100) < percent }

    /// True with probability `permille`/1000.
    mutating func chance(permille: Int) -> Bool { draw(1000) < permille }

    /// How many of something happen today at a rate of `perWeek` a week.
    mutating func countToday(perWeek: Int) -> Int { perWeek / 7 + (draw(7) < perWeek % 7 ? 1 : 0) }

    mutating func actor(_ role: String) -> Scenario.BackOfficeActor {
        let index = Scenario.requiredRoles.firstIndex(of: role)!
        let staff = actorsByRole[index]
        return staff[draw(staff.count)]
    }

    // MARK: records

    /// Who did something, as written in the record's `actor`.
    struct Actor {
        let id: String
        let role: String
        let ip: String?

        static let kycService = Actor(id: "kyc-service", role: "system", ip: nil)
        static let cashier = Actor(id: "cashier-service", role: "system", ip: nil)
        static let amlEngine = Actor(id: "aml-engine", role: "system", ip: nil)
        static let reporting = Actor(id: "reporting-service", role: "system", ip: nil)
        static let monitoring = Actor(id: "rng-monitor", role: "system", ip: nil)
        static let safer = Actor(id: "safer-gambling-service", role: "system", ip: nil)
        static let gamingPlatform = Actor(id: "gaming-platform", role: "system", ip: nil)
        static func player(_ id: String) -> Actor { Actor(id: id, role: "player", ip: nil) }
    }

    func backOfficeActor(_ person: Scenario.BackOfficeActor) -> Actor {
        let roleIndex = Scenario.requiredRoles.firstIndex(of: person.role) ?? 0
        let personIndex = scenario.backOffice.firstIndex(of: person) ?? 0
        return Actor(id: person.id, role: person.role, ip: "10.20.\(roleIndex + 1).\(personIndex % 240 + 10)")
    }

    /// Adds a record at `second` of today (clamped to the day). Keys are written in this order:
    /// eventId, stream, entity, action, actor, occurredAt, reason, jurisdiction, playerId,
    /// decisionId, policyVer, modelVer, state.
    mutating func record(at second: Int, stream: String, entity: (type: String, id: String), action: String, actor: Actor,
                         reason: String? = nil, jurisdiction: String, playerId: String? = nil,
                         decision: (id: String, policyVer: String, modelVer: String)? = nil,
                         state: ((inout CompactJSONWriter) -> Void)? = nil) {
        let second = min(max(second, 0), 86_399)
        let millis = dayStartMillis + Int64(second) * 1000
        var writer = CompactJSONWriter()
        writer.string("stream", stream)
        writer.object("entity") { $0.string("type", entity.type); $0.string("id", entity.id) }
        writer.string("action", action)
        writer.object("actor") { w in
            w.string("id", actor.id)
            w.string("role", actor.role)
            if let ip = actor.ip { w.string("ip", ip) }
        }
        writer.string("occurredAt", iso8601(millis))
        if let reason { writer.string("reason", reason) }
        writer.string("jurisdiction", jurisdiction)
        if let playerId { writer.string("playerId", playerId) }
        if let decision {
            writer.string("decisionId", decision.id)
            writer.string("policyVer", decision.policyVer)
            writer.string("modelVer", decision.modelVer)
        }
        if let state { writer.object("state", state) }
        let body = String(writer.finished().dropFirst())
        drafts.append(DraftRecord(millis: millis, sortKey: Int64(second) << 32 | Int64(drafts.count), body: body))
    }

    static func playerId(_ index: Int) -> String {
        let digits = String(index + 1)
        return "p-" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits
    }

    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` of a time given as day and second of day.
    func timeText(day: Int, second: Int) -> String {
        iso8601(scenario.startMillis + Int64(day) * CivilTime.millisPerDay + Int64(second) * 1000)
    }
}

/// Counts of what was generated in one period, as filed in reports.
struct PeriodTotals: Sendable {
    var registrations = 0
    var deposits = 0
    var depositsApproved = 0
    var depositCents = 0
    var withdrawals = 0
    var withdrawalsApproved = 0
    var withdrawalCents = 0
    var kycPassed = 0
    var kycFailed = 0
    var selfExclusions = 0
    var amlAlerts = 0
    var incidents = 0

    static func += (lhs: inout PeriodTotals, rhs: PeriodTotals) {
        lhs.registrations += rhs.registrations
        lhs.deposits += rhs.deposits
        lhs.depositsApproved += rhs.depositsApproved
        lhs.depositCents += rhs.depositCents
        lhs.withdrawals += rhs.withdrawals
        lhs.withdrawalsApproved += rhs.withdrawalsApproved
        lhs.withdrawalCents += rhs.withdrawalCents
        lhs.kycPassed += rhs.kycPassed
        lhs.kycFailed += rhs.kycFailed
        lhs.selfExclusions += rhs.selfExclusions
        lhs.amlAlerts += rhs.amlAlerts
        lhs.incidents += rhs.incidents
    }
}

/// A follow-up planned for a later day.
struct ScheduledEvent: Sendable {
    enum Kind: Sendable {
        case amlCaseOpen, amlCaseUpdate, amlDecision, amlAlertClose, selfExclusionEnd
    }
    let kind: Kind
    let second: Int
    let player: Int
    let alertId: Int
    let caseId: Int
}
