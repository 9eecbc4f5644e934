/// A bonus rule's full state (ids 100...139).
struct BonusRuleState: Sendable {
    var name: String
    var kind: String
    var matchPercent: Int
    var maxBonusCents: Int
    var minDepositCents: Int
    var wagering: Int
    var liveGames: Bool
    var active: Bool
}

/// A game's configuration and its current RNG certificate.
struct GameConfigState: Sendable {
    var rtpHundredths: Int
    var rngMinor: Int
    var certificate: Int
    var volatility: String
}

struct FeatureFlagState: Sendable {
    let name: String
    var enabled: Bool
    var rolloutPercent: Int
}

extension OperatorSimulation {
    static let hotBonusRule = 123
    static let gameCount = 24
    static let flagNames = ["fast-withdrawals", "reality-check-popup", "live-casino-lobby", "bonus-wallet-v2",
                            "affordability-checks", "crypto-deposits"]

    /// Day 0: the configuration that exists when the history starts (all `create`).
    mutating func createBackOfficeConfiguration() {
        let kinds = ["welcome_match", "reload_match", "free_spins", "cashback"]
        for rule in 100...139 {
            let kind = kinds[rule % kinds.count]
            bonusRules.append(BonusRuleState(name: "\(["Welcome match", "Reload match", "Free spins", "Cashback"][rule % kinds.count]) \(rule)", kind: kind,
                                             matchPercent: [100, 50, 0, 10][rule % kinds.count], maxBonusCents: draw(5...50) * 1000,
                                             minDepositCents: [1000, 2000][draw(2)], wagering: [20, 25, 30, 35][draw(4)],
                                             liveGames: draw(2) == 0, active: true))
            writeBonusRule(rule, second: 21_600 + (rule - 100) * 30, action: "create", reason: "initial bonus catalogue import")
        }
        for game in 0..<OperatorSimulation.gameCount {
            games.append(GameConfigState(rtpHundredths: 9400 + draw(40) * 10, rngMinor: 3, certificate: 1,
                                         volatility: ["low", "medium", "high"][game % 3]))
            writeCertification(game, second: 25_200 + game * 60)
            writeGameConfig(game, second: 25_200 + game * 60 + 30, action: "create", reason: "initial game catalogue import")
        }
        for (i, name) in OperatorSimulation.flagNames.enumerated() {
            flags.append(FeatureFlagState(name: name, enabled: i % 2 == 0, rolloutPercent: i % 2 == 0 ? 100 : 0))
            writeFlag(i, second: 27_000 + i * 20, action: "create", reason: "initial feature flag import")
        }
    }

    /// Today's configuration changes: bonus rules (a third to rule 123), game releases with their
    /// RNG certification, feature flags, and now and then an RNG anomaly.
    mutating func simulateBackOffice() {
        for _ in 0..<scenario.activity.bonusRuleChangesPerDay {
            let rule = draw(3) == 0 ? OperatorSimulation.hotBonusRule : 100 + draw(40)
            changeBonusRule(rule, second: draw(28_800...68_400))
        }
        for _ in 0..<countToday(perWeek: scenario.activity.gameConfigChangesPerWeek) {
            let game = draw(OperatorSimulation.gameCount)
            let second = draw(28_800...61_200)
            games[game].rngMinor += 1
            games[game].certificate += 1
            games[game].rtpHundredths = 9400 + draw(40) * 10
            writeCertification(game, second: second)
            writeGameConfig(game, second: second + draw(1800...7200), action: "update",
                            reason: "deploy certified RNG build 2.\(games[game].rngMinor).0 with RTP \(CompactJSONWriter.decimal(cents: games[game].rtpHundredths))%")
        }
        for _ in 0..<countToday(perWeek: scenario.activity.featureFlagChangesPerWeek) {
            let flag = draw(flags.count)
            flags[flag].rolloutPercent = [0, 10, 25, 50, 100][draw(5)]
            flags[flag].enabled = flags[flag].rolloutPercent > 0
            writeFlag(flag, second: draw(28_800...64_800), action: "update",
                      reason: flags[flag].enabled ? "staged rollout to \(flags[flag].rolloutPercent)% of players" : "switched off after review")
        }
        if chance(permille: scenario.activity.rngAnomalyPermillePerDay) { rngAnomaly(draw(OperatorSimulation.gameCount)) }
    }

    private mutating func changeBonusRule(_ rule: Int, second: Int) {
        var state = bonusRules[rule - 100]
        let reason: String
        switch draw(6) {
        case 0:
            state.maxBonusCents = max(5000, state.maxBonusCents + draw(-5...5) * 1000)
            reason = "adjust maximum bonus to \(CompactJSONWriter.decimal(cents: state.maxBonusCents)) after campaign review"
        case 1:
            state.wagering = [20, 25, 30, 35, 40][draw(5)]
            reason = "set wagering requirement to \(state.wagering)x to align with licence conditions"
        case 2:
            state.active.toggle()
            reason = state.active ? "reactivate for new campaign" : "pause while terms are reviewed"
        case 3:
            state.liveGames.toggle()
            reason = state.liveGames ? "include live casino games" : "exclude live casino games from wagering"
        case 4:
            state.minDepositCents = [1000, 1500, 2000, 2500][draw(4)]
            reason = "minimum qualifying deposit now \(CompactJSONWriter.decimal(cents: state.minDepositCents))"
        default:
            state.matchPercent = [0, 25, 50, 100][draw(4)]
            reason = "match percentage set to \(state.matchPercent)"
        }
        bonusRules[rule - 100] = state
        writeBonusRule(rule, second: second, action: "update", reason: reason)
    }

