import Foundation
import NIOPosix
import VaultCore
import VaultFormat
import VaultReports

/// What a regulator's request asks for, checked when the request arrives (so a bad one is refused
/// with 400 at once) and answered later by the delivery worker with the bytes the matching route
/// would give:
///
/// | `query.kind` | parameters | the same as |
/// |---|---|---|
/// | `audit` | `entity: {type, id}`, `from`?, `to`? | `GET /regulator/audit` |
/// | `player` | `playerId` | `GET /regulator/player/{id}` |
/// | `logs` | `stream`, `from`?, `to`? | `GET /regulator/logs/{stream}` |
/// | `report` | `period` (a day, ISO week, month or quarter) | `GET /regulator/reports/{period}` |
/// | `export` | the export filters, all optional: `from`, `to`, `entity`, `player`, `stream` | `POST /regulator/exports` |
///
/// `format` is `json` (all but export), `csv` (`player`, `logs`) or `archive` (`export`, a
/// gzip-compressed export archive, sent as a download link). Each other answer is one page of at
/// most `Vault.maxPageSize` records (the oldest first), with `nextCursor` when there is more.
struct RequestQuery: Sendable {
    enum Kind: Sendable {
        case audit(type: String, id: String, from: Int64?, to: Int64?)
        case player(String)
        case logs(stream: String, from: Int64?, to: Int64?)
        case report(label: String, period: ReportPeriod)
        case export(ExportFilter)
    }

    let kind: Kind
    let csv: Bool
    /// The answer is an export archive (kept as `requests/<jobId>/export.tar.gz`, sent as a link).
    var isArchive: Bool {
        if case .export = kind { return true }
        return false
    }

    /// The largest export archive answered by callback; a larger one is refused, pointing to
    /// `POST /regulator/exports`, which streams from a file.
    static let archiveCap = 256 * 1024 * 1024

    /// Reads and checks `query` and `format`; throws `RequestQueryError` naming what is wrong.
    init(query: JSONValue, format: String) throws {
        guard let object = query.objectValue, let kindName = object["kind"]?.stringValue else {
            throw RequestQueryError("query must be an object with a kind: audit, player, logs, report, export")
        }
        func time(_ name: String) throws -> Int64? {
            guard let value = object[name] else { return nil }
            guard let text = value.stringValue, let millis = Timestamp.parseMillis(text) else {
                throw RequestQueryError("query.\(name) must be an RFC 3339 time")
            }
            return millis
        }
        switch kindName {
        case "audit":
            guard let entity = object["entity"]?.objectValue, let type = entity["type"]?.stringValue, let id = entity["id"]?.stringValue,
                  !type.isEmpty, !id.isEmpty else {
                throw RequestQueryError("an audit query names its entity: {\"kind\":\"audit\",\"entity\":{\"type\":T,\"id\":I}}")
            }
            kind = .audit(type: type, id: id, from: try time("from"), to: try time("to"))
        case "player":
            guard let player = object["playerId"]?.stringValue, !player.isEmpty else {
                throw RequestQueryError("a player query names the player: {\"kind\":\"player\",\"playerId\":P}")
            }
            kind = .player(player)
        case "logs":
            let streams = RecordSchema.Stream.allCases.map(\.rawValue) + VaultStream.allCases.map(\.rawValue)
            guard let stream = object["stream"]?.stringValue, streams.contains(stream) else {
                throw RequestQueryError("a logs query names a stream: " + streams.joined(separator: ", "))
            }
            kind = .logs(stream: stream, from: try time("from"), to: try time("to"))
        case "report":
            guard let label = object["period"]?.stringValue, let period = try? ReportPeriod(parsing: label) else {
                throw RequestQueryError("a report query names a period: a day 2026-11-20, ISO week 2026-W47, month 2026-11 or "
                    + "quarter 2026-Q4")
            }
            kind = .report(label: label, period: period)
        case "export":
            var filters = object
            filters["kind"] = nil
            do {
                kind = .export(try ExportRoutes.filter(.object(filters)))
            } catch let error as APIError {
                throw RequestQueryError("query: " + error.message)
            }
        default:
            throw RequestQueryError("unknown query kind '\(kindName.prefix(32))'; kinds are audit, player, logs, report, export")
        }
        switch (format, kind) {
        case ("archive", .export): csv = false
        case (_, .export): throw RequestQueryError("an export is answered as an archive: \"format\": \"archive\"")
        case ("json", _): csv = false
        case ("csv", .player), ("csv", .logs): csv = true
        case ("csv", _): throw RequestQueryError("csv answers player and logs queries; ask for json")
        default: throw RequestQueryError("format is json, csv (player, logs) or archive (export)")
        }
    }

