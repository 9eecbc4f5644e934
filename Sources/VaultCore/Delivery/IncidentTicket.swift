import Foundation
import VaultFormat
public import VaultStore

/// An incident's ticket, read from the incident's own entries. A platform service (or a built-in
/// rule) opens it with any record on the `incident` stream; a compliance officer acknowledges it
/// and closes it (`acknowledge`, `close`, each an entry with who and why); `notify` is added by the
/// vault in the same batch as the first notice a regulator's destination accepted, or by a
/// compliance officer who notified the regulator another way (a portal, a call), with a reason.
/// Each step is taken at most once; nothing follows `close`. The status is the latest step taken
/// (`open` before any): open → acknowledged → notified → closed, or open → notified →
/// acknowledged → closed when a notice went out at once.
///
/// The steps' entries carry the incident's latest state with a `ticket` member added (what the
/// ticket looks like after the step), so the entity's history reads as one story; the status
/// itself is derived from the entries' actions, never from a state a later write could lose.
public struct IncidentTicket: Sendable, Equatable {
    /// The actions of the ticket's own entries: they never route an incident to a destination again.
    public static let actions: Set<String> = RecordValidator.ticketActions

    public enum Status: String, Sendable {
        case open, acknowledged, notified, closed
    }

    /// One step: when, by whom, why (and, for `notify`, which delivery reached the regulator).
    public struct Step: Sendable, Equatable {
        public var at: Int64
        public var by: String
        public var reason: String?
        public var deliveryId: String?
        public var seq: Int64

        var json: JSONValue {
            var object: [String: JSONValue] = ["at": .string(Timestamp.format(millis: at)), "by": .string(by), "seq": .int(seq)]
            if let reason { object["reason"] = .string(reason) }
            if let deliveryId { object["deliveryId"] = .string(deliveryId) }
            return .object(object)
        }
    }

    public var acknowledged: Step?
    public var notified: Step?
    public var closed: Step?

    /// The latest step taken, by seq.
    public var status: Status {
        if closed != nil { return .closed }
        switch (acknowledged, notified) {
        case let (acknowledged?, notified?): return acknowledged.seq > notified.seq ? .acknowledged : .notified
        case (.some, nil): return .acknowledged
        case (nil, .some): return .notified
        case (nil, nil): return .open
        }
    }

    /// The ticket of an incident with these entries (oldest first); erased entries are skipped.
    public init(records: [StoredRecord]) throws {
        for record in records {
            // Only the vault's own step entries count (their event ids are reserved: no client can write one).
            guard record.eventId.hasPrefix("ticket:"), let body = record.body,
                  let object = try JSONParser.parse([UInt8](body)).objectValue,
                  let action = object["action"]?.stringValue, IncidentTicket.actions.contains(action) else { continue }
            let deliveryId = action == "notify"
                ? object["state"]?.objectValue?["ticket"]?.objectValue?["notified"]?.objectValue?["deliveryId"]?.stringValue : nil
            // The step's time is the entry's occurredAt: the time its state's ticket shows too.
            let step = Step(at: record.occurredAt, by: object["actor"]?.objectValue?["id"]?.stringValue ?? "",
                            reason: object["reason"]?.stringValue, deliveryId: deliveryId, seq: record.seq)
            switch action {
            case "acknowledge": acknowledged = acknowledged ?? step
            case "notify": notified = notified ?? step
            default: closed = closed ?? step
            }
        }
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["status": .string(status.rawValue)]
        if let acknowledged { object["acknowledged"] = acknowledged.json }
        if let notified { object["notified"] = notified.json }
        if let closed { object["closed"] = closed.json }
        return .object(object)
    }
}

