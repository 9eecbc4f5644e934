import Foundation
import Hummingbird
import VaultCore
import VaultFormat

/// How the console writes values for a person: times in UTC without the `T` and `Z` of RFC 3339,
/// counts with thousands separators, JSON values without quotes around plain strings.
enum ConsoleFormat {
    /// `2026-01-05 10:00:00 UTC` (milliseconds shown only when not zero).
    static func time(_ millis: Int64) -> String {
        var text = Timestamp.format(millis: millis)
        if text.hasSuffix("Z") { text.removeLast() }
        if text.hasSuffix(".000") { text.removeLast(4) }
        return text.replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    /// `12 s ago`, `4 min ago`, `3 h ago`, `2 days ago`.
    static func age(millis: Int64) -> String {
        let seconds = max(0, millis / 1000)
        if seconds < 120 { return "\(seconds) s ago" }
        if seconds < 7200 { return "\(seconds / 60) min ago" }
        if seconds < 172_800 { return "\(seconds / 3600) h ago" }
        return "\(seconds / 86400) days ago"
    }

    /// `27,000`.
    static func count(_ value: Int) -> String {
        var digits = Array(String(value))
        var index = digits.count - 3
        while index > (value < 0 ? 1 : 0) {
            digits.insert(",", at: index)
            index -= 3
        }
        return String(digits)
    }

    /// A JSON value as a person reads it: a string as it is, anything else as compact JSON.
    static func value(_ value: JSONValue?) -> String {
        ContentColumns.text(value)
    }

    /// `value`, or nil when it is absent or empty: what a Mustache section tests (it renders one for
    /// any string, even an empty one).
    static func nonEmpty(_ value: JSONValue?) -> String? {
        let text = self.value(value)
        return text.isEmpty ? nil : text
    }

    /// An RFC 6901 path as a person reads it: `limits / daily`, `games, item 2` (array positions
    /// counted from 1); the empty path is the whole state.
    static func path(_ pointer: String) -> String {
        guard !pointer.isEmpty else { return "(whole state)" }
        var text = ""
        for token in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let name = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if let index = Int(name), String(index) == name, !text.isEmpty {
                text += ", item \(index + 1)"
            } else {
                text += (text.isEmpty ? "" : " / ") + name
            }
        }
        return text
    }

    /// What a legal hold covers, in words.
    static func scope(_ scope: LegalHold.Scope) -> String {
        switch scope {
        case .player(let id): "player \(id)"
        case .entity(let type, let id): "\(type) \(id)"
        case .stream(let name): "the stream \(name)"
        case .record(let seq): "record \(seq)"
        }
    }

    /// A time filter from a form: a day (`2026-01-05`, its start), a day and time in UTC
    /// (`2026-01-05 10:00` or `2026-01-05T10:00`) or an RFC 3339 time; empty is no filter. Throws a message for
    /// anything else.
    static func filterTime(_ text: String?, name: String) throws -> Int64? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        let joined = text.replacingOccurrences(of: " ", with: "T")
        let candidates = [joined, joined + "T00:00:00Z", joined + ":00Z", joined + "Z"]
        for candidate in candidates {
            if let millis = Timestamp.parseMillis(candidate) { return millis }
        }
        throw APIError(.badRequest, "invalid_parameter", "“\(text.prefix(64))” is not a time for \(name): write a day (2026-01-05) "
            + "or a day and time in UTC (2026-01-05 10:00)")
    }

    /// The value a filter's field shows: the day, or the day and time (UTC, to the minute).
    static func inputTime(_ millis: Int64?) -> String {
        guard let millis else { return "" }
        let text = String(Timestamp.format(millis: millis).prefix(16)).replacingOccurrences(of: "T", with: " ")
        return text.hasSuffix(" 00:00") ? String(text.prefix(10)) : text
    }
}

/// A console page's query as a browser's form sends it (`application/x-www-form-urlencoded`): `+` is
/// a space, `%XX` a byte, and each value is trimmed, so "bonus rule" and a pasted "2026-01 " arrive
/// as typed. An empty value is no value.
struct FormQuery {
    private var values: [String: String] = [:]

    init(_ request: Request) {
        for pair in (request.uri.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            let value = parts.count > 1 ? decode(parts[1]).trimmingCharacters(in: .whitespacesAndNewlines) : ""
            if !value.isEmpty, values[decode(parts[0])] == nil { values[decode(parts[0])] = value }
        }
    }

    func get(_ name: String) -> String? { values[name] }
}
