import Foundation
import Hummingbird
import VaultCore
import VaultFormat

/// How a listing (a stream's log, a player's timeline) is written: JSON by default, JSON lines for
/// `Accept: application/x-ndjson`, CSV (RFC 4180, with a header row) for `Accept: text/csv`; an
/// `Accept` that allows none of them is refused with 406 `not_acceptable`.
/// JSON and JSON lines carry the full evidence of each record; CSV carries the fields a person
/// reads: the common columns, then the listing's content columns (`ContentColumns`), and the
/// next page's cursor in the `X-Next-Cursor` header.
enum ListingFormat {
    case json, ndjson, csv

    init(accept: String?) throws {
        let accept = accept?.lowercased() ?? ""
        if accept.contains("text/csv") {
            self = .csv
        } else if accept.contains("application/x-ndjson") {
            self = .ndjson
        } else if accept.isEmpty || accept.contains("application/json") || accept.contains("*/*") || accept.contains("application/*") {
            self = .json
        } else if accept.contains("text/*") {
            self = .csv
        } else {
            throw APIError(.notAcceptable, "not_acceptable", "listings are application/json, application/x-ndjson or text/csv")
        }
    }

    static let csvColumns = ["seq", "recordedAt", "occurredAt", "stream", "eventId", "entityType", "entityId", "action",
                             "actorId", "actorRole", "actorIp", "reason", "jurisdiction", "playerId", "decisionId",
                             "policyVer", "erased"]

    func response(_ page: RecordPage, extra: [String: JSONValue]) throws -> Response {
        var headers: HTTPFields = [.init("X-Result-Count")!: String(page.items.count)]
        if let cursor = page.nextCursor { headers[.init("X-Next-Cursor")!] = cursor }
        switch self {
        case .json:
            var response = Response.json(try EvidenceJSON.page(page, extra: extra))
            response.headers.append(contentsOf: headers)
            return response
        case .ndjson:
            var out: [UInt8] = []
            for item in page.items {
                out += try EvidenceJSON.version(item).canonicalBytes
                out.append(0x0A)
            }
            headers[.contentType] = "application/x-ndjson"
            return Response(status: .ok, headers: headers, body: .pieces(out))
        case .csv:
            headers[.contentType] = "text/csv; charset=utf-8; header=present"
            return Response(status: .ok, headers: headers, body: .pieces(try ListingFormat.csv(page)))
        }
    }

    /// The page as CSV: a header row, then one row per record.
    static func csv(_ page: RecordPage) throws -> String {
        let content = ContentColumns.columns(streams: Set(page.items.map(\.record.stream)))
        var text = (ListingFormat.csvColumns + content.map(\.column)).joined(separator: ",") + "\r\n"
        for item in page.items { text += try ListingFormat.csvRow(item, content: content) + "\r\n" }
        return text
    }

    /// One record's row: the common columns, then `content` (`ContentColumns`).
    static func csvRow(_ item: HistoryItem, content: [(column: String, field: ContentColumns.Field)]) throws -> String {
        let record = item.record
        var values: [String: String] = [
            "seq": String(record.seq), "recordedAt": Timestamp.format(millis: record.recordedAt), "stream": record.stream,
            "eventId": record.eventId, "entityType": record.entityType, "entityId": record.entityId,
            "playerId": record.playerId ?? "", "erased": record.body == nil ? "true" : "false",
        ]
        var contentValues = [String](repeating: "", count: content.count)
        if let body = record.body {
            let submitted = try JSONParser.parse(Array(body))
            contentValues = content.map { ContentColumns.value($0.field, in: submitted) }
            for key in ["occurredAt", "action", "reason", "jurisdiction", "decisionId", "policyVer"] {
                values[key] = submitted[key]?.stringValue ?? ""
            }
            values["actorId"] = submitted["actor"]?["id"]?.stringValue ?? ""
            values["actorRole"] = submitted["actor"]?["role"]?.stringValue ?? ""
            values["actorIp"] = submitted["actor"]?["ip"]?.stringValue ?? ""
        }
        return (csvColumns.map { values[$0] ?? "" } + contentValues).map(SpreadsheetCSV.field).joined(separator: ",")
    }
}
