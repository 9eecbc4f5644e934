import Foundation
import VaultFormat
import VaultStore

/// Legal holds, retention changes and erasure. Each of these first lets every queued commit finish,
/// then reads the state it decides on and sequences its entry without suspending in between, so no
/// other batch can change that state (a hold placed, an erasure made) between the decision and the
/// entry that records it. Log order is decision order.
extension LogWriter {
    /// Places a legal hold and returns it once its entry is durable.
    public func placeHold(scope: LegalHold.Scope, caseReference: String, reason: String, actor: VaultActor) async throws
        -> (hold: LegalHold, seq: Int64) {
        try LegalHold.checkText(caseReference: caseReference, reason: reason)
        let now = max(clock.nowMillis(), lastRecordedAt)
        let hold = LegalHold(id: "hold-" + UUID().uuidString.lowercased(), scope: scope, caseReference: caseReference,
                             reason: reason, placedBy: actor.id, placedAt: now)
        let record = VaultRecord.make(stream: .hold, kind: .legalHold, entityType: LegalHold.entityType, entityId: hold.id,
                                      action: "place", actor: actor, at: now, reason: reason, state: hold.state)
        // A hold needs no decision, but it must be in the log before any erasure decided after this call.
        try await reloadAfterFailedCommit()
        let seq = try await sequenceNow([record]).acknowledged()[0].seq
        return (hold, seq)
    }

    /// Lifts an active legal hold; refuses an unknown or already lifted one.
    public func liftHold(id: String, reason: String, actor: VaultActor) async throws -> (hold: LegalHold, seq: Int64) {
        try LegalHold.checkText(caseReference: "-", reason: reason)
        try await quiesce()
        guard var hold = try ledger.holds().first(where: { $0.id == id }) else {
            throw VaultError(.notFound, "no legal hold \(id)")
        }
        guard hold.isActive else { throw VaultError(.conflict, "legal hold \(id) was already lifted") }
        let now = max(clock.nowMillis(), lastRecordedAt)
        hold.lifted = LegalHold.Lifted(by: actor.id, at: now, reason: reason)
        let record = VaultRecord.make(stream: .hold, kind: .legalHold, entityType: LegalHold.entityType, entityId: id,
                                      action: "lift", actor: actor, at: now, reason: reason, state: hold.state)
        let seq = try await sequenceNow([record]).acknowledged()[0].seq
        return (hold, seq)
    }

    /// Changes one record's retention (extend, governance shortening, lock in compliance mode) if
    /// `RetentionState` allows it, and records the change. Returns the new state.
    public func changeRetention(seq: Int64, change: RetentionState.Change, actor: VaultActor, reason: String?) async throws
        -> (state: RetentionState, seq: Int64) {
        if let reason { try LegalHold.checkText(caseReference: "-", reason: reason) }
        try await quiesce()
        let (subject, state) = try ledger.state(seq: seq)
        guard subject.stream != VaultStream.hold.rawValue, subject.stream != VaultStream.erasure.rawValue,
              subject.stream != VaultStream.policy.rawValue, subject.stream != VaultStream.retention.rawValue else {
            throw VaultError(.forbidden, "record \(seq) is the vault's own evidence, kept for as long as the log exists")
        }
        let next = try state.applying(change)
        let now = max(clock.nowMillis(), lastRecordedAt)
        let action: String
        switch change {
        case .extend: action = "extend"
        case .shorten: action = "governance_bypass"
        case .lockInComplianceMode: action = "lock_compliance"
        default: throw VaultError(.invalidRequest, "not a retention change")
        }
        let record = VaultRecord.make(
            stream: .retention, kind: .retention, entityType: RetentionLedger.changeEntityType, entityId: "seq-\(seq)",
            action: action, actor: actor, at: now, reason: reason,
            state: .object(["seq": .int(seq), "mode": .string(next.mode.name),
                            "retainUntil": .string(Timestamp.format(millis: next.retainUntil))]))
        let changeSeq = try await sequenceNow([record]).acknowledged()[0].seq
        return (next, changeSeq)
    }

    /// Erases those of `seqs` whose retention has ended and that no hold covers, with one erasure
    /// entry that lists each erased record, its class, retain-until and the rule it expired under.
    /// Returns the erasure entry's seq (nil when nothing was erasable) and what was erased.
    public func erase(seqs: [Int64]) async throws -> (erasureSeq: Int64?, erased: [Int64], refused: [Int64: RetentionRefusal]) {
        try await quiesce()
        let now = max(clock.nowMillis(), lastRecordedAt)
        let subjects = try store.subjects(seqs: seqs)
        let states = try ledger.states(of: Array(subjects.values), holds: try ledger.holds())
        var erasable: [RetentionSubject] = []
        var refused: [Int64: RetentionRefusal] = [:]
        var listed: [JSONValue] = []
        var rules: [String: JSONValue] = [:]
        for seq in seqs.sorted() {
            guard let subject = subjects[seq], let state = states[seq] else { continue }
            if let refusal = state.erasureRefusal(now: now) {
                refused[seq] = refusal
                continue
            }
            let entry = try Entry(parsing: subject.entry)
            erasable.append(subject)
            // What a verifier needs to check the erasure: the rule's end, and what a hold could have covered.
            var item: [String: JSONValue] = [
                "seq": .int(seq), "class": .string(entry.retentionClass),
                "retainUntil": .string(Timestamp.format(millis: state.retainUntil)), "stream": .string(subject.stream),
                "entity": .object(["type": .string(subject.entityType), "id": .string(subject.entityId)]),
            ]
            if let player = subject.playerId { item["playerId"] = .string(player) }
            listed.append(.object(item))
            if let (policy, rule) = ledger.policies.rule(forClass: entry.retentionClass) {
                rules[entry.retentionClass] = .object(["policy": .string(policy.reference), "years": .int(Int64(rule.years)),
                                                       "trigger": .string(rule.trigger.rawValue), "source": .string(rule.source)])
            }
        }
        guard !erasable.isEmpty else { return (nil, [], refused) }
        let day = String(Timestamp.format(millis: now).prefix(10))
        let record = VaultRecord.make(stream: .erasure, kind: .erasure, entityType: "erasure", entityId: day, action: "erase",
                                      actor: VaultActor(id: "regvault"), at: now,
                                      extra: ["erased": .array(listed), "rules": .object(rules)])
        let erasureSeq = try await sequenceNow([record], erasures: erasable).acknowledged()[0].seq
        // The erasure is durable; now the erased object versions' files go too.
        for subject in erasable where subject.stream == VaultStream.object.rawValue {
            try objectFiles?.remove(eventId: subject.eventId)
        }
        return (erasureSeq, erasable.map(\.seq), refused)
    }

    /// Waits until no commit is queued (reloading after a failed one). Other calls may sequence
    /// batches while this one waits, so it waits again until the queue is seen empty on the actor;
    /// the caller then decides and sequences without suspending.
    func quiesce() async throws {
        repeat {
            try? await commits.drain()
            try await reloadAfterFailedCommit()
        } while !commits.isIdle
    }

    var ledger: RetentionLedger { RetentionLedger(store: store, policies: policies) }
}

extension LegalHold {
    static func checkText(caseReference: String, reason: String) throws(VaultError) {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty,
              RecordSchema.isPlainText(reason, maxLength: RecordSchema.maxReasonLength) else {
            throw VaultError(.invalidRequest, "a reason is required: text of 1 to \(RecordSchema.maxReasonLength) characters")
        }
        guard RecordSchema.isIdentifier(caseReference) else {
            throw VaultError(.invalidRequest, "the case reference must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ / -")
        }
    }
}
