import Foundation
import VaultCore
import VaultFormat

/// A fresh vault in a temporary directory, a clock that moves only when told, and helpers to make
/// records.
struct VaultFixture {
    let path: String
    let vault: Vault
    let clock: ManualClock
    let writer: LogWriter

    /// The first batch of a new vault starts with the entry of its retention policy (the operator
    /// default), so the first record's seq is 1.
    static let firstRecordSeq: Int64 = 1

    /// 2026-11-20T12:00:00Z.
    static let now: Int64 = 1_795_176_000_000

    /// A vault kept in SQLite, or in a fresh PostgreSQL database of the test cluster; the clock
    /// starts at `now`.
    init(origin: String = "test.regvault.local/log", policies: RetentionPolicySet = .operatorDefault,
         backend: StorageBackend = .sqlite, now: Int64 = VaultFixture.now) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        let postgres = backend == .postgres ? try PostgresTestDatabase.make() : nil
        vault = try Vault.create(at: path, origin: origin, policies: policies, postgres: postgres)
        clock = ManualClock(millis: now)
        writer = try vault.makeWriter(clock: clock)
    }

    /// Validates and appends JSON records as one batch.
    @discardableResult
    func append(_ records: [String]) async throws -> [AppendResult] {
        let validator = RecordValidator()
        let validated = try records.enumerated().map { index, text in
            var record = try validator.validate(Array(text.utf8), now: clock.nowMillis())
            record.line = index + 1
            return record
        }
        return try await writer.append(validated)
    }
}

/// The policies in the repository's `retention/` directory.
func repositoryPolicies() throws -> RetentionPolicySet {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return try RetentionPolicySet.load(directory: root.appendingPathComponent("retention").path)
}

/// A record on any stream, for retention tests.
func record(_ eventId: String, stream: String, jurisdiction: String, player: String? = nil, action: String = "update",
            entity: (type: String, id: String) = ("thing", "1"), note: String = "") -> String {
    let playerField = player.map { #","playerId":"\#($0)""# } ?? ""
    return #"{"eventId":"\#(eventId)","stream":"\#(stream)","entity":{"type":"\#(entity.type)","id":"\#(entity.id)"},"action":"\#(action)","actor":{"id":"ops"},"occurredAt":"2026-11-20T10:00:00Z","reason":"test","jurisdiction":"\#(jurisdiction)"\#(playerField),"state":{"note":"\#(note)"}}"#
}

/// A bonus-rule change record with the given event id and state JSON.
func bonusRuleChange(_ eventId: String, id: String = "123", state: String, reason: String = "raise cap") -> String {
    #"{"eventId":"\#(eventId)","stream":"audit.change","entity":{"type":"bonusRule","id":"\#(id)"},"action":"update","actor":{"id":"bo-admin-7","role":"bonus_manager","ip":"10.0.0.5"},"occurredAt":"2026-11-20T10:00:00Z","reason":"\#(reason)","jurisdiction":"MT","state":\#(state)}"#
}
