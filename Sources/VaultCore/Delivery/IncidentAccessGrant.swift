import Foundation
import VaultFormat
public import VaultStore

/// Read access a P1 notice gives its regulator: that incident's players, over its time window,
/// read-only, until `expiresAt`. Recorded as entity `incidentAccess`/<grant id> on the stream
/// `vault.delivery`, appended in the incident's own batch with the notice it travels in, so the
/// log shows what was granted to whom before anything could use it; every use is an access entry
/// naming the grant.
///
/// The entry holds no secret: the credential (`rvi_<grant id>.<MAC>`) is derived from the grant
/// id with a key only the server holds, so the same notice carries the same credential on every
/// attempt and an exported log gives nobody access.
public struct IncidentAccessGrant: Sendable, Equatable {
    public static let entityType = "incidentAccess"

    public var grantId: String
    public var incidentType: String
    public var incidentId: String
    /// The players whose records it opens (the incident's `state.players`, and its `playerId`).
    public var players: [String]
    /// The window of `occurredAt` it opens, `[from, to)` in milliseconds.
    public var from: Int64
    public var to: Int64
    public var expiresAt: Int64
    public var destination: String
    public var deliveryId: String

    /// Without a window in the incident (`state.window.from`/`to`), it opens the 30 days before the
    /// incident happened through one day after it was recorded.
    public static let defaultLookbackMillis: Int64 = 30 * 86_400_000
    public static let defaultAfterMillis: Int64 = 86_400_000

    /// The grant carried by delivery `deliveryId`: one per notice.
    public static func id(deliveryId: String) -> String {
        "acc_" + Hash.sha256(Array(("incident-access\n" + deliveryId).utf8)).hex.prefix(32)
    }

    /// The grant for `delivery` of incident `record`, open for `hours` from `now` (when the notice
    /// is queued, not when it arrives: every attempt carries the same bytes, so a notice retried
    /// for longer than `hours` arrives with access already expired).
    init(delivery: Delivery, incident record: ValidatedRecord, hours: Int, now: Int64) {
        let state = record.state?.objectValue ?? [:]
        var players = (state["players"]?.arrayValue ?? []).compactMap(\.stringValue)
        if let player = record.playerId, !players.contains(player) { players.insert(player, at: 0) }
        let window = state["window"]?.objectValue
        grantId = IncidentAccessGrant.id(deliveryId: delivery.id)
        incidentType = record.entityType
        incidentId = record.entityId
        self.players = players
        from = window?["from"]?.stringValue.flatMap(Timestamp.parseMillis) ?? record.occurredAt - Self.defaultLookbackMillis
        to = window?["to"]?.stringValue.flatMap(Timestamp.parseMillis) ?? max(record.occurredAt, now) + Self.defaultAfterMillis
        expiresAt = now + Int64(hours) * 3_600_000
        destination = delivery.destination
        deliveryId = delivery.id
    }

    public var state: JSONValue {
        .object([
            "grantId": .string(grantId), "incident": .object(["type": .string(incidentType), "id": .string(incidentId)]),
            "players": .array(players.map(JSONValue.string)), "from": .string(Timestamp.format(millis: from)),
            "to": .string(Timestamp.format(millis: to)), "expiresAt": .string(Timestamp.format(millis: expiresAt)),
            "destination": .string(destination), "deliveryId": .string(deliveryId), "access": .string("read"),
        ])
    }

    public init?(record: StoredRecord) throws {
        guard let body = record.body, let state = try JSONParser.parse([UInt8](body)).objectValue?["state"]?.objectValue,
              let grantId = state["grantId"]?.stringValue, let incident = state["incident"]?.objectValue,
              let from = state["from"]?.stringValue.flatMap(Timestamp.parseMillis),
              let to = state["to"]?.stringValue.flatMap(Timestamp.parseMillis),
              let expiresAt = state["expiresAt"]?.stringValue.flatMap(Timestamp.parseMillis) else { return nil }
        self.grantId = grantId
        incidentType = incident["type"]?.stringValue ?? ""
        incidentId = incident["id"]?.stringValue ?? ""
        players = (state["players"]?.arrayValue ?? []).compactMap(\.stringValue)
        (self.from, self.to, self.expiresAt) = (from, to, expiresAt)
        destination = state["destination"]?.stringValue ?? ""
        deliveryId = state["deliveryId"]?.stringValue ?? ""
    }

    /// The entry that issues it.
    func record(at now: Int64, jurisdiction: String) -> ValidatedRecord {
        VaultRecord.make(stream: .delivery, kind: .record, entityType: Self.entityType, entityId: grantId, action: "issue",
                         actor: Delivery.actor, at: now, reason: "read access for the regulator notified of \(incidentId)",
                         state: state, eventId: "grant:\(grantId)", jurisdiction: jurisdiction)
    }

    /// The JSON a notice and the grant's own route show.
    public var json: JSONValue { state }
}

extension Vault {
    /// The grant with this id, if the vault issued one: found by its issuing entry's event id on
    /// `vault.delivery`, never by entity type alone.
    public func incidentAccessGrant(id: String) throws -> IncidentAccessGrant? {
        guard let record = try store.records(eventIds: ["grant:\(id)"])["grant:\(id)"],
              record.stream == VaultStream.delivery.rawValue, record.entityType == IncidentAccessGrant.entityType else { return nil }
        return try IncidentAccessGrant(record: record)
    }

    /// Records of `players` (each one of the grant's) whose `occurredAt` is in `[from, to)` (inside
    /// the grant's window), in seq order, a page at a time.
    public func incidentAccessRecords(players: [String], from: Int64, to: Int64, cursor: PageCursor?, limit: Int) throws
        -> RecordPage {
        guard (1...Vault.maxPageSize).contains(limit) else {
            throw VaultError(.invalidRequest, "limit must be 1 to \(Vault.maxPageSize)")
        }
        var kept: [StoredRecord] = []
        for player in Set(players) {
            var after = cursor?.seq
            var found = 0
            while found <= limit {
                let batch = try store.records(playerId: player, after: after, limit: 1_000)
                let inWindow = batch.filter { $0.occurredAt >= from && $0.occurredAt < to }
                kept += inWindow
                found += inWindow.count
                guard batch.count == 1_000, let last = batch.last else { break }
                after = last.seq
            }
        }
        return try page(Array(kept.sorted { $0.seq < $1.seq }.prefix(limit + 1)), limit: limit)
    }
}
