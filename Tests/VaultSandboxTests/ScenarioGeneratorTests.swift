import Testing
import VaultCore
import VaultSandbox

/// The demo scenario's output, generated once and parsed for the realism checks.
private let demoScenario = Scenario.builtIn(named: "demo")!
private let demoRecords = Array(ScenarioGenerator(scenario: demoScenario))
private let demoObjects: [[String: JSONValue]] = demoRecords.map { try! JSONParser.parse(Array($0.line.utf8)).objectValue! }

private extension [String: JSONValue] {
    func text(_ key: String) -> String? { self[key]?.stringValue }
    var state: [String: JSONValue]? { self["state"]?.objectValue }
    var entity: (type: String, id: String) { (self["entity"]!.objectValue!.text("type")!, self["entity"]!.objectValue!.text("id")!) }
}

@Suite struct ScenarioGeneratorTests {
    @Test func sameScenarioGivesIdenticalLinesAndAnotherSeedDiffers() {
        let again = ScenarioGenerator(scenario: demoScenario).map(\.line)
        #expect(again == demoRecords.map(\.line))
        let other = Array(ScenarioGenerator(scenario: demoScenario.withSeed(2)).prefix(2000)).map(\.line)
        #expect(other != Array(demoRecords.prefix(2000)).map(\.line))
    }

    @Test func demoSizeIsAsDocumented() {
        #expect((30_000...60_000).contains(demoRecords.count), "\(demoRecords.count) records")
    }

    @Test func everyDemoRecordIsValidOrderedAndUniquelyIdentified() throws {
        let now = demoScenario.startMillis + Int64(demoScenario.days + 1) * 86_400_000
        var eventIds = Set<String>()
        var previous = Int64.min
        for (position, record) in demoRecords.enumerated() {
            let validated = try RecordValidator(sandbox: true).validate(Array(record.line.utf8), now: now)
            #expect(record.index == position)
            #expect(validated.occurredAt == record.occurredAtMillis)
            #expect(record.occurredAtMillis >= previous)
            previous = record.occurredAtMillis
            #expect(validated.eventId.hasPrefix("sbx-"))
            #expect(eventIds.insert(validated.eventId).inserted)
            #expect(validated.action != "relationship_ended" && validated.action != "relationship_resumed")
            #expect(validated.occurredAt % 1000 == 0)
        }
    }

    @Test func everyStreamAppears() {
        let streams = Set(demoObjects.compactMap { $0.text("stream") })
        #expect(streams == ["audit.change", "kyc", "aml", "payment", "gaming", "responsible_gambling", "rng", "incident", "report"])
        let incidentTypes = Set(demoObjects.filter { $0.text("stream") == "incident" }.compactMap { $0.state?.text("type") })
        #expect(incidentTypes == ["AML_suspect", "RNG_anomaly", "self_exclusion_event"])
        let kycStatuses = Set(demoObjects.filter { $0.text("stream") == "kyc" }.compactMap { $0.state?.text("kycStatus") })
        #expect(kycStatuses == ["started", "document_checked", "poa_checked", "screened", "passed", "failed", "needs_review"])
        let entityTypes = Set(demoObjects.map(\.entity.type))
        for type in ["bonusRule", "gameConfig", "featureFlag", "depositLimit", "selfExclusion", "amlAlert", "amlCase", "rngCertificate"] {
            #expect(entityTypes.contains(type), "\(type)")
        }
    }

    @Test func hotBonusRuleHasTheLongestHistory() {
        var versions: [String: Int] = [:]
        for object in demoObjects where object.entity.type == "bonusRule" { versions[object.entity.id, default: 0] += 1 }
        let hot = versions["123"] ?? 0
        #expect(hot >= 25)
        #expect(versions.allSatisfy { $0.key == "123" || $0.value < hot })
        #expect(Set(versions.keys) == Set((100...139).map(String.init)))
    }

    @Test func noWithdrawalBeforeKYCPassed() {
        var passed = Set<String>()
        var withdrawals = 0
        for object in demoObjects {
            let player = object.text("playerId")
            if object.text("stream") == "kyc", object.state?.text("kycStatus") == "passed", let player { passed.insert(player) }
            if object.text("action") == "withdrawal" {
                withdrawals += 1
                #expect(passed.contains(player ?? ""), "withdrawal by \(player ?? "?") before KYC passed")
            }
        }
        #expect(withdrawals > 100)
    }

    @Test func noApprovedPaymentDuringSelfExclusion() {
        var excludedUntil: [String: String] = [:]
        var blocked = 0
        for object in demoObjects {
            guard let player = object.text("playerId") else { continue }
            if object.entity.type == "selfExclusion", let state = object.state {
                excludedUntil[player] = state.text("status") == "active" ? state.text("end") : nil
            }
            if object.text("stream") == "payment", let end = excludedUntil[player], object.text("occurredAt")! < end {
                #expect(object.state?.text("status") == "declined", "payment by self-excluded \(player)")
                #expect(object.text("action") == "deposit")
                blocked += 1
            }
        }
        #expect(!excludedUntil.isEmpty)
        #expect(blocked > 0)
    }

    @Test func everyAMLDecisionCarriesItsProvenance() {
        let decisions = demoObjects.filter { $0.text("stream") == "aml" && $0.text("action") == "decision" }
        #expect(!decisions.isEmpty)
        for decision in decisions {
            #expect(decision.text("decisionId") != nil && decision.text("policyVer") != nil && decision.text("modelVer") != nil)
            #expect(decision.state?["riskScore"]?.numberText != nil)
            let action = decision.state?.text("action") ?? ""
            #expect(["clear", "monitor", "limit", "suspend", "report_sar"].contains(action))
            #expect((decision.state?["limits"] != nil) == (action == "limit"))
        }
    }

