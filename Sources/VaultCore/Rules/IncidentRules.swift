import Foundation
import VaultFormat
import VaultReports
public import VaultStore

/// The built-in rules that raise incidents from what the vault already holds (docs/RULES.md).
/// Each looks at one newly stored record and the history stored before it (lower seqs), never
/// after, so evaluating the same record again finds the same thing: a rule's incident has an
/// event id made of the rule and the record, and a second evaluation is a duplicate the log
/// recognises rather than a second incident.
public struct IncidentRules: Sendable {
    /// Thresholds, each documented in docs/RULES.md.
    public struct Settings: Sendable, Equatable {
        /// Structuring: deposits in `[band × threshold, threshold)` count; `count` of them by one
        /// player within `windowHours` raise it. Amounts in the payment's own currency.
        public var structuringThresholdMinor: Int64 = 200_000
        public var structuringBandPercent: Int64 = 90
        public var structuringCount = 3
        public var structuringWindowHours: Int64 = 24
        /// Pass-through: a withdrawal of at least `sharePercent` of the deposits of the
        /// `windowHours` before it, when those deposits reach `minimumMinor`.
        public var passThroughSharePercent: Int64 = 80
        public var passThroughMinimumMinor: Int64 = 50_000
        public var passThroughWindowHours: Int64 = 24
        /// Game and RNG configuration: entity types whose changes need a second person's approval.
        public var approvedEntityTypes: Set<String> = ["gameConfig", "rngConfig", "rtpConfig", "paytable"]

        public init() {}
    }

    public static let actor = VaultActor(id: "regvault-rules", role: "system")

    public let settings: Settings

    public init(settings: Settings = Settings()) { self.settings = settings }

    /// What one rule found about one record: an incident to open.
    public struct Finding: Sendable, Equatable {
        public var rule: String
        public var kind: String
        public var severity: String
        /// Why, in words a compliance officer can check against the cited records.
        public var explanation: String
        public var trigger: RuleRecord
        public var players: [String]
        /// The records the finding rests on (event ids), the trigger last.
        public var evidence: [String]
        public var thresholds: [String: JSONValue]

        /// The incident's entry: entity `incident`/`rule-<rule>-<hash of the trigger's event id>`,
        /// dated when the trigger happened (its deadlines count from then).
        public func record(now: Int64) throws -> ValidatedRecord {
            let id = "rule-\(rule)-" + Hash.sha256(Array(trigger.eventId.utf8)).hex.prefix(16)
            var state: [String: JSONValue] = [
                "kind": .string(kind), "severity": .string(severity), "rule": .string(rule), "explanation": .string(explanation),
                "players": .array(players.map(JSONValue.string)), "evidence": .array(evidence.map(JSONValue.string)),
                "thresholds": .object(thresholds),
            ]
            state["triggerSeq"] = .int(trigger.seq)
            var object: [String: JSONValue] = [
                "eventId": .string("rule:\(rule):\(trigger.eventId)"), "stream": .string(RecordSchema.Stream.incident.rawValue),
                "entity": .object(["type": .string("incident"), "id": .string(id)]), "action": .string("open"),
                "actor": IncidentRules.actor.json, "occurredAt": .string(Timestamp.format(millis: trigger.occurredAt)),
                "jurisdiction": .string(trigger.jurisdiction), "reason": .string(explanation), "state": .object(state),
            ]
            if let player = players.first { object["playerId"] = .string(player) }
            return try RecordValidator(vaultWritten: true).validate(JSONValue.object(object).canonicalBytes, now: max(now, trigger.occurredAt))
        }
    }

    /// Every rule's findings about `record`, reading its history from `store`.
    public func evaluate(_ record: StoredRecord, store: any VaultStorage) throws -> [Finding] {
        guard let trigger = try RuleRecord(record) else { return [] }
        var findings: [Finding] = []
        if let finding = try selfExclusionPayment(trigger, store: store) { findings.append(finding) }
        if let finding = try structuring(trigger, store: store) { findings.append(finding) }
        if let finding = try passThrough(trigger, store: store) { findings.append(finding) }
        if let finding = changeWithoutApprover(trigger) { findings.append(finding) }
        return findings
    }
}

extension IncidentRules {
    /// **refused_access_run** (P2, `security_breach`): `count` requests from one identity (or
    /// address) refused within the window, filed under the operator's `jurisdiction`; its entity
    /// is `incident`/`rule-refused_access_run-<hash of who and when the run began>`.
    public static func refusedAccessRun(who: String, count: Int, firstAt: Int64, lastAt: Int64, reasons: [String], threshold: Int,
                                        windowMinutes: Int, jurisdiction: String, summary: String) throws -> ValidatedRecord {
        let id = "rule-refused_access_run-" + Hash.sha256(Array("\(who)\n\(firstAt)".utf8)).hex.prefix(16)
        let record: JSONValue = .object([
            "eventId": .string("rule:refused_access_run:\(id)"), "stream": .string(RecordSchema.Stream.incident.rawValue),
            "entity": .object(["type": .string("incident"), "id": .string(id)]), "action": .string("open"),
            "actor": actor.json, "occurredAt": .string(Timestamp.format(millis: firstAt)),
            "jurisdiction": .string(jurisdiction), "reason": .string(summary),
            "state": .object([
                "kind": .string("security_breach"), "severity": .string("P2"), "rule": .string("refused_access_run"),
                "explanation": .string(summary), "identity": .string(who), "refusals": .int(Int64(count)),
                "reasons": .array(reasons.map(JSONValue.string)),
                "thresholds": .object(["count": .int(Int64(threshold)), "windowMinutes": .int(Int64(windowMinutes))]),
            ]),
        ])
        return try RecordValidator(vaultWritten: true).validate(record.canonicalBytes, now: lastAt)
    }
}

/// A stored record as the rules read it: its envelope and its state after the change.
public struct RuleRecord: Sendable, Equatable {
    public var seq: Int64
    public var eventId: String
    public var stream: String
    public var entityType: String
    public var entityId: String
    public var action: String
    public var actorId: String
    public var approverId: String?
    public var playerId: String?
    public var jurisdiction: String
    public var occurredAt: Int64
    public var state: [String: JSONValue]

    /// Nil for an erased record.
    init?(_ record: StoredRecord) throws {
        guard let body = record.body, let object = try JSONParser.parse([UInt8](body)).objectValue else { return nil }
        seq = record.seq
        eventId = record.eventId
        stream = record.stream
        entityType = record.entityType
        entityId = record.entityId
        action = object["action"]?.stringValue ?? ""
        actorId = object["actor"]?.objectValue?["id"]?.stringValue ?? ""
        approverId = object["approver"]?.objectValue?["id"]?.stringValue
        playerId = record.playerId
        jurisdiction = object["jurisdiction"]?.stringValue ?? ""
        occurredAt = record.occurredAt
        state = try record.stateAfter.flatMap { try JSONParser.parse([UInt8]($0)).objectValue } ?? object["state"]?.objectValue ?? [:]
    }

    /// A money field in minor units (a decimal string, or a JSON number read as it prints).
    func minorUnits(_ field: String) -> Int64? {
        guard let value = state[field] else { return nil }
        return (value.stringValue ?? value.numberText).flatMap { Money.minorUnits($0) }
    }

    /// A payment the player's money actually moved in (not declined, failed or cancelled).
    var isSettledPayment: Bool {
        stream == RecordSchema.Stream.payment.rawValue
            && !["declined", "failed", "rejected", "cancelled", "canceled", "reversed"].contains(state["status"]?.stringValue ?? "")
    }

    var currency: String { state["currency"]?.stringValue ?? "" }
}
