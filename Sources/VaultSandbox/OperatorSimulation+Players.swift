/// What the simulation remembers about one player (compact: one entry per registered player).
struct PlayerState: Sendable {
    enum KYCPlan: UInt8, Sendable { case pass, abandon, fail, reviewThenPass, reviewThenFail }
    enum KYCStage: UInt8, Sendable { case none, started, documentChecked, poaChecked, screened, passed, failed, needsReview }

    var jurisdiction: UInt8 = 0
    /// 0 light, 1 regular, 2 heavy.
    var tier: UInt8 = 0
    var kycPlan = KYCPlan.pass
    var kycStage = KYCStage.none
    var documentKind: UInt8 = 0
    var documentNumber: Int32 = 0
    var suspended = false
    var registeredDay: Int32 = -1
    var registeredSecond: Int32 = 0
    var activeUntilDay: Int32 = -1
    /// When the next KYC step happens (-1: none planned).
    var kycNextDay: Int32 = -1
    var kycNextSecond: Int32 = 0
    /// When KYC passed (Int32.max: not passed).
    var kycPassedDay = Int32.max
    var kycPassedSecond: Int32 = 0
    var limitPlanDay: Int32 = -1
    var dailyLimitCents: Int32 = 0
    var exclusionPlanDay: Int32 = -1
    var excludedFromDay: Int32 = -1
    var excludedFromSecond: Int32 = 0
    /// The exclusion ends at the start of this day.
    var excludedUntilDay: Int32 = -1
    var balanceCents: Int64 = 0

    /// Whether the player is self-excluded at `second` of `day`.
    func isExcluded(day: Int, second: Int) -> Bool {
        guard excludedFromDay >= 0 else { return false }
        if day < Int(excludedFromDay) || day >= Int(excludedUntilDay) { return false }
        return day > Int(excludedFromDay) || second >= Int(excludedFromSecond)
    }
}

extension OperatorSimulation {
    static let documentKinds = ["passport", "national_id", "driving_licence"]
    static let documentPrefixes = ["SYNTH-PASSPORT-", "SYNTH-IDCARD-", "SYNTH-DRIVING-"]
    static let paymentMethods = ["card", "card", "card", "bank_transfer", "ewallet", "ewallet"]

    /// Players registered by the end of `day`: player `i` registers on day `i * days / players`.
    func registeredCount(through day: Int) -> Int {
        let players = Int64(scenario.players), days = Int64(scenario.days)
        // The smallest i with i * days / players > day.
        return Int(min(players, ((Int64(day) + 1) * players + days - 1) / days))
    }

    mutating func simulatePlayers() {
        let firstNew = day == 0 ? 0 : registeredCount(through: day - 1)
        let end = registeredCount(through: day)
        for index in 0..<end {
            if index >= firstNew { register(index) }
            if players[index].kycNextDay == Int32(day) { advanceKYC(index) }
            if players[index].exclusionPlanDay == Int32(day) { startSelfExclusion(index) }
            if players[index].limitPlanDay == Int32(day) { setDepositLimit(index) }
            playDay(index)
        }
    }

    // MARK: registration and KYC

    private mutating func register(_ index: Int) {
        var player = PlayerState()
        var pick = draw(totalJurisdictionWeight)
        for (i, weight) in scenario.jurisdictions.enumerated() {
            if pick < weight.weight { player.jurisdiction = UInt8(i); break }
            pick -= weight.weight
        }
        let activity = scenario.activity
        let tierRoll = draw(100)
        player.tier = tierRoll < activity.heavyPlayerPercent ? 2 : (tierRoll < activity.heavyPlayerPercent + activity.regularPlayerPercent ? 1 : 0)
        let kycRoll = draw(100)
        if kycRoll < activity.kycAbandonPercent {
            player.kycPlan = .abandon
        } else if kycRoll < activity.kycAbandonPercent + activity.kycFailPercent {
            player.kycPlan = .fail
        } else if kycRoll < activity.kycAbandonPercent + activity.kycFailPercent + activity.kycReviewPercent {
            player.kycPlan = draw(4) == 0 ? .reviewThenFail : .reviewThenPass
        }
        player.registeredDay = Int32(day)
        let lifetime = chance(percent: activity.loyalPlayerPercent)
            ? scenario.days : draw(activity.meanActiveDays) + draw(activity.meanActiveDays) + 1
        player.activeUntilDay = Int32(min(scenario.days, day + lifetime))
        if player.kycPlan == .fail { player.activeUntilDay = Int32(day + 1) }
        let span = Int(player.activeUntilDay) - day + 1
        if chance(percent: activity.depositLimitPercent) { player.limitPlanDay = Int32(day + draw(span)) }
        if chance(permille: activity.selfExclusionPermille) { player.exclusionPlanDay = Int32(day + 1 + draw(span)) }
        player.documentKind = UInt8(draw(3))
        player.documentNumber = Int32(draw(1_000_000))
        let second = draw(86_400)
        player.registeredSecond = Int32(second)
        players[index] = player
        today.registrations += 1
        writeKYC(index, stage: .started, second: second)
        scheduleNextKYCStep(index, after: second, delay: draw(300...(2 * 86_400)))
    }

