extension OperatorSimulation {
    /// The game categories of the synthetic catalogue, by game index modulo their count. Jackpot
    /// slots take a contribution from every stake for the progressive jackpot.
    static let gameCategories = ["slots", "slots", "jackpot_slots", "table", "live_casino", "slots"]
    static let channels = ["web", "mobile_web", "ios_app", "android_app"]

    /// The gaming-day summary of player `index` who played today and whose cash balance went from
    /// `balanceBefore` to `balanceAfter` cents (stakes minus wins are exactly the difference).
    ///
    /// Its randomness comes from a generator of its own, seeded from the scenario, the day and the
    /// player, so adding it left every other record of the scenario as it was.
    mutating func writeGamingDay(_ index: Int, second: Int, balanceBefore: Int, balanceAfter: Int) {
        guard balanceBefore > 0 else { return }
        var gaming = SplitMix64(seed: scenario.seed &* 0xA24B_AED4_963E_E407 &+ UInt64(day) &* 0x9FB2_1C65_1E98_DF25
                                    &+ UInt64(index) &* 0xC2B2_AE3D_27D4_EB4F)
        func pick(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(gaming.next() % UInt64(range.upperBound - range.lowerBound + 1))
        }
        let game = pick(0...(OperatorSimulation.gameCount - 1))
        let category = OperatorSimulation.gameCategories[game % OperatorSimulation.gameCategories.count]
        // Turnover: the balance is staked 1.5 to 6 times over; wins make up the difference, and since
        // at most 70 % of the balance is lost, wins are never negative.
        let stake = balanceBefore * pick(150...600) / 100
        let win = stake + balanceAfter - balanceBefore
        let bonusStake = pick(0...3) == 0 ? stake * pick(5...20) / 100 : 0
        let bonusWin = bonusStake * pick(0...150) / 100
        let jackpotContribution = category == "jackpot_slots" ? (stake + bonusStake) / 100 : 0
        let rounds = max(1, stake / max(1, [50, 100, 200][Int(players[index].tier)]))
        let channel = OperatorSimulation.channels[pick(0...(OperatorSimulation.channels.count - 1))]
        let id = OperatorSimulation.playerId(index)
        let date = CivilTime.dayText(millis: dayStartMillis)
        let country = scenario.jurisdictions[Int(players[index].jurisdiction)].code
        let currency = scenario.currency
        let config = games[game]
        let gameId = gameName(game)
        let certificate = certificateName(game)
        record(at: second, stream: "gaming", entity: ("gamingDay", "gd-\(id)-\(date)"), action: "day_summary",
               actor: .gamingPlatform, jurisdiction: country, playerId: id) { s in
            s.string("gamingDay", date)
            s.string("gameId", gameId)
            s.string("category", category)
            s.string("channel", channel)
            s.string("rngCertificate", certificate)
            s.string("rngVersion", "2.\(config.rngMinor).0")
            s.int("rounds", rounds)
            s.string("currency", currency)
            s.amount("stake", cents: stake)
            s.amount("win", cents: win)
            s.amount("bonusStake", cents: bonusStake)
            s.amount("bonusWin", cents: bonusWin)
            s.amount("jackpotContribution", cents: jackpotContribution)
            s.amount("balanceAfter", cents: balanceAfter)
        }
    }
}
