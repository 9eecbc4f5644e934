extension OperatorSimulation {
    static let amlPolicyVersion = "aml-policy-2026.1"
    static let amlModelVersion = "risk-model-4.2"

    /// Raises an AML alert today and plans its follow-up: a case (opened, investigated, decided)
    /// for `amlCasePercent` of alerts, otherwise a review that closes it.
    mutating func raiseAlert(_ index: Int, second: Int, rule: String, cents: Int) {
        alertCount += 1
        today.amlAlerts += 1
        let alertId = alertCount
        let id = OperatorSimulation.playerId(index)
        let currency = scenario.currency
        record(at: second, stream: "aml", entity: ("amlAlert", alertName(alertId)), action: "create", actor: .amlEngine,
               jurisdiction: scenario.operatorJurisdiction, playerId: id) { state in
            state.string("rule", rule)
            state.amount("amount", cents: cents)
            state.string("currency", currency)
            state.string("status", "open")
        }
        if chance(percent: scenario.activity.amlCasePercent) {
            caseCount += 1
            schedule(.amlCaseOpen, inDays: draw(1...3), player: index, alertId: alertId, caseId: caseCount)
        } else {
            schedule(.amlAlertClose, inDays: draw(1...3), player: index, alertId: alertId, caseId: 0)
        }
    }

    func alertName(_ id: Int) -> String { "alert-" + OperatorSimulation.padded(id, 7) }
    func caseName(_ id: Int) -> String { "case-" + OperatorSimulation.padded(id, 6) }

    private mutating func schedule(_ kind: ScheduledEvent.Kind, inDays: Int, player: Int, alertId: Int, caseId: Int) {
        let target = day + inDays
        guard target < scenario.days else { return }
        scheduled[target].append(ScheduledEvent(kind: kind, second: draw(28_800...64_800), player: player, alertId: alertId, caseId: caseId))
    }

    mutating func runScheduledEvents() {
        let events = scheduled[day]
        scheduled[day] = []
        for event in events {
            switch event.kind {
            case .selfExclusionEnd: endSelfExclusion(event)
            case .amlAlertClose: closeAlert(event)
            case .amlCaseOpen: openCase(event)
            case .amlCaseUpdate: updateCase(event)
            case .amlDecision: decideCase(event)
            }
        }
    }

    private mutating func closeAlert(_ event: ScheduledEvent) {
        let analyst = backOfficeActor(actor("aml_analyst"))
        record(at: event.second, stream: "aml", entity: ("amlAlert", alertName(event.alertId)), action: "close", actor: analyst,
               jurisdiction: scenario.operatorJurisdiction, playerId: OperatorSimulation.playerId(event.player)) { state in
            state.string("status", "closed_no_action")
            state.string("resolution", ["source of funds documented", "consistent with player profile", "salary deposit pattern"][event.alertId % 3])
        }
    }

    private mutating func openCase(_ event: ScheduledEvent) {
        let analyst = backOfficeActor(actor("aml_analyst"))
        let alert = alertName(event.alertId)
        record(at: event.second, stream: "aml", entity: ("amlCase", caseName(event.caseId)), action: "create", actor: analyst,
               jurisdiction: scenario.operatorJurisdiction, playerId: OperatorSimulation.playerId(event.player)) { state in
            state.string("status", "open")
            state.strings("alertIds", [alert])
            state.string("assignee", analyst.id)
        }
        schedule(.amlCaseUpdate, inDays: draw(1...4), player: event.player, alertId: event.alertId, caseId: event.caseId)
    }

    private mutating func updateCase(_ event: ScheduledEvent) {
        let analyst = backOfficeActor(actor("aml_analyst"))
        let alert = alertName(event.alertId)
        record(at: event.second, stream: "aml", entity: ("amlCase", caseName(event.caseId)), action: "update", actor: analyst,
               jurisdiction: scenario.operatorJurisdiction, playerId: OperatorSimulation.playerId(event.player)) { state in
            state.string("status", "investigating")
            state.strings("alertIds", [alert])
            state.string("assignee", analyst.id)
            state.strings("requested", ["source_of_funds", "bank_statement"])
        }
        schedule(.amlDecision, inDays: draw(1...7), player: event.player, alertId: event.alertId, caseId: event.caseId)
    }

    /// The decision on a case: who decided is recorded with the policy and model versions; a
    /// `limit` carries the limits, `suspend` stops the player's payments, and `suspend` and
    /// `report_sar` raise an `AML_suspect` incident.
    private mutating func decideCase(_ event: ScheduledEvent) {
        let roll = draw(100)
        let (action, scoreRange): (String, ClosedRange<Int>) =
            roll < 35 ? ("clear", 5...39) : roll < 65 ? ("monitor", 40...59) : roll < 85 ? ("limit", 60...74)
            : roll < 95 ? ("suspend", 75...89) : ("report_sar", 90...99)
        let score = draw(scoreRange)
        let id = OperatorSimulation.playerId(event.player)
        let caseId = caseName(event.caseId)
        let decisionId = "dec-" + OperatorSimulation.padded(event.caseId, 6)
        let alert = alertName(event.alertId)
        let explanation: String = switch action {
        case "clear": "source of funds verified; activity consistent with declared income"
        case "monitor": "elevated deposit velocity; enhanced monitoring for 90 days"
        case "limit": "deposits exceed affordability estimate; limits applied pending documents"
        case "suspend": "source of funds not evidenced; account suspended pending review"
        default: "unexplained funds cycling through the account; suspicious activity report filed"
        }
        let currency = scenario.currency
        record(at: event.second, stream: "aml", entity: ("amlCase", caseId), action: "decision", actor: .amlEngine,
               jurisdiction: scenario.operatorJurisdiction, playerId: id,
               decision: (decisionId, OperatorSimulation.amlPolicyVersion, OperatorSimulation.amlModelVersion)) { state in
            state.string("status", "decided")
            state.strings("alertIds", [alert])
            state.int("riskScore", score)
            state.string("action", action)
            if action == "limit" {
                state.object("limits") { limits in
                    limits.amount("dailyDeposit", cents: 20_000)
                    limits.amount("monthlyDeposit", cents: 200_000)
                    limits.string("currency", currency)
                }
            }
            state.string("explanation", explanation)
        }
        if action == "suspend" { players[event.player].suspended = true }
        if action == "suspend" || action == "report_sar" {
            incidentCount += 1
            today.incidents += 1
            let incidentId = "inc-" + OperatorSimulation.padded(incidentCount, 7)
            record(at: event.second + draw(60...900), stream: "incident", entity: ("incident", incidentId), action: "create",
                   actor: .amlEngine, jurisdiction: scenario.operatorJurisdiction, playerId: id) { state in
                state.string("type", "AML_suspect")
                state.string("severity", action == "report_sar" ? "P2" : "P3")
                state.string("status", "open")
                state.string("summary", explanation)
                state.strings("linkedIds", [caseId, decisionId, alert])
            }
        }
    }
}