extension LogWriter {
    /// A compliance officer's step on incident `entityType`/`entityId`: `acknowledge` (once, before
    /// it is closed), `notify` (once, with a reason: how and when the regulator was told outside the
    /// vault's destinations) or `close` (once, with a reason). Returns the ticket once the entry is
    /// durable. Throws not found for an unknown incident, conflict for a step already taken or
    /// after close.
    public func advanceIncident(entityType: String = "incident", entityId: String, action: String, reason: String?,
                                actor: VaultActor) async throws -> IncidentTicket {
        guard ["acknowledge", "notify", "close"].contains(action) else {
            throw VaultError(.invalidRequest, "an incident is acknowledged, notified or closed, not \(action)")
        }
        if action == "close", (reason ?? "").isEmpty {
            throw VaultError(.invalidRequest, "closing an incident needs a reason (what was done, what was found)")
        }
        if action == "notify", (reason ?? "").isEmpty {
            throw VaultError(.invalidRequest, "recording a notification needs a reason: how and when the regulator was told "
                + "(a portal reference, a call)")
        }
        let history = try store.history(entityType: entityType, entityId: entityId)
            .filter { $0.stream == RecordSchema.Stream.incident.rawValue }
        guard !history.isEmpty else { throw VaultError(.notFound, "no incident \(entityType)/\(entityId)") }
        let ticket = try IncidentTicket(records: history)
        if ticket.closed != nil { throw VaultError(.conflict, "incident \(entityId) is closed") }
        if action == "acknowledge", let acknowledged = ticket.acknowledged {
            throw VaultError(.conflict, "incident \(entityId) was acknowledged by \(acknowledged.by)")
        }
        if action == "notify", let notified = ticket.notified {
            throw VaultError(.conflict, "incident \(entityId) was notified at \(Timestamp.format(millis: notified.at)) by \(notified.by)")
        }
        let now = max(clock.nowMillis(), lastRecordedAt)
        let record = try Self.ticketEntry(history: history, ticket: ticket, action: action, actor: actor, reason: reason, deliveryId: nil,
                                          at: now)
        do {
            _ = try await append([record])
        } catch let rejection as RecordRejection where rejection.code == .conflict {
            // The step's event id is the incident's and the action's: someone took it in the meantime.
            throw VaultError(.conflict, "incident \(entityId) was just \(["close": "closed", "notify": "notified"][action] ?? "acknowledged") "
                + "by someone else")
        }
        return try IncidentTicket(records: store.history(entityType: entityType, entityId: entityId)
            .filter { $0.stream == RecordSchema.Stream.incident.rawValue })
    }

    /// The `notify` entry for an incident whose notice `delivery` was just accepted, or nil when
    /// its ticket was already notified or closed (or the incident is gone).
    func notifyEntry(for delivery: Delivery, at now: Int64) throws -> ValidatedRecord? {
        guard delivery.subject.kind == "incident", delivery.status == .delivered else { return nil }
        let history = try store.history(entityType: delivery.subject.entityType, entityId: delivery.subject.entityId)
            .filter { $0.stream == RecordSchema.Stream.incident.rawValue }
        let ticket = try IncidentTicket(records: history)
        guard !history.isEmpty, ticket.notified == nil, ticket.closed == nil else { return nil }
        return try Self.ticketEntry(history: history, ticket: ticket, action: "notify", actor: Delivery.actor,
                                    reason: "notice accepted by \(delivery.destination)", deliveryId: delivery.id, at: now)
    }

    /// The step's entry: the incident's latest state with `ticket` as it stands after the step.
    static func ticketEntry(history: [StoredRecord], ticket: IncidentTicket, action: String, actor: VaultActor, reason: String?,
                            deliveryId: String?, at now: Int64) throws -> ValidatedRecord {
        let latest = history.last!
        let body = try latest.body.flatMap { try JSONParser.parse([UInt8]($0)).objectValue } ?? [:]
        var state = try latest.stateAfter.flatMap { try JSONParser.parse([UInt8]($0)).objectValue }
            ?? body["state"]?.objectValue ?? [:]
        var after = ticket
        let step = IncidentTicket.Step(at: now, by: actor.id, reason: reason, deliveryId: deliveryId, seq: -1)
        switch action {
        case "acknowledge": after.acknowledged = step
        case "notify": after.notified = step
        default: after.closed = step
        }
        var ticketState = after.json.objectValue ?? [:]
        for key in ["acknowledged", "notified", "closed"] {
            // A step's seq is only known once appended; the state keeps when, who, why.
            if var member = ticketState[key]?.objectValue { member["seq"] = nil; ticketState[key] = .object(member) }
        }
        state["ticket"] = .object(ticketState)
        var record: [String: JSONValue] = [
            "eventId": .string("ticket:\(latest.entityType):\(latest.entityId):\(action)"),
            "stream": .string(RecordSchema.Stream.incident.rawValue),
            "entity": .object(["type": .string(latest.entityType), "id": .string(latest.entityId)]),
            "action": .string(action), "actor": actor.json, "occurredAt": .string(Timestamp.format(millis: now)),
            "jurisdiction": .string(body["jurisdiction"]?.stringValue ?? ""), "state": .object(state),
        ]
        if let reason { record["reason"] = .string(reason) }
        return try RecordValidator(vaultWritten: true).validate(JSONValue.object(record).canonicalBytes, now: now)
    }
}
