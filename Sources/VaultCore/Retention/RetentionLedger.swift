import Foundation
import VaultFormat
public import VaultStore

/// Reads the retention state of stored records from the log: each record's entry (mode,
/// retain-until, class), the policy behind its class, the retention changes recorded for it, the
/// business-relationship event its rule may wait for, and the legal holds that cover it.
public struct RetentionLedger: Sendable {
    let store: any VaultStorage
    public let policies: RetentionPolicySet

    public init(store: any VaultStorage, policies: RetentionPolicySet) {
        self.store = store
        self.policies = policies
    }

    /// Every legal hold ever placed, in its latest state, oldest first.
    public func holds() throws -> [LegalHold] {
        try store.latestPerEntity(stream: .hold).compactMap { record in
            guard let body = record.body else { return nil }
            guard let state = try JSONParser.parse(Array(body))["state"] else {
                throw StorageError(.corrupt, "legal hold record \(record.seq) has no state")
            }
            return try LegalHold(state: state)
        }.sorted { $0.placedAt < $1.placedAt }
    }

    /// The states of `subjects`, keyed by seq, given the active `holds`.
    public func states(of subjects: [RetentionSubject], holds: [LegalHold]) throws -> [Int64: RetentionState] {
        var states: [Int64: RetentionState] = [:]
        var rules: [Int64: RetentionPolicy.Rule] = [:]
        for subject in subjects {
            let entry = try Entry(parsing: subject.entry)
            var state = RetentionState(mode: entry.retentionMode, retainUntil: entry.retainUntil, erased: subject.erased)
            if let (_, rule) = policies.rule(forClass: entry.retentionClass) {
                rules[subject.seq] = rule
                // A policy may lengthen a class's period after the record was stored; it never shortens it.
                state.retainUntil = max(state.retainUntil, Timestamp.addingYears(rule.years, toMillis: subject.recordedAt))
                state.awaitingTrigger = rule.trigger == .relationshipEnded && subject.playerId != nil
            }
            state.holds = Set(holds.filter { $0.isActive && $0.scope.covers(subject) }.map(\.id))
            states[subject.seq] = state
        }
        // Retention changes recorded for single records: the latest one holds the current mode and
        // retain-until, each checked by `RetentionState` when it was made.
        let changes = try store.latestRecords(entities: subjects.map { (RetentionLedger.changeEntityType, "seq-\($0.seq)") })
        for subject in subjects {
            guard let change = changes[RetentionLedger.changeEntityType + "\u{0}seq-\(subject.seq)"],
                  let state = try RetentionLedger.stateValue(of: change) else { continue }
            if let mode = state["mode"]?.stringValue.flatMap(RetentionMode.init(name:)),
               let until = state["retainUntil"]?.stringValue.flatMap(Timestamp.parseMillis) {
                states[subject.seq]?.mode = mode
                states[subject.seq]?.retainUntil = until
            }
        }
        // Event-triggered periods start at the end of the business relationship.
        let players = Set(subjects.filter { states[$0.seq]?.awaitingTrigger == true }.compactMap(\.playerId))
        let relationships = try store.latestRecords(entities: players.map { (RetentionLedger.relationshipEntityType, $0) })
        for subject in subjects where states[subject.seq]?.awaitingTrigger == true {
            guard let player = subject.playerId, let rule = rules[subject.seq],
                  let record = relationships[RetentionLedger.relationshipEntityType + "\u{0}" + player],
                  let state = try RetentionLedger.stateValue(of: record), state["status"]?.stringValue == "ended",
                  let endedAt = state["endedAt"]?.stringValue.flatMap(Timestamp.parseMillis) else { continue }
            states[subject.seq] = states[subject.seq]?.applyingTrigger(Timestamp.addingYears(rule.years, toMillis: endedAt))
        }
        return states
    }

    /// The retention state of one record.
    public func state(seq: Int64) throws -> (subject: RetentionSubject, state: RetentionState) {
        guard let subject = try store.subjects(seqs: [seq])[seq] else {
            throw VaultError(.notFound, "no record \(seq)")
        }
        let holds = try holds()
        guard let state = try states(of: [subject], holds: holds)[seq] else {
            throw VaultError(.integrity, "record \(seq) has no retention state")
        }
        return (subject, state)
    }

    static let changeEntityType = "retention"
    static let relationshipEntityType = "relationship"

    /// The `state` of a vault record, or nil when it was erased.
    static func stateValue(of record: StoredRecord) throws -> JSONValue? {
        guard let body = record.body else { return nil }
        return try JSONParser.parse(Array(body))["state"]
    }
}

extension RetentionState {
    func applyingTrigger(_ retainUntil: Int64) -> RetentionState {
        var next = self
        next.awaitingTrigger = false
        next.retainUntil = max(self.retainUntil, retainUntil)
        return next
    }

    /// `{"mode","retainUntil","legalHolds":[...],"awaitingTrigger","erased"}` as the API shows it.
    public var json: JSONValue {
        .object([
            "mode": .string(mode.name),
            "retainUntil": .string(retainUntil == Int64.max ? "indefinite" : Timestamp.format(millis: retainUntil)),
            "legalHolds": .array(holds.sorted().map { .string($0) }), "awaitingTrigger": .bool(awaitingTrigger),
            "erased": .bool(erased),
        ])
    }
}