    private mutating func scheduleNextKYCStep(_ index: Int, after second: Int, delay: Int) {
        let total = second + delay
        players[index].kycNextDay = Int32(day + total / 86_400)
        players[index].kycNextSecond = Int32(total % 86_400)
    }

    /// Runs every KYC step due today, in order (several may fall on one day).
    private mutating func advanceKYC(_ index: Int) {
        while players[index].kycNextDay == Int32(day) {
            let second = Int(players[index].kycNextSecond)
            players[index].kycNextDay = -1
            let plan = players[index].kycPlan
            switch players[index].kycStage {
            case .started:
                guard plan != .abandon else { return }
                writeKYC(index, stage: .documentChecked, second: second)
                scheduleNextKYCStep(index, after: second, delay: draw(60...86_400))
            case .documentChecked:
                writeKYC(index, stage: .poaChecked, second: second)
                scheduleNextKYCStep(index, after: second, delay: draw(10...600))
            case .poaChecked:
                writeKYC(index, stage: .screened, second: second)
                scheduleNextKYCStep(index, after: second, delay: draw(60...14_400))
            case .screened:
                switch plan {
                case .pass, .abandon: writeKYC(index, stage: .passed, second: second)
                case .fail: writeKYC(index, stage: .failed, second: second)
                case .reviewThenPass, .reviewThenFail:
                    writeKYC(index, stage: .needsReview, second: second)
                    scheduleNextKYCStep(index, after: second, delay: draw(86_400...(5 * 86_400)))
                }
            case .needsReview:
                writeKYC(index, stage: plan == .reviewThenPass ? .passed : .failed, second: second)
            case .none, .passed, .failed:
                return
            }
        }
    }

    /// Writes a KYC status change with the player's full KYC state so far.
    private mutating func writeKYC(_ index: Int, stage: PlayerState.KYCStage, second: Int) {
        let previous = players[index].kycStage
        players[index].kycStage = stage
        let player = players[index]
        let id = OperatorSimulation.playerId(index)
        let country = scenario.jurisdictions[Int(player.jurisdiction)].code
        let review = previous == .needsReview
        if stage == .passed {
            players[index].kycPassedDay = Int32(day)
            players[index].kycPassedSecond = Int32(second)
            today.kycPassed += 1
        }
        if stage == .failed {
            today.kycFailed += 1
            players[index].activeUntilDay = min(players[index].activeUntilDay, Int32(day))
        }
        let reached = player.kycPlan == .abandon ? 1 : Int(stage == .needsReview || review ? 4 : min(stage.rawValue, 4))
        let pepHit = player.kycPlan == .reviewThenFail || (player.kycPlan == .reviewThenPass && player.documentNumber % 3 == 0)
        let actor = review ? backOfficeActor(actor("kyc_analyst")) : Actor.kycService
        let statusName: String = switch stage {
        case .none, .started: "started"
        case .documentChecked: "document_checked"
        case .poaChecked: "poa_checked"
        case .screened: "screened"
        case .passed: "passed"
        case .failed: "failed"
        case .needsReview: "needs_review"
        }
        let failDuringChecks = player.kycPlan == .fail
        record(at: second, stream: "kyc", entity: ("player", id), action: "status_change", actor: actor,
               reason: review ? (stage == .passed ? "manual review: screening match dismissed" : "manual review: identity could not be confirmed") : nil,
               jurisdiction: country, playerId: id) { state in
            state.string("kycStatus", statusName)
            state.string("level", "full")
            if reached >= 2 {
                state.string("documentType", OperatorSimulation.documentKinds[Int(player.documentKind)])
                state.string("documentNumber", OperatorSimulation.documentPrefixes[Int(player.documentKind)]
                    + OperatorSimulation.padded(Int(player.documentNumber), 6))
                state.string("documentCountry", country)
                state.string("documentResult", failDuringChecks && stage == .failed ? "mismatch" : "verified")
            }
            if reached >= 3 {
                state.string("proofOfAddress", player.documentNumber % 2 == 0 ? "utility_bill" : "bank_statement")
                state.string("poaResult", "verified")
            }
            if reached >= 4 {
                state.bool("sanctionsHit", false)
                state.bool("pep", pepHit)
                state.bool("adverseMedia", false)
                state.string("screeningProvider", "synthetic-screening-2")
            }
            if stage == .needsReview { state.string("reviewReason", pepHit ? "possible_pep_match" : "document_quality") }
            if stage == .failed { state.string("failureReason", review ? "identity_not_confirmed" : "document_mismatch") }
        }
    }