    /// Where a job's answer is kept: `requests/<jobId>/answer.json`, `answer.csv` or `export.tar.gz`.
    static func answerKey(jobId: String, query: RequestQuery) -> String {
        "requests/\(jobId)/" + (query.isArchive ? "export.tar.gz" : query.csv ? "answer.csv" : "answer.json")
    }

    /// The answer's bytes and media type, read now (an export on the deliveries' own blocking pool:
    /// it reads and compresses the whole selection).
    func answer(from vault: Vault) async throws -> (contentType: String, bytes: [UInt8]) {
        if case let .export(filter) = kind {
            return ("application/gzip", try await ExternalCommand.pool.runIfActive { try RequestQuery.archive(vault, filter) })
        }
        return try listing(from: vault)
    }

    /// An export archive's bytes, made in a private temporary folder.
    static func archive(_ vault: Vault, _ filter: ExportFilter) throws -> [UInt8] {
        let folder = try PrivateFolder()
        defer { folder.remove() }
        let path = folder.path + "/export.tar.gz"
        _ = try vault.export(to: path, filter: filter, compression: .gzip)
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= archiveCap else {
            throw DeliveryPayloadError("the export is \(size / 1_048_576) MiB, more than a callback carries "
                + "(\(archiveCap / 1_048_576) MiB); narrow it, or use POST /regulator/exports")
        }
        guard let bytes = FileManager.default.contents(atPath: path) else { throw DeliveryPayloadError("the export could not be read back") }
        return [UInt8](bytes)
    }

    private func listing(from vault: Vault) throws -> (contentType: String, bytes: [UInt8]) {
        let page: RecordPage
        var extra: [String: JSONValue] = [:]
        switch kind {
        case let .audit(type, id, from, to):
            let trail = try vault.audit(entityType: type, entityId: id,
                                        window: AuditWindow(from: from, to: to, cursor: nil, limit: Vault.maxPageSize))
            return ("application/json", try EvidenceJSON.auditBytes(trail))
        case let .player(player):
            page = try vault.playerTimeline(playerId: player, cursor: nil, limit: Vault.maxPageSize)
            extra["playerId"] = .string(player)
        case let .logs(stream, from, to):
            page = try vault.streamLog(stream: stream, from: from ?? Int64.min, to: to ?? Int64.max, cursor: nil,
                                       limit: Vault.maxPageSize, entityId: nil)
            extra["stream"] = .string(stream)
            extra["window"] = .object(["time": .string("recordedAt")])
        case let .report(label, period):
            page = try vault.reportRecords(covering: period, cursor: nil, limit: Vault.maxPageSize)
            extra["period"] = .string(label)
            extra["filed"] = .array(try vault.filedReports(within: period).map(\.json))
        case .export:
            preconditionFailure("an export is answered by answer(from:)")
        }
        if csv { return ("text/csv; charset=utf-8; header=present", Array(try ListingFormat.csv(page).utf8)) }
        return ("application/json", try EvidenceJSON.page(page, extra: extra).canonicalBytes)
    }
}

struct RequestQueryError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
