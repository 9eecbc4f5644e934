import Foundation
import Testing
import VaultCore
import VaultFormat
import VaultJSON

@Suite("entity history and diffs")
struct EntityHistoryTests {
    func diffs(_ fixture: VaultFixture, _ type: String = "bonusRule", _ id: String = "123") throws -> [String] {
        try fixture.vault.history(entityType: type, entityId: id).map { item in
            String(decoding: try #require(RecordDiff.of(item.record)).canonicalBytes, as: UTF8.self)
        }
    }

    @Test("successive states are stored with RFC 6902 patches from the previous state and version numbers")
    func diffsFromStates() async throws {
        let fixture = try VaultFixture()
        try await fixture.append([
            bonusRuleChange("e1", state: #"{"maxBonus":100,"wagering":35}"#),
            bonusRuleChange("e2", id: "999", state: #"{"maxBonus":1}"#),
        ])
        try await fixture.append([bonusRuleChange("e3", state: #"{"maxBonus":200,"wagering":35,"active":true}"#)])
        try await fixture.append([bonusRuleChange("e4", state: #"{"wagering":30}"#)])
        let history = try fixture.vault.history(entityType: "bonusRule", entityId: "123")
        #expect(history.map(\.record.version) == [1, 2, 3])
        #expect(history.map(\.record.seq) == [1, 3, 4])
        // A first version's diff is its whole state, which the record holds: it is not stored again.
        #expect(history.map { $0.record.diff == nil } == [true, false, false])
        #expect(try diffs(fixture) == [
            #"[{"op":"add","path":"","value":{"maxBonus":100,"wagering":35}}]"#,
            #"[{"op":"replace","path":"/maxBonus","value":200},{"op":"add","path":"/active","value":true}]"#,
            #"[{"op":"remove","path":"/active"},{"op":"remove","path":"/maxBonus"},{"op":"replace","path":"/wagering","value":30}]"#,
        ])
        #expect(try fixture.vault.history(entityType: "bonusRule", entityId: "999").map(\.record.version) == [1])
    }

    @Test("diffs continue correctly after a restart, when the previous state is read from storage")
    func diffsAcrossRestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        let clock = ManualClock(millis: VaultFixture.now)
        let validator = RecordValidator()
        func append(_ record: String) async throws {
            // A new vault object and writer each time: nothing is cached between the two appends.
            let writer = try Vault.open(at: path).makeWriter(clock: clock)
            _ = try await writer.append([try validator.validate(Array(record.utf8), now: clock.nowMillis())])
        }
        try Vault.create(at: path, origin: "restart.test/log")
        try await append(bonusRuleChange("e1", state: #"{"maxBonus":100,"wagering":35}"#))
        try await append(bonusRuleChange("e2", state: #"{"maxBonus":120,"wagering":35}"#))
        let history = try Vault.open(at: path).history(entityType: "bonusRule", entityId: "123")
        #expect(history.map(\.record.version) == [1, 2])
        #expect(history[1].record.diff.map { String(decoding: $0, as: UTF8.self) }
                == #"[{"op":"replace","path":"/maxBonus","value":120}]"#)
    }

    @Test("an explicit diff is applied to the current state; one that does not apply is refused")
    func explicitDiff() async throws {
        let fixture = try VaultFixture()
        try await fixture.append([bonusRuleChange("e1", state: #"{"maxBonus":100,"games":["slots"]}"#)])
        let patch = #"{"eventId":"e2","stream":"audit.change","entity":{"type":"bonusRule","id":"123"},"action":"update","actor":{"id":"bo-admin-2"},"occurredAt":"2026-11-20T11:00:00Z","reason":"add live games","jurisdiction":"MT","diff":[{"op":"add","path":"/games/-","value":"live"}]}"#
        try await fixture.append([patch])
        // The next full state is diffed against the state the explicit diff produced.
        try await fixture.append([bonusRuleChange("e3", state: #"{"maxBonus":100,"games":["slots","live"],"active":true}"#)])
        #expect(try diffs(fixture).suffix(2) == [
            #"[{"op":"add","path":"/games/-","value":"live"}]"#,
            #"[{"op":"add","path":"/active","value":true}]"#,
        ])
        let bad = patch.replacingOccurrences(of: "\"e2\"", with: "\"e4\"")
            .replacingOccurrences(of: #"{"op":"add","path":"/games/-","value":"live"}"#, with: #"{"op":"remove","path":"/nothing"}"#)
        await #expect(throws: RecordRejection(.invalidField, field: "diff", "")) { try await fixture.append([bad]) }
        #expect(try fixture.vault.checkpointSize() == 4)
    }

    @Test("an event without state keeps the entity's state for the next diff")
    func eventWithoutState() async throws {
        let fixture = try VaultFixture()
        try await fixture.append([bonusRuleChange("e1", state: #"{"maxBonus":100}"#)])
        let review = #"{"eventId":"e2","stream":"audit.change","entity":{"type":"bonusRule","id":"123"},"action":"review","actor":{"id":"compliance-1"},"occurredAt":"2026-11-20T11:00:00Z","reason":"quarterly review","jurisdiction":"MT"}"#
        try await fixture.append([review])
        try await fixture.append([bonusRuleChange("e3", state: #"{"maxBonus":150}"#)])
        let history = try fixture.vault.history(entityType: "bonusRule", entityId: "123")
        #expect(history.map(\.record.version) == [1, 2, 3])
        #expect(history[1].record.diff == nil)
        #expect(String(decoding: try #require(history[2].record.diff), as: UTF8.self)
                == #"[{"op":"replace","path":"/maxBonus","value":150}]"#)
    }
}