    // MARK: safer gambling

    private mutating func setDepositLimit(_ index: Int) {
        let player = players[index]
        guard !player.suspended, player.kycStage != .failed else { return }
        let id = OperatorSimulation.playerId(index)
        let country = scenario.jurisdictions[Int(player.jurisdiction)].code
        let changing = player.dailyLimitCents > 0
        let daily = [20, 50, 100, 200, 500][draw(5)] * 100 * (player.tier == 2 ? 4 : 1)
        players[index].dailyLimitCents = Int32(daily)
        limitCount += 1
        let second = draw(28_800...86_399)
        let currency = scenario.currency
        record(at: second, stream: "responsible_gambling", entity: ("depositLimit", "limit-" + id), action: changing ? "update" : "create",
               actor: .player(id), reason: changing ? "player changed deposit limit" : "player set deposit limit",
               jurisdiction: country, playerId: id) { state in
            state.amount("daily", cents: daily)
            state.amount("weekly", cents: daily * 5)
            state.amount("monthly", cents: daily * 20)
            state.string("currency", currency)
            state.string("setBy", "player")
        }
        // A third of the players who set a limit change it again later.
        if !changing, draw(3) == 0, Int(player.activeUntilDay) > day {
            players[index].limitPlanDay = Int32(day + 1 + draw(Int(player.activeUntilDay) - day))
        }
    }

    private mutating func startSelfExclusion(_ index: Int) {
        let player = players[index]
        guard !player.suspended, player.excludedFromDay < 0 else { return }
        let id = OperatorSimulation.playerId(index)
        let country = scenario.jurisdictions[Int(player.jurisdiction)].code
        let periods = [("6_months", 182), ("1_year", 365), ("5_years", 1826)]
        let (period, length) = periods[[0, 0, 0, 1, 1, 2][draw(6)]]
        let second = draw(0...86_399)
        players[index].excludedFromDay = Int32(day)
        players[index].excludedFromSecond = Int32(second)
        players[index].excludedUntilDay = Int32(day + length)
        players[index].activeUntilDay = min(players[index].activeUntilDay, Int32(day))
        players[index].limitPlanDay = -1
        today.selfExclusions += 1
        let start = timeText(day: day, second: second), end = timeText(day: day + length, second: second)
        record(at: second, stream: "responsible_gambling", entity: ("selfExclusion", "se-" + id), action: "create",
               actor: .player(id), reason: "player requested self-exclusion", jurisdiction: country, playerId: id) { state in
            state.string("period", period)
            state.string("start", start)
            state.string("end", end)
            state.string("status", "active")
            state.string("scope", "all_products")
        }
        if day + length < scenario.days {
            scheduled[day + length].append(ScheduledEvent(kind: .selfExclusionEnd, second: second, player: index, alertId: 0, caseId: 0))
        }
    }

    mutating func endSelfExclusion(_ event: ScheduledEvent) {
        let player = players[event.player]
        let id = OperatorSimulation.playerId(event.player)
        let country = scenario.jurisdictions[Int(player.jurisdiction)].code
        let start = timeText(day: Int(player.excludedFromDay), second: Int(player.excludedFromSecond))
        let end = timeText(day: day, second: event.second)
        let length = day - Int(player.excludedFromDay)
        record(at: event.second, stream: "responsible_gambling", entity: ("selfExclusion", "se-" + id), action: "update",
               actor: .safer, reason: "self-exclusion period ended", jurisdiction: country, playerId: id) { state in
            state.string("period", length >= 1826 ? "5_years" : (length >= 365 ? "1_year" : "6_months"))
            state.string("start", start)
            state.string("end", end)
            state.string("status", "ended")
            state.string("scope", "all_products")
        }
    }
}
