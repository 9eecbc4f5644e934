import Foundation
import VaultCore
import VaultFormat

/// Links inside one console (production at `/console/…`, the sandbox's at `/sandbox/console/…`).
struct ConsoleLinks {
    /// `""` or `/sandbox`.
    let base: String

    var home: String { base.isEmpty ? "/" : base + "/console" }

    func page(_ path: String, _ query: [(String, String?)] = []) -> String {
        let parameters = query.compactMap { name, value -> String? in
            guard let value, !value.isEmpty else { return nil }
            return name + "=" + ConsoleLinks.encode(value)
        }
        return base + "/console/" + path + (parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&"))
    }

    func entity(_ type: String, _ id: String) -> String { page("entity", [("type", type), ("id", id)]) }

    func player(_ id: String) -> String { page("player/" + ConsoleLinks.encode(id)) }

    /// Percent-encodes everything but unreserved characters (RFC 3986).
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .init(charactersIn:
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? ""
    }
}

/// One record in a listing (a stream, a player's timeline, the access journal).
struct RecordRow {
    let seq: Int64
    let eventId: String
    let occurredAt: String
    let recordedAt: String
    let stream: String
    let entity: String
    let entityLink: String
    let action: String
    let actor: String
    let summary: String
    /// nil when the record names no player (Mustache renders a section for any string, even empty).
    let playerId: String?
    let playerLink: String
    let erased: Bool
    let erasedBy: String
    /// Recorded after the checkpoint: its proof comes with the next one.
    let pending: Bool

    init(_ item: HistoryItem, links: ConsoleLinks, proved: Bool) {
        let record = item.record
        let body = record.body.flatMap { try? JSONParser.parse(Array($0)) }
        seq = record.seq
        eventId = record.eventId
        occurredAt = ConsoleFormat.time(record.occurredAt)
        recordedAt = ConsoleFormat.time(record.recordedAt)
        stream = record.stream
        entity = record.entityType + " " + record.entityId
        entityLink = links.entity(record.entityType, record.entityId)
        action = ConsoleFormat.value(body?["action"])
        actor = ConsoleFormat.value(body?["actor"]?["id"])
        playerId = record.playerId
        playerLink = record.playerId.map(links.player) ?? ""
        erased = record.body == nil
        erasedBy = item.erasedBy.map(String.init) ?? ""
        pending = !proved
        summary = body.map { RecordRow.summary($0, stream: record.stream) } ?? ""
    }

    /// The stream's content columns that have a value, `name: value` joined by ` · `; for a stream
    /// without columns, the state or diff as JSON, cut at 240 characters.
    static func summary(_ record: JSONValue, stream: String) -> String {
        if let columns = ContentColumns.byStream[stream], stream != "audit.change" {
            return columns.compactMap { column, field in
                let value = ContentColumns.value(field, in: record)
                return value.isEmpty ? nil : column + ": " + value
            }.joined(separator: " · ")
        }
        let change = ContentColumns.value(.change, in: record)
        return change.count > 240 ? String(change.prefix(240)) + " …" : change
    }
}

/// One version on an entity's page: who, why, when, and what it changed.
struct VersionView {
    struct Touched {
        let path: String
        let before: String
        let after: String
        let beforeAbsent: Bool
        let afterAbsent: Bool
    }

    struct Detail {
        let label: String
        let value: String
    }

    let version: Int64
    let isFirst: Bool
    let seq: Int64
    let eventId: String
    let action: String
    let occurredAt: String
    let recordedAt: String
    let actor: String
    /// nil when absent (Mustache renders a section for any string, even empty).
    let actorRole: String?
    let actorIp: String?
    let reason: String?
    let details: [Detail]
    let touched: [Touched]
    let hasTouched: Bool
    let erased: Bool
    let erasedBy: String
    let retention: String
    let leafHash: String

    init(_ change: AuditTrail.Change) {
        let record = change.item.record
        let body = record.body.flatMap { try? JSONParser.parse(Array($0)) }
        version = record.version
        isFirst = record.version == 1
        seq = record.seq
        eventId = record.eventId
        action = ConsoleFormat.value(body?["action"])
        occurredAt = ConsoleFormat.time(record.occurredAt)
        recordedAt = ConsoleFormat.time(record.recordedAt)
        actor = ConsoleFormat.value(body?["actor"]?["id"])
        actorRole = ConsoleFormat.nonEmpty(body?["actor"]?["role"])
        actorIp = ConsoleFormat.nonEmpty(body?["actor"]?["ip"])
        reason = ConsoleFormat.nonEmpty(body?["reason"])
        var details: [Detail] = []
        if let approver = ConsoleFormat.nonEmpty(body?["approver"]?["id"]) {
            let role = ConsoleFormat.nonEmpty(body?["approver"]?["role"]).map { " (\($0))" } ?? ""
            details.append(Detail(label: "Approved by", value: approver + role))
        }
        details += [("Decision", "decisionId"), ("Policy version", "policyVer"), ("Data version", "dataVer"),
                    ("Model version", "modelVer"), ("Jurisdiction", "jurisdiction"), ("Player", "playerId")]
            .compactMap { label, key in ConsoleFormat.nonEmpty(body?[key]).map { Detail(label: label, value: $0) } }
        self.details = details
        touched = VersionView.rows(change.touched).map {
            Touched(path: ConsoleFormat.path($0.path), before: ConsoleFormat.value($0.before), after: ConsoleFormat.value($0.after),
                    beforeAbsent: $0.before == nil, afterAbsent: $0.after == nil)
        }
        hasTouched = !touched.isEmpty
        erased = record.body == nil
        erasedBy = change.item.erasedBy.map(String.init) ?? ""
        if let entry = try? Entry(parsing: change.item.entry) {
            let until = entry.retainUntil == Int64.max ? "indefinitely" : "until " + ConsoleFormat.time(entry.retainUntil)
            retention = "\(entry.retentionClass), \(entry.retentionMode.name) mode, kept \(until)"
        } else {
            retention = ""
        }
        leafHash = change.inclusion.leafHash.base64
    }
}

extension VersionView {
    /// The touched paths as rows: a whole object created or removed at once (an entity's first
    /// version, path `""`) reads as one row per member, so a person sees each field's first value.
    static func rows(_ touched: [TouchedPath]) -> [TouchedPath] {
        touched.flatMap { path -> [TouchedPath] in
            if path.before == nil, let members = path.after?.objectValue {
                return members.keys.sorted().map { TouchedPath(path: path.path + "/" + escape($0), before: nil, after: members[$0]) }
            }
            if path.after == nil, let members = path.before?.objectValue {
                return members.keys.sorted().map { TouchedPath(path: path.path + "/" + escape($0), before: members[$0], after: nil) }
            }
            return [path]
        }
    }

    /// A member name as an RFC 6901 reference token.
    private static func escape(_ name: String) -> String {
        name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}

/// A link to another page of a listing.
struct PageLink {
    let label: String
    let href: String
}
