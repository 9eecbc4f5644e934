import Foundation
import VaultFormat

extension LogWriter {
    /// Appends a delivery's state after an attempt (`action` is `attempt`, `deliver` or `give_up`)
    /// and returns its seq once durable. A delivery given up on also raises a P2 incident
    /// (`delivery_failed`) in the same batch, so a report that never reached its regulator is on
    /// the incident stream where compliance officers look (a request's answer, which belongs to no
    /// jurisdiction, raises none: `GET /v1/deliveries?status=dead` shows it).
    public func recordDelivery(_ delivery: Delivery, action: String) async throws -> Int64 {
        let now = max(clock.nowMillis(), lastRecordedAt)
        var records = [delivery.record(action: action, at: now)]
        if delivery.status == .dead, !delivery.jurisdiction.isEmpty {
            records.append(try Self.deliveryIncident(delivery, at: now))
        }
        return try await append(records)[0].seq
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
        return try RecordValidator().validate(record.canonicalBytes, now: now)
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
