import VaultFormat

/// What a person reads of a record beyond who, what and when: the content columns a CSV listing
/// carries after the common ones (docs/RECORDS.md names the fields). A listing of one stream gets
/// that stream's columns, each a field of the record's `state` (or of the record itself); a
/// listing of several streams (a player's timeline) gets one `content` column with the state, or
/// the diff, as JSON. Erased records have empty content.
public enum ContentColumns {
    /// Per stream: each column and where its value is (`state.x`, or a top-level field).
    public static let byStream: [String: [(column: String, field: Field)]] = [
        "payment": [("amount", .state("amount")), ("currency", .state("currency")), ("method", .state("method")),
                    ("status", .state("status")), ("country", .state("country")), ("declineReason", .state("declineReason"))],
        "audit.change": [("change", .change)],
        "aml": [("status", .state("status")), ("rule", .state("rule")), ("amount", .state("amount")), ("currency", .state("currency")),
                ("riskScore", .state("riskScore")), ("outcome", .state("action")), ("explanation", .state("explanation")),
                ("modelVer", .record("modelVer")), ("dataVer", .record("dataVer"))],
        "kyc": [("kycStatus", .state("kycStatus")), ("level", .state("level")), ("documentType", .state("documentType")),
                ("documentResult", .state("documentResult")), ("pep", .state("pep")), ("sanctionsHit", .state("sanctionsHit")),
                ("reason", .state("failureReason"))],
        "gaming": [("gamingDay", .state("gamingDay")), ("gameId", .state("gameId")), ("category", .state("category")),
                   ("currency", .state("currency")), ("stake", .state("stake")), ("win", .state("win")),
                   ("bonusStake", .state("bonusStake")), ("bonusWin", .state("bonusWin")), ("rounds", .state("rounds")),
                   ("rngVersion", .state("rngVersion"))],
        "responsible_gambling": [("status", .state("status")), ("period", .state("period")), ("daily", .state("daily")),
                                 ("weekly", .state("weekly")), ("monthly", .state("monthly")), ("currency", .state("currency"))],
        "rng": [("gameId", .state("gameId")), ("rngVersion", .state("rngVersion")), ("result", .state("result")),
                ("rtpTested", .state("rtpTested")), ("lab", .state("lab")), ("validUntil", .state("validUntil"))],
        "incident": [("type", .state("type")), ("kind", .state("kind")), ("severity", .state("severity")), ("status", .state("status")),
                     ("summary", .state("summary"))],
        "report": [("template", .state("template")), ("licence", .state("licence")), ("period", .state("period")),
                   ("reportVersion", .state("reportVersion")), ("records", .state("records")), ("trigger", .state("trigger"))],
        "vault.access": [("method", .member("request", "method")), ("path", .member("request", "path")),
                         ("query", .member("request", "query")), ("status", .member("request", "status")),
                         ("resultCount", .member("request", "resultCount"))],
        "vault.object": [("key", .state("key")), ("versionId", .state("versionId")), ("size", .state("size")),
                         ("sha256", .state("sha256")), ("period", .state("period")), ("deleteMarker", .state("deleteMarker"))],
        "vault.bucket": [("name", .state("name")), ("objectLock", .state("objectLock")),
                         ("jurisdiction", .state("jurisdiction")), ("defaultRetention", .state("defaultRetention"))],
        "vault.delivery": [("destination", .state("destination")), ("status", .state("status")), ("attempts", .state("attempts")),
                           ("subject", .state("subject")), ("lastAttempt", .state("lastAttempt"))],
        "vault.request": [("requestId", .state("requestId")), ("identity", .state("identity")), ("query", .state("query")),
                          ("format", .state("format")), ("callbackUrl", .state("callbackUrl"))],
    ]

    /// Where a column's value comes from.
    public enum Field: Sendable {
        /// A member of `state`.
        case state(String)
        /// A top-level member of the record.
        case record(String)
        /// A member of a top-level object of the record (an access record's `request.path`).
        case member(String, String)
        /// The state the record sent, or its diff, as JSON.
        case change
    }

    /// The content columns of a listing of `streams` (one stream: its columns; several or none
    /// known: `content`).
    public static func columns(streams: Set<String>) -> [(column: String, field: Field)] {
        if streams.count == 1, let stream = streams.first, let columns = byStream[stream] { return columns }
        return [("content", .change)]
    }

    /// The text of `field` in a record: strings as they are, other values as JSON, absent as "".
    public static func value(_ field: Field, in record: JSONValue) -> String {
        let value: JSONValue?
        switch field {
        case .state(let name): value = record["state"]?[name]
        case .record(let name): value = record[name]
        case .member(let object, let name): value = record[object]?[name]
        case .change: value = record["state"] ?? record["diff"]
        }
        return text(value)
    }

    /// A value as a cell shows it: a string as it is, any other value as compact JSON, absent as "".
    public static func text(_ value: JSONValue?) -> String {
        guard let value else { return "" }
        if let text = value.stringValue { return text }
        return String(decoding: value.canonicalBytes, as: UTF8.self)
    }
}