    @Test func dailyReportTotalsMatchTheGeneratedRecords() throws {
        struct Counts: Equatable { var deposits = 0, approved = 0, withdrawals = 0, kycPassed = 0, alerts = 0, incidents = 0 }
        var byDay: [String: Counts] = [:]
        var reports: [String: Counts] = [:]
        for object in demoObjects {
            let dayText = String(object.text("occurredAt")!.prefix(10))
            let state = object.state
            switch (object.text("stream"), object.text("action")) {
            case ("payment", "deposit"):
                byDay[dayText, default: Counts()].deposits += 1
                if state?.text("status") == "approved" { byDay[dayText, default: Counts()].approved += 1 }
            case ("payment", "withdrawal"): byDay[dayText, default: Counts()].withdrawals += 1
            case ("kyc", _) where state?.text("kycStatus") == "passed": byDay[dayText, default: Counts()].kycPassed += 1
            case ("aml", "create") where object.entity.type == "amlAlert": byDay[dayText, default: Counts()].alerts += 1
            case ("incident", "create"): byDay[dayText, default: Counts()].incidents += 1
            case ("report", _) where state?.text("kind") == "daily_summary":
                let totals = try #require(state?["totals"]?.objectValue)
                func count(_ key: String) -> Int { Int(totals[key]?.numberText ?? "") ?? -1 }
                reports[String(object.entity.id.dropFirst("daily-".count))] = Counts(
                    deposits: count("deposits"), approved: count("depositsApproved"), withdrawals: count("withdrawals"),
                    kycPassed: count("kycPassed"), alerts: count("amlAlerts"), incidents: count("incidents"))
            default: break
            }
        }
        #expect(reports.count == demoScenario.days)
        for (day, report) in reports {
            #expect(report == byDay[day, default: Counts()], "daily report for \(day)")
        }
    }

    /// Gaming-day summaries agree with the money the player moved: approved deposits, less approved
    /// withdrawals, plus wins less stakes, is the cash balance each summary states (in cents, so the
    /// check does not share the generator's decimal code); and they name the certified RNG build in
    /// force for the game that gaming day: the synthetic operator deploys a new build for the next
    /// gaming day, and the catalogue imported on the first day is live from its start.
    @Test func gamingDaysAgreeWithPaymentsAndCertifiedRNG() throws {
        func cents(_ text: String?) throws -> Int {
            let parts = try #require(text).split(separator: ".")
            guard parts.count == 2, parts[1].count == 2, let whole = Int(parts[0]), let fraction = Int(parts[1]) else {
                Issue.record("\(text ?? "") is not an amount with two decimals")
                return Int.min / 2
            }
            return whole * 100 + fraction
        }
        typealias Build = (version: String?, certificate: String?)
        var balance: [String: Int] = [:]
        var deployed: [String: Build] = [:], inForce: [String: Build] = [:]
        for object in demoObjects where object.entity.type == "gameConfig" && object.text("action") == "create" {
            inForce[object.entity.id] = (object.state?.text("rngVersion"), object.state?.text("certificateId"))
        }
        var summaries = 0, jackpotDays = 0
        var currentDay = ""
        for object in demoObjects {
            let state = object.state
            let day = String(object.text("occurredAt")!.prefix(10))
            if day != currentDay {
                inForce.merge(deployed) { $1 }
                currentDay = day
            }
            switch object.text("stream") {
            case "audit.change" where object.entity.type == "gameConfig":
                deployed[object.entity.id] = (state?.text("rngVersion"), state?.text("certificateId"))
            case "payment" where state?.text("status") == "approved":
                let amount = try cents(state?.text("amount"))
                balance[object.text("playerId")!, default: 0] += object.text("action") == "deposit" ? amount : -amount
            case "gaming":
                let state = try #require(state)
                let player = try #require(object.text("playerId"))
                let stake = try cents(state.text("stake")), win = try cents(state.text("win"))
                #expect(stake > 0 && win >= 0)
                balance[player, default: 0] += win - stake
                #expect(try cents(state.text("balanceAfter")) == balance[player], "\(object.entity.id)")
                #expect(state.text("gamingDay") == String(object.text("occurredAt")!.prefix(10)))
                let build = try #require(inForce[state.text("gameId") ?? ""], "\(object.entity.id)")
                #expect(state.text("rngVersion") == build.version && state.text("rngCertificate") == build.certificate,
                        "\(object.entity.id)")
                let jackpot = try cents(state.text("jackpotContribution"))
                #expect((jackpot > 0) == (state.text("category") == "jackpot_slots" && stake >= 100))
                jackpotDays += jackpot > 0 ? 1 : 0
                summaries += 1
            default: break
            }
        }
        #expect(summaries > 10_000 && jackpotDays > 100, "\(summaries) gaming days, \(jackpotDays) with a jackpot contribution")
    }

    @Test func personalDataIsVisiblySynthetic() {
        for object in demoObjects {
            if let number = object.state?.text("documentNumber") { #expect(number.hasPrefix("SYNTH-")) }
            let actor = object["actor"]!.objectValue!
            if actor["ip"] != nil { #expect(actor.text("id")!.hasPrefix("bo.synthetic.")) }
        }
    }
}
