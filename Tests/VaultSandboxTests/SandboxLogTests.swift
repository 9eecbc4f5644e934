import Foundation
import Testing
import VaultCore
import VaultFormat
@testable import VaultSandbox

@Suite("the sandbox log replays a scenario reproducibly", .serialized)
struct SandboxLogTests {
    static func temporaryDirectory(_ name: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("regvault-sandbox-\(name)-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static let demo = try! ScenarioSource(nameOrPath: "demo")

    func latestNote(_ log: SandboxLog) throws -> String {
        try #require(try log.current()?.vault.latestCheckpoint()).serialized
    }

    @Test("two sandboxes replaying the same scenario sign identical checkpoints after loading and after each tick")
    func deterministic() async throws {
        let first = SandboxLog(root: Self.temporaryDirectory("a")), second = SandboxLog(root: Self.temporaryDirectory("b"))
        try await first.start(Self.demo)
        try await second.start(Self.demo)
        let generation = try #require(first.current())
        #expect(generation.initialSize == Int64(Self.demo.scenario.replay.initialRecords) + 1, "one policy entry, then the records")
        #expect(try latestNote(first) == latestNote(second))
        for _ in 0..<3 {
            #expect(try await first.tick() == Self.demo.scenario.replay.recordsPerTick)
            try await second.tick()
            #expect(try latestNote(first) == latestNote(second))
        }
        // The note is signed by the published, derived key and verifies with it.
        let key = try SandboxKey.signer(for: Self.demo).verifierKey
        let signed = try SignedCheckpoint(verifying: Array(try latestNote(first).utf8), verifierKeys: [key])
        #expect(signed.checkpoint.size == UInt64(generation.initialSize) + 3 * UInt64(Self.demo.scenario.replay.recordsPerTick))
        #expect(generation.vault.verifierKey == key)
    }

    @Test("a restarted sandbox continues where it stopped, giving the log an uninterrupted replay gives")
    func resumes() async throws {
        let root = Self.temporaryDirectory("resume")
        do {
            let log = SandboxLog(root: root)
            try await log.start(Self.demo)
            try await log.tick()
        }
        let reopened = SandboxLog(root: root)
        try await reopened.start(Self.demo)
        #expect(await reopened.status()?.replayed == Self.demo.scenario.replay.initialRecords + Self.demo.scenario.replay.recordsPerTick)
        try await reopened.tick()

        let straight = SandboxLog(root: Self.temporaryDirectory("straight"))
        try await straight.start(Self.demo)
        try await straight.tick()
        try await straight.tick()
        #expect(try latestNote(reopened) == latestNote(straight))
        #expect(reopened.current()?.initialSize == straight.current()?.initialSize)
    }

    @Test("every record is recorded within the hour it occurred, at the scenario's time")
    func recordedAtScenarioTime() async throws {
        let log = SandboxLog(root: Self.temporaryDirectory("times"))
        try await log.start(Self.demo)
        let vault = try #require(log.current()).vault
        let records = try vault.store.recordsForCheck(from: 0, to: try vault.store.treeSize()).map(\.record)
            .filter { $0.eventId.hasPrefix("sbx-") }
        #expect(records.count == Self.demo.scenario.replay.initialRecords)
        for record in records {
            #expect(record.recordedAt >= record.occurredAt && record.recordedAt <= record.occurredAt + SandboxLog.maxBatchSpanMillis + 1000,
                    "\(record.eventId)")
        }
        #expect(records.first.map { $0.recordedAt < Self.demo.scenario.startMillis + 86_400_000 } == true, "day one is recorded on day one")
    }

    @Test("a reset rebuilds the log beside the old one, switches to it and removes the old one")
    func reset() async throws {
        let root = Self.temporaryDirectory("reset")
        let log = SandboxLog(root: root)
        try await log.start(Self.demo)
        let before = try latestNote(log)
        let old = try #require(log.current()).directory
        try await log.tick()
        try await log.reset(to: Self.demo)
        let new = try #require(log.current()).directory
        #expect(new != old)
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(try String(contentsOfFile: root + "/current", encoding: .utf8) == (new as NSString).lastPathComponent + "\n")
        #expect(try latestNote(log) == before, "the same scenario gives the same log again")
    }

    @Test("a scenario changed in any byte is not continued: the sandbox starts over")
    func changedScenarioStartsOver() async throws {
        let root = Self.temporaryDirectory("changed")
        let log = SandboxLog(root: root)
        try await log.start(Self.demo)
        let old = try #require(log.current()).directory
        let changed = try ScenarioSource(text: Self.demo.text.replacingOccurrences(of: #""name": "demo""#, with: #""name": "demo-copy""#))
        let restarted = SandboxLog(root: root)
        try await restarted.start(changed)
        #expect(try #require(restarted.current()).directory != old)
    }

    @Test("a scenario file needs a sandbox. origin, may not pass off a modified copy as a built-in, and signs with its own key")
    func scenarioSources() throws {
        let reseeded = Self.demo.text.replacingOccurrences(of: #""seed": 1,"#, with: #""seed": 7,"#)
        #expect(reseeded != Self.demo.text)
        #expect(throws: ScenarioError.self) { try ScenarioSource(text: reseeded) }
        let renamed = reseeded.replacingOccurrences(of: #""name": "demo""#, with: #""name": "demo-seed-7""#)
        let copy = try ScenarioSource(text: renamed)
        #expect(try SandboxKey.signer(for: copy).verifierKey != SandboxKey.signer(for: Self.demo).verifierKey,
                "a different scenario under the same origin signs with another key")
        let production = renamed.replacingOccurrences(of: "sandbox.regvault.example/demo", with: "vault.operator.example/log")
        #expect(throws: ScenarioError.self) { try ScenarioSource(text: production) }
    }

    @Test("the production log refuses sandbox records and the sandbox log refuses everything else")
    func isolation() throws {
        let record = #"{"eventId":"ID","stream":"kyc","entity":{"type":"player","id":"p-1"},"action":"status_change","actor":{"id":"kyc"},"occurredAt":"2026-01-01T00:00:00Z","jurisdiction":"MT"}"#
        let now: Int64 = 1_800_000_000_000
        let sandboxRecord = Array(record.replacingOccurrences(of: "ID", with: "sbx-1").utf8)
        let productionRecord = Array(record.replacingOccurrences(of: "ID", with: "evt-1").utf8)
        #expect(throws: RecordRejection(.wrongLog, field: "eventId", "")) { try RecordValidator().validate(sandboxRecord, now: now) }
        #expect(throws: RecordRejection(.wrongLog, field: "eventId", "")) {
            try RecordValidator(sandbox: true).validate(productionRecord, now: now)
        }
        _ = try RecordValidator().validate(productionRecord, now: now)
        _ = try RecordValidator(sandbox: true).validate(sandboxRecord, now: now)
    }

    @Test("the published verifier key of every built-in scenario is the derived one")
    func publishedKeys() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for name in Scenario.builtInNames {
            let source = try ScenarioSource(nameOrPath: name)
            let published = try String(contentsOf: repository.appendingPathComponent("sandbox/keys/\(name).vkey"), encoding: .utf8)
            #expect(published == (try SandboxKey.signer(for: source).verifierKey.description) + "\n", "\(name)")
        }
    }
}