    private mutating func writeBonusRule(_ rule: Int, second: Int, action: String, reason: String) {
        let state = bonusRules[rule - 100]
        let actor = backOfficeActor(actor("bonus_manager"))
        let currency = scenario.currency
        record(at: second, stream: "audit.change", entity: ("bonusRule", String(rule)), action: action, actor: actor,
               reason: reason, jurisdiction: scenario.operatorJurisdiction) { s in
            s.string("name", state.name)
            s.string("type", state.kind)
            s.int("matchPercent", state.matchPercent)
            s.amount("maxBonus", cents: state.maxBonusCents)
            s.amount("minDeposit", cents: state.minDepositCents)
            s.string("currency", currency)
            s.int("wagering", state.wagering)
            s.strings("games", state.liveGames ? ["slots", "table", "live"] : ["slots", "table"])
            s.bool("active", state.active)
        }
    }

    func gameName(_ game: Int) -> String { "game-" + OperatorSimulation.padded(game + 1, 3) }
    func certificateName(_ game: Int) -> String { "SYNTH-CERT-\(gameName(game))-\(games[game].certificate)" }

    private mutating func writeCertification(_ game: Int, second: Int) {
        let config = games[game]
        let certificate = certificateName(game)
        let validUntil = timeText(day: day + 365, second: 0)
        let name = gameName(game)
        record(at: second, stream: "rng", entity: ("rngCertificate", certificate), action: "certify", actor: .monitoring,
               jurisdiction: scenario.operatorJurisdiction) { s in
            s.string("gameId", name)
            s.string("rngVersion", "2.\(config.rngMinor).0")
            s.number("rtpTested", hundredths: config.rtpHundredths)
            s.string("lab", "Synthetic Test Lab \(["A", "B"][game % 2])")
            s.string("result", "pass")
            s.string("validUntil", validUntil)
        }
    }

    private mutating func writeGameConfig(_ game: Int, second: Int, action: String, reason: String) {
        let config = games[game]
        let certificate = certificateName(game)
        let actor = backOfficeActor(actor("game_ops"))
        record(at: second, stream: "audit.change", entity: ("gameConfig", gameName(game)), action: action, actor: actor,
               reason: reason, jurisdiction: scenario.operatorJurisdiction) { s in
            s.number("rtp", hundredths: config.rtpHundredths)
            s.string("rngVersion", "2.\(config.rngMinor).0")
            s.string("certificateId", certificate)
            s.string("volatility", config.volatility)
        }
    }

    private mutating func writeFlag(_ flag: Int, second: Int, action: String, reason: String) {
        let state = flags[flag]
        let actor = backOfficeActor(actor("compliance_officer"))
        record(at: second, stream: "audit.change", entity: ("featureFlag", state.name), action: action, actor: actor,
               reason: reason, jurisdiction: scenario.operatorJurisdiction) { s in
            s.bool("enabled", state.enabled)
            s.int("rolloutPercent", state.rolloutPercent)
        }
    }

    /// An RNG anomaly: the monitor opens an incident, a statistical re-test runs, the incident closes.
    private mutating func rngAnomaly(_ game: Int) {
        incidentCount += 1
        today.incidents += 1
        let incidentId = "inc-" + OperatorSimulation.padded(incidentCount, 7)
        let second = draw(0...43_200)
        let certificate = certificateName(game), name = gameName(game)
        let opened = { (s: inout CompactJSONWriter, status: String) in
            s.string("type", "RNG_anomaly")
            s.string("severity", "P2")
            s.string("status", status)
            s.string("summary", "chi-square outcome distribution outside the 99.9% band over one hour")
            s.strings("linkedIds", [name, certificate])
        }
        record(at: second, stream: "incident", entity: ("incident", incidentId), action: "create", actor: .monitoring,
               jurisdiction: scenario.operatorJurisdiction) { opened(&$0, "open") }
        let retest = second + draw(1800...7200)
        let config = games[game]
        record(at: retest, stream: "rng", entity: ("rngCertificate", certificate), action: "retest", actor: .monitoring,
               jurisdiction: scenario.operatorJurisdiction) { s in
            s.string("gameId", name)
            s.string("rngVersion", "2.\(config.rngMinor).0")
            s.number("rtpTested", hundredths: config.rtpHundredths)
            s.string("lab", "Synthetic Test Lab \(["A", "B"][game % 2])")
            s.string("result", "pass")
            s.string("trigger", incidentId)
        }
        let closer = backOfficeActor(actor("game_ops"))
        record(at: retest + draw(600...3600), stream: "incident", entity: ("incident", incidentId), action: "update", actor: closer,
               jurisdiction: scenario.operatorJurisdiction) { opened(&$0, "resolved") }
    }
}
