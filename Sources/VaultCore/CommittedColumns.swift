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

/// An entity's `diff` and `state_after` columns are derived at ingest from the committed records
/// (`EntityChange`); inspectors are shown the diff. `DerivedColumns` recomputes both from the
/// committed bytes along one entity's history, so an edited diff is refused, not shown.
enum DerivedColumns {
    /// Why the diff or state-after column of some version of `history` (one entity, oldest first)
    /// differs from what its committed record and the previous version's state give, naming the
    /// record; nil when all agree. A version that follows an erased one cannot be recomputed (its
    /// previous state is gone) and is passed over, as are erased versions.
    static func mismatch(in history: [HistoryItem]) -> String? {
        var previous: JSONValue?? = .some(nil)  // the first version starts from no state
        for item in history {
            switch next(item.record, previous: previous) {
            case .state(let state): previous = .some(state)
            case .erased: previous = nil
            case .mismatch(let why): return why
            }
        }
        return nil
    }

    /// What one version leaves an entity in.
    enum Step {
        /// Its state after the version (nil: none).
        case state(JSONValue?)
        /// Unknown: the version was erased.
        case erased
        /// Why the version's stored columns disagree with its committed record.
        case mismatch(String)
    }

    /// The state after `record`, given the state before it (`.some(state)`, nil state before the
    /// first version) or nil when that is unknown (an erased version came before), checking the
    /// record's stored diff and state-after columns against what its committed bytes give.
    static func next(_ record: StoredRecord, previous: JSONValue??) -> Step {
        guard let body = record.body, let object = try? JSONParser.parse(Array(body)) else { return .erased }
        let stored = (diff: record.diff.flatMap { try? JSONParser.parse(Array($0)) },
                      stateAfter: record.stateAfter.flatMap { try? JSONParser.parse(Array($0)) })
        if record.diff != nil, stored.diff == nil { return .mismatch("record \(record.seq): its stored diff is not JSON") }
        if record.stateAfter != nil, stored.stateAfter == nil { return .mismatch("record \(record.seq): its stored state is not JSON") }
        if let state = object["state"] {
            if let previous, (stored.diff ?? RecordDiff.unstored(record, state: state)) != JSONPatch.diff(from: previous, to: state) {
                return .mismatch("record \(record.seq): its stored diff differs from the change between its committed state and the previous one")
            }
            if record.stateAfter != nil { return .mismatch("record \(record.seq): carries a stored state beside its own") }
            return .state(state)
        }
        if let patch = object["diff"] {
            if stored.diff != patch { return .mismatch("record \(record.seq): its stored diff differs from the diff it committed") }
            if let previous {
                guard let applied = try? JSONPatch.apply(patch, to: previous), applied == stored.stateAfter else {
                    return .mismatch("record \(record.seq): its stored state differs from its committed diff applied to the previous state")
                }
            }
            return .state(stored.stateAfter)
        }
        if stored.diff != nil { return .mismatch("record \(record.seq): has a stored diff but committed no change") }
        if let previous, stored.stateAfter != previous {
            return .mismatch("record \(record.seq): its stored state differs from the previous version's")
        }
        return .state(stored.stateAfter)
    }
}
