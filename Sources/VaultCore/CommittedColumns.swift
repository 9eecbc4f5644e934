import Foundation
import VaultFormat
import VaultStore

/// The index columns a record is stored and queried by (event id, stream, entity, player,
/// occurred-at, recorded-at, seq) are copies of what its committed bytes and its entry say. A copy
/// can be edited in the database without touching the bytes the commitment covers, so nothing is
/// shown or trusted from a column until it has been compared with the committed source:
/// - `eventId`, `stream`, `entity.type`, `entity.id`, `playerId` and `occurredAt` with the record
///   bytes (once those have been checked against the entry's commitment);
/// - `seq` and `recordedAt` with the entry.
/// An erased record's bytes are gone; its columns are compared with what its erasure entry listed
/// (`CommittedColumns.mismatch(_:listed:)`).
enum CommittedColumns {
    /// Why `record`'s columns differ from its committed `body` and `entry`, naming each column that
    /// differs; nil when they all agree. `body` must already match the entry's commitment.
    static func mismatch(_ record: StoredRecord, body: Data, entry: Entry) -> String? {
        var differing: [String] = []
        if entry.seq != UInt64(record.seq) { differing.append("seq") }
        if entry.recordedAt != record.recordedAt { differing.append("recorded_at") }
        guard let object = try? JSONParser.parse(Array(body)).objectValue else {
            return "its committed bytes are not a JSON object"
        }
        if object["eventId"]?.stringValue != record.eventId { differing.append("event_id") }
        if object["stream"]?.stringValue != record.stream { differing.append("stream") }
        let entity = object["entity"]?.objectValue
        if entity?["type"]?.stringValue != record.entityType { differing.append("entity_type") }
        if entity?["id"]?.stringValue != record.entityId { differing.append("entity_id") }
        if object["playerId"]?.stringValue != record.playerId { differing.append("player_id") }
        if object["occurredAt"]?.stringValue.flatMap(Timestamp.parseMillis) != record.occurredAt {
            differing.append("occurred_at")
        }
        return differing.isEmpty ? nil : describe(differing, "its committed bytes and entry")
    }

    /// Why an erased record's columns differ from what its erasure entry listed for it (`seq`,
    /// `stream`, `entity`, `playerId`), or from its entry (`seq`, `recorded_at`); nil when they agree.
    static func mismatch(_ record: StoredRecord, listed: JSONValue, entry: Entry) -> String? {
        var differing: [String] = []
        if entry.seq != UInt64(record.seq) { differing.append("seq") }
        if entry.recordedAt != record.recordedAt { differing.append("recorded_at") }
        if listed["stream"]?.stringValue != record.stream { differing.append("stream") }
        if listed["entity"]?["type"]?.stringValue != record.entityType { differing.append("entity_type") }
        if listed["entity"]?["id"]?.stringValue != record.entityId { differing.append("entity_id") }
        if listed["playerId"]?.stringValue != record.playerId { differing.append("player_id") }
        return differing.isEmpty ? nil : describe(differing, "its erasure entry and entry")
    }

    private static func describe(_ columns: [String], _ source: String) -> String {
        let list = columns.joined(separator: ", ")
        return "its index column\(columns.count == 1 ? "" : "s") \(list) differ\(columns.count == 1 ? "s" : "") from \(source): "
            + "the database was edited"
    }
}
