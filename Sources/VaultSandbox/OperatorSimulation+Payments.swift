extension OperatorSimulation {
    /// A player's payments today. Deposits need KYC started (registration starts it); withdrawals
    /// need KYC passed before them. A self-excluded player makes no payments: now and then they try
    /// to deposit, which is blocked and raises a `self_exclusion_event` incident.
    mutating func playDay(_ index: Int) {
        let player = players[index]
        if player.excludedFromDay >= 0, day >= Int(player.excludedFromDay), day < Int(player.excludedUntilDay) {
            if day - Int(player.excludedFromDay) < 90, chance(percent: 3) { blockedDeposit(index) }
            return
        }
        guard !player.suspended, day <= Int(player.activeUntilDay), player.kycStage != .failed else { return }
        let playChance = min(100, scenario.activity.playDayPercent * [1, 3, 8][Int(player.tier)])
        guard chance(percent: playChance) else { return }

        let firstSecond = Int(player.registeredDay) == day ? min(Int(player.registeredSecond) + 1, 86_399) : 0
        let count = 1 + draw([1, 2, 4][Int(player.tier)])
        var seconds = (0..<count).map { _ in draw(firstSecond...max(firstSecond, 86_000)) }
        seconds.sort()
        var approvedCents = 0
        var lastSecond = 0
        for second in seconds {
            let cents = depositCents(tier: Int(player.tier))
            var status = "approved"
            var declineReason: String?
            if players[index].dailyLimitCents > 0, approvedCents + cents > Int(players[index].dailyLimitCents) {
                status = "declined"
                declineReason = "deposit_limit_reached"
            } else if chance(percent: scenario.activity.declinePercent) {
                status = "declined"
                declineReason = ["insufficient_funds", "issuer_declined", "3ds_failed"][draw(3)]
            }
            if status == "approved" {
                approvedCents += cents
                players[index].balanceCents += Int64(cents)
            }
            writePayment(index, kind: "deposit", second: second, cents: cents, status: status, declineReason: declineReason)
            lastSecond = second
        }
        let threshold = scenario.activity.amlDailyDepositThreshold * 100
        if approvedCents >= threshold {
            raiseAlert(index, second: lastSecond + draw(300...3600), rule: "daily_deposit_threshold", cents: approvedCents)
        }

        // Play: part of the balance is lost, sometimes some is won; a gaming-day summary records it.
        let balanceBefore = Int(players[index].balanceCents)
        let balance = balanceBefore * draw(30...130) / 100
        players[index].balanceCents = Int64(balance)

        let passed = players[index].kycPassedDay
        let afterKYC = Int(passed) < day ? 0 : (Int(passed) == day ? Int(players[index].kycPassedSecond) + 1 : 86_400)
        let withdrawAt = max(lastSecond, afterKYC) + draw(600...7200)
        writeGamingDay(index, second: lastSecond + 300, balanceBefore: balanceBefore, balanceAfter: balance)
        if balance >= 2000, withdrawAt <= 86_399, chance(percent: scenario.activity.withdrawalPercent) {
            let cents = balance * draw(40...100) / 100
            let approved = !chance(percent: scenario.activity.declinePercent / 2)
            if approved { players[index].balanceCents -= Int64(cents) }
            writePayment(index, kind: "withdrawal", second: withdrawAt, cents: cents, status: approved ? "approved" : "declined",
                         declineReason: approved ? nil : "manual_review_rejected")
            if approved, approvedCents >= threshold / 4, cents * 10 >= approvedCents * 8 {
                raiseAlert(index, second: withdrawAt + draw(300...3600), rule: "deposit_withdrawal_cycle", cents: cents)
            }
        }
    }

    /// A deposit amount: light players deposit little, heavy players a lot; mostly round sums.
    private mutating func depositCents(tier: Int) -> Int {
        let (low, high) = [(10, 60), (20, 300), (100, 2500)][tier]
        let euros = draw(low...high)
        let rounded = draw(4) == 0 ? euros : max(low, euros / 10 * 10)
        return rounded * 100 + (draw(10) == 0 ? draw(100) : 0)
    }

    private mutating func writePayment(_ index: Int, kind: String, second: Int, cents: Int, status: String, declineReason: String?) {
        paymentCount += 1
        let paymentId = "pay-" + OperatorSimulation.padded(paymentCount, 9)
        let id = OperatorSimulation.playerId(index)
        let country = scenario.jurisdictions[Int(players[index].jurisdiction)].code
        let method = OperatorSimulation.paymentMethods[(index + (kind == "withdrawal" ? 3 : 0)) % OperatorSimulation.paymentMethods.count]
        let currency = scenario.currency
        if kind == "deposit" {
            today.deposits += 1
            if status == "approved" { today.depositsApproved += 1; today.depositCents += cents }
        } else {
            today.withdrawals += 1
            if status == "approved" { today.withdrawalsApproved += 1; today.withdrawalCents += cents }
        }
        record(at: second, stream: "payment", entity: ("payment", paymentId), action: kind, actor: .cashier,
               jurisdiction: country, playerId: id) { state in
            state.amount("amount", cents: cents)
            state.string("currency", currency)
            state.string("method", method)
            state.string("country", country)
            state.string("status", status)
            if let declineReason { state.string("declineReason", declineReason) }
        }
    }

    private mutating func blockedDeposit(_ index: Int) {
        let second = draw(0...86_000)
        let cents = depositCents(tier: Int(players[index].tier))
        writePayment(index, kind: "deposit", second: second, cents: cents, status: "declined", declineReason: "self_excluded")
        let paymentId = "pay-" + OperatorSimulation.padded(paymentCount, 9)
        let id = OperatorSimulation.playerId(index)
        incidentCount += 1
        today.incidents += 1
        let incidentId = "inc-" + OperatorSimulation.padded(incidentCount, 7)
        record(at: second + draw(1...30), stream: "incident", entity: ("incident", incidentId), action: "create",
               actor: .safer, jurisdiction: scenario.operatorJurisdiction, playerId: id) { state in
            state.string("type", "self_exclusion_event")
            state.string("severity", "P3")
            state.string("status", "open")
            state.string("summary", "deposit attempt by a self-excluded player was blocked")
            state.strings("linkedIds", ["se-" + id, paymentId])
        }
    }
}
