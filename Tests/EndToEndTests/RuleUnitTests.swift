import Foundation
import Testing
@testable import VaultConfiguration
@testable import VaultServer

@Suite("The rules' refusal runs and thresholds")
struct RuleUnitTests {
    @Test("a run is the threshold's refusals within the window, reported once per window per identity")
    func refusalRuns() {
        let runs = RefusalRuns(threshold: 3, windowMinutes: 1)
        runs.note("ingest", reason: "role_not_allowed", now: 0)
        runs.note("ingest", reason: "role_not_allowed", now: 10_000)
        runs.note("other", reason: "unknown_identity", now: 20_000)
        #expect(runs.drain().isEmpty)
        runs.note("ingest", reason: "invalid_token", now: 30_000)
        #expect(runs.drain() == [.init(who: "ingest", count: 3, firstAt: 0, lastAt: 30_000,
                                       reasons: ["invalid_token", "role_not_allowed"])])
        for second in 31...40 { runs.note("ingest", reason: "role_not_allowed", now: Int64(second) * 1000) }
        #expect(runs.drain().isEmpty, "one run per window")
        // Spread out, refusals never make a run.
        for minute in 0..<10 { runs.note("slow", reason: "role_not_allowed", now: 200_000 + Int64(minute) * 61_000) }
        #expect(runs.drain().isEmpty)
    }

    @Test("thresholds are checked, naming the option")
    func thresholds() {
        var rules = ServerConfiguration.Rules(jurisdiction: "MT")
        #expect(throws: Never.self) { try rules.validate() }
        rules.structuringThreshold = "2,000"
        #expect { try rules.validate() } throws: { "\($0)".contains("rules.structuringThreshold") }
        rules.structuringThreshold = "2000.5"
        rules.jurisdiction = "UK-"
        #expect { try rules.validate() } throws: { "\($0)".contains("rules.jurisdiction") }
        rules.jurisdiction = nil
        rules.structuringCount = 1
        #expect { try rules.validate() } throws: { "\($0)".contains("rules.structuringCount") }
    }
}
