import Testing
import VaultSandbox

@Suite struct ScenarioParsingTests {
    private let demoText = Scenario.builtInText(named: "demo")!

    /// The demo text with `old` replaced by `new` (which must occur exactly once).
    private func demo(replacing old: String, with new: String) -> [UInt8] {
        let parts = demoText.split(separator: old, omittingEmptySubsequences: false)
        precondition(parts.count == 2, "\(old) must occur once")
        return Array(parts.joined(separator: new).utf8)
    }

    private func refusal(_ bytes: [UInt8]) -> ScenarioError? {
        do {
            _ = try Scenario(json: bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func builtInScenariosParse() throws {
        #expect(Scenario.builtInNames == ["demo", "mid-size-operator"])
        let demo = try #require(Scenario.builtIn(named: "demo"))
        #expect(demo.name == "demo" && demo.days == 30 && demo.players == 2000 && demo.seed == 1)
        #expect(demo.origin == "sandbox.regvault.example/demo")
        #expect(demo.startMillis == 1_767_225_600_000)
        #expect(demo.replay.initialRecords == 5000 && demo.replay.recordsPerTick == 10 && demo.replay.tickSeconds == 2)
        let mid = try #require(Scenario.builtIn(named: "mid-size-operator"))
        #expect(mid.days == 365 && mid.players == 50_000 && mid.origin == "sandbox.regvault.example/mid-size-operator")
        #expect(mid.replay.initialRecords == 20000 && mid.replay.recordsPerTick == 20 && mid.replay.tickSeconds == 1)
        #expect(Scenario.builtIn(named: "nope") == nil)
        #expect(demo.withSeed(7).seed == 7 && demo.withSeed(7).withSeed(1) == demo)
    }

    @Test func unknownKeyIsRefusedByName() {
        #expect(refusal(demo(replacing: "\"days\": 30,", with: "\"days\": 30, \"dayz\": 3,"))?.field == "dayz")
        #expect(refusal(demo(replacing: "\"tickSeconds\": 2", with: "\"tickSeconds\": 2, \"speed\": 1"))?.field == "replay.speed")
    }

    @Test func wrongTypeIsRefusedByName() {
        #expect(refusal(demo(replacing: "\"days\": 30", with: "\"days\": \"30\""))?.field == "days")
        #expect(refusal(demo(replacing: "\"seed\": 1", with: "\"seed\": 1.5"))?.field == "seed")
        #expect(refusal(demo(replacing: "\"meanActiveDays\": 25", with: "\"meanActiveDays\": true"))?.field == "activity.meanActiveDays")
    }

    @Test func outOfRangeNumbersAreRefusedByName() {
        #expect(refusal(demo(replacing: "\"players\": 2000", with: "\"players\": -5"))?.field == "players")
        #expect(refusal(demo(replacing: "\"tickSeconds\": 2", with: "\"tickSeconds\": 0"))?.field == "replay.tickSeconds")
        #expect(refusal(demo(replacing: "\"initialRecords\": 5000", with: "\"initialRecords\": 0"))?.field == "replay.initialRecords")
        #expect(refusal(demo(replacing: "\"days\": 30", with: "\"days\": 3661"))?.field == "days")
    }

    @Test func badStartIsRefusedByName() {
        for start in ["2026-01-01", "2026-02-30T00:00:00Z", "2026-01-01T00:00:00+01:00", "2026-01-01T24:00:00Z"] {
            #expect(refusal(demo(replacing: "2026-01-01T00:00:00Z", with: start))?.field == "start", "\(start)")
        }
    }

    @Test func otherRefusals() {
        #expect(refusal(demo(replacing: "\"name\": \"demo\"", with: "\"name\": \"Demo!\""))?.field == "name")
        #expect(refusal(demo(replacing: "\"days\": 30,", with: ""))?.field == "days")
        #expect(refusal(demo(replacing: "sandbox.regvault.example/demo", with: "sandbox demo"))?.field == "origin")
        #expect(refusal(demo(replacing: "\"role\": \"compliance_officer\"", with: "\"role\": \"bonus_manager\""))?.field == "backOffice")
        #expect(refusal(Array("[1]".utf8))?.field == nil)
        #expect(refusal(Array("{".utf8)) != nil)
    }
}
