import Foundation
import VaultFormat

/// Which incidents go to a destination: those on the `incident` stream whose `state.severity` is
/// one of `severities` (P1 by default) and, when given, whose jurisdiction is one of
/// `jurisdictions`. An incident's deliveries are enqueued in the batch that stores it, so a P1
/// is never stored without its notices on their way. The vault's own `delivery_failed` incidents
/// are for the operator's compliance officers and go nowhere (they could otherwise chase a
/// receiver that is down). A ticket's own steps (acknowledge, notify, close) are not routed again.
public struct IncidentRoute: Sendable, Equatable {
    public var destination: String
    public var channel: String
    public var jurisdictions: Set<String>?
    public var severities: Set<String>
    /// How long the read access a P1 notice carries lasts (`IncidentAccessGrant`); none when nil.
    public var accessHours: Int?

    public init(destination: String, channel: String, jurisdictions: Set<String>? = nil, severities: Set<String> = ["P1"],
                accessHours: Int? = nil) {
        (self.destination, self.channel, self.jurisdictions, self.severities) = (destination, channel, jurisdictions, severities)
        self.accessHours = accessHours
    }

    /// The enqueue entries of `record`'s deliveries (none unless it is a routed incident), each
    /// P1 notice's access grant after it.
    static func deliveries(of record: ValidatedRecord, routes: [IncidentRoute], at now: Int64) -> [ValidatedRecord] {
        guard record.streamName == RecordSchema.Stream.incident.rawValue,
              let severity = record.state?.objectValue?["severity"]?.stringValue,
              record.state?.objectValue?["kind"]?.stringValue != "delivery_failed",
              !IncidentTicket.actions.contains(record.action) else { return [] }
        let subject = Delivery.Subject(kind: "incident", eventId: record.eventId, entityType: record.entityType, entityId: record.entityId)
        return routes.filter { $0.severities.contains(severity) && ($0.jurisdictions?.contains(record.jurisdiction) ?? true) }
            .flatMap { route in
                let delivery = Delivery(destination: route.destination, channel: route.channel, subject: subject,
                                        jurisdiction: record.jurisdiction, enqueuedAt: now)
                var entries = [delivery.record(action: "enqueue", at: now, eventId: "dlv:\(delivery.id):enqueue")]
                if severity == "P1", let hours = route.accessHours {
                    entries.append(IncidentAccessGrant(delivery: delivery, incident: record, hours: hours, now: now)
                        .record(at: now, jurisdiction: record.jurisdiction))
                }
                return entries
            }
    }
}

extension LogWriter {
    /// Sets where incidents are delivered from now on.
    public func routeIncidents(_ routes: [IncidentRoute]) {
        incidentRoutes = routes
    }
}
