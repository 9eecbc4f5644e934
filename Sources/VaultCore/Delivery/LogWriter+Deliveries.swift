import Foundation
import VaultFormat
public import VaultStore

extension LogWriter {
    /// Appends a delivery's state after an attempt (`action` is `attempt`, `deliver` or `give_up`)
    /// and returns its seq once durable. A delivery given up on also raises a P2 incident
    /// (`delivery_failed`) in the same batch, so a report that never reached its regulator is on
    /// the incident stream where compliance officers look (a request's answer, which belongs to no
    /// jurisdiction, raises none: `GET /v1/deliveries?status=dead` shows it). An incident's first
    /// accepted notice also appends its ticket's `notify` step in that batch.
    public func recordDelivery(_ delivery: Delivery, action: String) async throws -> Int64 {
        let now = max(clock.nowMillis(), lastRecordedAt)
        var records = [delivery.record(action: action, at: now)]
        if delivery.status == .dead, !delivery.jurisdiction.isEmpty {
            records.append(try Self.deliveryIncident(delivery, at: now))
        }
        guard let notified = try notifyEntry(for: delivery, at: now) else { return try await append(records)[0].seq }
        do {
            return try await append(records + [notified])[0].seq
        } catch let rejection as RecordRejection where rejection.code == .conflict {
            // Another destination's notice was accepted at the same moment and took the `notify` step.
            return try await append(records)[0].seq
        }
    }

    /// Sends a dead delivery again: appends its state as `retrying` (action `retry`, by `actor`, with
    /// the reason), then puts it back in the outbox, due now. Only a `dead` delivery can be retried;
    /// one still on its way is left alone.
    public func retryDelivery(id: String, reason: String, actor: VaultActor, outbox: any OutboxStorage) async throws -> Delivery {
        guard var delivery = try store.latestRecord(entityType: Delivery.entityType, entityId: id).flatMap({ try Delivery(record: $0) })
        else { throw VaultError(.notFound, "no delivery \(id)") }
        guard delivery.status == .dead else {
            throw VaultError(.conflict, "delivery \(id) is \(delivery.status.rawValue); only a dead delivery is sent again")
        }
        let now = max(clock.nowMillis(), lastRecordedAt)
        delivery.status = .retrying
        delivery.nextAttemptAt = now
        let record = VaultRecord.make(stream: .delivery, kind: .record, entityType: Delivery.entityType, entityId: id, action: "retry",
                                      actor: actor, at: now, reason: reason, state: delivery.state, jurisdiction: delivery.jurisdiction)
        delivery.seq = try await append([record])[0].seq
        _ = try outbox.requeueDelivery(id, dueAt: now)
        return delivery
    }

    /// The incident a dead delivery raises: entity `incident`/`delivery-<id>`, kind `delivery_failed`.
    static func deliveryIncident(_ delivery: Delivery, at now: Int64) throws -> ValidatedRecord {
        var details: [String: JSONValue] = [
            "kind": .string("delivery_failed"), "severity": .string("P2"), "deliveryId": .string(delivery.id),
            "destination": .string(delivery.destination), "channel": .string(delivery.channel),
            "subjectEventId": .string(delivery.subject.eventId), "attempts": .int(Int64(delivery.attempts)),
        ]
        if let error = delivery.lastAttempt?.error { details["lastError"] = .string(error) }
        if let status = delivery.lastAttempt?.httpStatus { details["lastHttpStatus"] = .int(Int64(status)) }
        let record: JSONValue = .object([
            "eventId": .string("inc:delivery:\(delivery.id)"), "stream": .string(RecordSchema.Stream.incident.rawValue),
            "entity": .object(["type": .string("incident"), "id": .string("delivery-\(delivery.id)")]),
            "action": .string("open"), "actor": Delivery.actor.json, "occurredAt": .string(Timestamp.format(millis: now)),
            "jurisdiction": .string(delivery.jurisdiction),
            "reason": .string("\(delivery.subject.kind) \(delivery.subject.eventId) could not be delivered to "
                + "\(delivery.destination) after \(delivery.attempts) attempt\(delivery.attempts == 1 ? "" : "s")"),
            "state": .object(details),
        ])
        return try RecordValidator(vaultWritten: true).validate(record.canonicalBytes, now: now)
    }
}

extension Vault {
    /// Every delivery's latest state, newest first; with `status`, only those in it.
    public func deliveries(status: Delivery.Status? = nil) throws -> [Delivery] {
        try store.latestPerEntity(stream: .delivery).compactMap { try Delivery(record: $0) }
            .filter { status == nil || $0.status == status }
            .sorted { $0.seq > $1.seq }
    }

    /// One delivery's every state, oldest first: its enqueue and each attempt (empty if unknown).
    public func deliveryHistory(id: String) throws -> [Delivery] {
        try store.history(entityType: Delivery.entityType, entityId: id).compactMap { try Delivery(record: $0) }
    }

    /// The latest state of one delivery, if it exists.
    public func delivery(id: String) throws -> Delivery? {
        try store.latestRecord(entityType: Delivery.entityType, entityId: id).flatMap { try Delivery(record: $0) }
    }
}
