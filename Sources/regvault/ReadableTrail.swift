import ArgumentParser
import Foundation
import VaultCore
import VaultFormat

/// How `history` and `audit` print: `text` for a person (the default on a terminal), `json` for a
/// program (the default when standard output is a pipe or a file).
enum TrailFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json

    /// `requested`, or text on a terminal and JSON otherwise.
    static func resolved(_ requested: TrailFormat?) -> TrailFormat {
        requested ?? (isatty(STDOUT_FILENO) == 1 ? .text : .json)
    }
}

/// An entity's versions as a person reads them: one block per version with when it happened and
/// was recorded, who, why, the decision's versions, and each touched path as `before → after`.
enum ReadableTrail {
    static func print(_ trail: AuditTrail) {
        var text = "\(trail.entityType) \(trail.entityId): \(trail.versionCount) versions, proved against checkpoint "
            + "size \(trail.checkpoint.checkpoint.size)\n"
        if trail.window.from != nil || trail.window.to != nil {
            text += "  versions whose occurredAt is in the window "
                + "\(trail.window.from.map { Timestamp.format(millis: $0) } ?? "…") to \(trail.window.to.map { Timestamp.format(millis: $0) } ?? "…")\n"
        }
        for change in trail.changes {
            text += "\n" + block(change.item, touched: change.touched)
        }
        if let next = trail.nextCursor { text += "\nmore: --cursor \(next.text)\n" }
        Output.raw(text)
    }

    static func block(_ item: HistoryItem, touched: [TouchedPath]?) -> String {
        let record = item.record
        guard let body = record.body, let object = try? JSONParser.parse(Array(body)) else {
            return "v\(record.version)  (erased at the end of its retention; seq \(record.seq))\n"
        }
        func field(_ key: String) -> String? { object[key]?.stringValue }
        let actor = object["actor"]
        let who = [actor?["id"]?.stringValue, actor?["role"]?.stringValue.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
        var text = "v\(record.version)  \(field("occurredAt") ?? "")  \(who)  \(field("action") ?? "")"
        if let reason = field("reason") { text += "  \"\(reason)\"" }
        text += "\n    recorded \(Timestamp.format(millis: record.recordedAt)), seq \(record.seq), event \(record.eventId)\n"
        if let approver = object["approver"]?["id"]?.stringValue {
            text += "    approved by \(approver)" + (object["approver"]?["role"]?.stringValue.map { " (\($0))" } ?? "") + "\n"
        }
        let versions = [("decision", "decisionId"), ("policy", "policyVer"), ("model", "modelVer"), ("data", "dataVer")]
            .compactMap { label, key in field(key).map { "\(label) \($0)" } }
        if !versions.isEmpty { text += "    " + versions.joined(separator: ", ") + "\n" }
        for path in touched ?? [] {
            text += "    \(path.path.isEmpty ? "(state)" : path.path): \(show(path.before)) → \(show(path.after))\n"
        }
        return text
    }

    static func show(_ value: JSONValue?) -> String {
        guard let value else { return "(none)" }
        let text = String(decoding: value.canonicalBytes, as: UTF8.self)
        return text.count > 160 ? String(text.prefix(157)) + "…" : text
    }
}
