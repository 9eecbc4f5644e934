import Foundation
import VaultFormat
import VaultStore

/// An incident as a compliance officer follows it: its latest state, the regulatory deadlines of
/// its jurisdiction and kind, whether each was met (a notice to a destination accepted before it)
/// or missed, and every notice sent for it.
public struct IncidentOverview: Sendable {
    public let entityType: String
    public let entityId: String
    /// The newest record's state (kind, severity, ...), nil once erased.
    public let state: JSONValue?
    public let jurisdiction: String
    public let firstSeq: Int64
    public let latestSeq: Int64
    public let versions: Int
    /// When the first record says it happened and when the vault recorded it.
    public let occurredAt: Int64
    public let recordedAt: Int64
    public let deadlines: [RegulatoryDeadlines.Deadline]
    public let notices: [Delivery]
    /// Its ticket: open, acknowledged, notified or closed, with each step's who, when and why.
    public let ticket: IncidentTicket

    /// `state.severity` (P1 to P4), if it has one.
    public var severity: String? { state?.objectValue?["severity"]?.stringValue }

    /// When the regulator was first told: the first notice its receiver accepted, or the ticket's
    /// `notify` step when a compliance officer recorded a notification made another way.
    public var notifiedAt: Int64? {
        let accepted = notices.filter { $0.status == .delivered }.compactMap { $0.lastAttempt.map { $0.at + $0.durationMillis } }
        return (accepted + [ticket.notified?.at].compactMap { $0 }).min()
    }

    /// The overview as the API and the CLI show it; `now` decides what is missed.
    public func json(now: Int64) -> JSONValue {
        let notified = notifiedAt
        var object: [String: JSONValue] = [
            "entity": .object(["type": .string(entityType), "id": .string(entityId)]), "jurisdiction": .string(jurisdiction),
            "firstSeq": .int(firstSeq), "latestSeq": .int(latestSeq), "versions": .int(Int64(versions)),
            "occurredAt": .string(Timestamp.format(millis: occurredAt)), "recordedAt": .string(Timestamp.format(millis: recordedAt)),
            "deadlines": .array(deadlines.map { deadline in
                var entry = deadline.json.objectValue ?? [:]
                let met = notified.map { $0 <= deadline.dueAt } ?? false
                entry["met"] = .bool(met)
                entry["missed"] = .bool(!met && (notified ?? now) > deadline.dueAt)
                return .object(entry)
            }),
            "notices": .array(notices.map(\.json)), "ticket": ticket.json,
        ]
        if let state { object["state"] = state }
        if let notified { object["notifiedAt"] = .string(Timestamp.format(millis: notified)) }
        return .object(object)
    }
}

extension Vault {
    /// Every incident (entity on the `incident` stream), newest first, with its deadlines (working
    /// days skip `holidays`, by jurisdiction) and the notices sent for it.
    public func incidents(holidays: [String: Set<String>] = [:]) throws -> [IncidentOverview] {
        var byEntity: [String: [StoredRecord]] = [:]
        var order: [String] = []
        for record in try store.allRecords(stream: RecordSchema.Stream.incident.rawValue) {
            let key = record.entityType + "\u{0}" + record.entityId
            if byEntity[key] == nil { order.append(key) }
            byEntity[key, default: []].append(record)
        }
        var notices: [String: [Delivery]] = [:]
        for delivery in try deliveries() where delivery.subject.kind == "incident" {
            notices[delivery.subject.entityType + "\u{0}" + delivery.subject.entityId, default: []].append(delivery)
        }
        return try order.reversed().compactMap { key in
            try byEntity[key].flatMap { try IncidentOverview(records: $0, notices: notices[key] ?? [], holidays: holidays) }
        }
    }

    /// One incident of entity type `entityType`, or nil if the incident stream has none.
    public func incident(entityType: String = "incident", entityId: String, holidays: [String: Set<String>] = [:]) throws
        -> IncidentOverview? {
        let records = try store.history(entityType: entityType, entityId: entityId)
            .filter { $0.stream == RecordSchema.Stream.incident.rawValue }
        let notices = try deliveries().filter {
            $0.subject.kind == "incident" && $0.subject.entityType == entityType && $0.subject.entityId == entityId
        }
        return try IncidentOverview(records: records, notices: notices, holidays: holidays)
    }
}

extension IncidentOverview {
    /// The overview of one incident's entries (oldest first), nil when there are none.
    init?(records: [StoredRecord], notices: [Delivery], holidays: [String: Set<String>]) throws {
        guard let first = records.first, let latest = records.last else { return nil }
        let body = try latest.body.flatMap { try JSONParser.parse([UInt8]($0)).objectValue }
        let firstBody = try first.body.flatMap { try JSONParser.parse([UInt8]($0)).objectValue }
        let jurisdiction = body?["jurisdiction"]?.stringValue ?? firstBody?["jurisdiction"]?.stringValue ?? ""
        let kind = body?["state"]?.objectValue?["kind"]?.stringValue
        self.init(entityType: latest.entityType, entityId: latest.entityId, state: body?["state"], jurisdiction: jurisdiction,
                  firstSeq: first.seq, latestSeq: latest.seq, versions: records.count, occurredAt: first.occurredAt,
                  recordedAt: first.recordedAt,
                  deadlines: RegulatoryDeadlines.deadlines(jurisdiction: jurisdiction, kind: kind, occurredAt: first.occurredAt,
                                                           recordedAt: first.recordedAt, holidays: holidays[jurisdiction] ?? []),
                  notices: notices, ticket: try IncidentTicket(records: records))
    }
}
