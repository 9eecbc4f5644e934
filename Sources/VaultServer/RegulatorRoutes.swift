import Foundation
import Hummingbird
import VaultCore
import VaultFormat
import VaultReports

/// The inspector API under `/regulator`: the signed checkpoint, proofs, and entity audit trails.
/// The sandbox mirror registers the same routes under `/sandbox/regulator` over its own log.
struct RegulatorRoutes {
    /// The log to answer from, asked once per request (the sandbox's changes when it is reset).
    let vaults: @Sendable () throws -> Vault

    init(vault: Vault) {
        vaults = { vault }
    }

    init(vaults: @escaping @Sendable () throws -> Vault) {
        self.vaults = vaults
    }

    func register(on group: CatalogedRoutes) {
        group.get("checkpoint") { _, _ in try checkpoint(try vaults()) }
        group.get("proof/inclusion") { request, _ in
            let vault = try vaults()
            let seq = try int64(request, "seq")
            let size = try request.uri.queryParameters.get("size").map { _ in try int64(request, "size") }
            let format = request.uri.queryParameters.get("format")
            guard format == nil || format == "tlog-proof" || format == "json" else {
                throw APIError(.badRequest, "invalid_parameter", "format is json (the default) or tlog-proof")
            }
            return try answer {
                guard format == "tlog-proof" else {
                    return .json(EvidenceJSON.inclusion(try vault.inclusionProof(seq: seq, size: size)))
                }
                // A C2SP tlog-proof against the signed checkpoint of that size (the latest by default).
                let treeSize = try size ?? vault.checkpointSize()
                guard let note = try vault.store.checkpoint(size: treeSize) else {
                    throw VaultError(.notFound, "no checkpoint was signed for tree size \(treeSize)")
                }
                let proof = try vault.inclusionProof(seq: seq, size: treeSize)
                let text = TlogProof(index: UInt64(seq), hashes: proof.hashes, checkpoint: note).text
                return Response.text(text, contentType: "text/plain; charset=utf-8")
            }
        }
        group.get("proof/consistency") { request, _ in
            let vault = try vaults()
            let from = try int64(request, "from"), to = try int64(request, "to")
            return try answer { .json(EvidenceJSON.consistency(try vault.consistencyProof(from: from, to: to))) }
        }
        group.get("audit") { request, context in
            let vault = try vaults()
            let entity = try string(request, "entity"), id = try string(request, "id")
            if entity == AccessRecord.entityType, let own = ownAccessesOnly(type: VaultStream.access.rawValue, context), id != own {
                throw APIError(.forbidden, "compliance_officer_only",
                               "the access journal of another inspector is the compliance officer's to read")
            }
            let (cursor, limit) = try paging(request)
            // Versions by when the change happened (occurredAt), as the answer's `window` says.
            let window = AuditWindow(from: try time(request, "from"), to: try time(request, "to"), cursor: cursor, limit: limit)
            return try answer {
                let trail = try vault.audit(entityType: entity, entityId: id, window: window)
                return Response.json(bytes: try EvidenceJSON.auditBytes(trail)).counting(trail.changes.count)
            }
        }
        group.get("logs/:type") { request, context in
            let vault = try vaults()
            let type = try context.parameters.require("type")
            let streams = RecordSchema.Stream.allCases.map(\.rawValue) + VaultStream.allCases.map(\.rawValue)
            guard streams.contains(type) else {
                throw APIError(.badRequest, "unknown_stream", "unknown stream '\(type.prefix(64))'; streams are "
                    + streams.joined(separator: ", "))
            }
            let from = try time(request, "from") ?? Int64.min
            let to = try time(request, "to") ?? Int64.max
            let (cursor, limit) = try paging(request)
            let onlyOwn = ownAccessesOnly(type: type, context)
            return try answer {
                try ListingFormat(accept: request.headers[.accept]).response(
                    try vault.streamLog(stream: type, from: from, to: to, cursor: cursor, limit: limit, entityId: onlyOwn),
                    // from and to filter on when the vault recorded a record (its index), and say so.
                    extra: ["stream": .string(type), "window": .object(["time": .string("recordedAt")])])
            }
        }
        group.get("reports/:period") { request, context in
            let vault = try vaults()
            let period = try reportingPeriod(context)
            let (cursor, limit) = try paging(request)
            return try answer {
                try ListingFormat(accept: request.headers[.accept]).response(
                    try vault.reportRecords(covering: period.1, cursor: cursor, limit: limit),
                    extra: ["period": .string(period.0),
                            "objects": .array(try vault.objectVersions(period: period.0).map(\.json)),
                            "filed": .array(try vault.filedReports(within: period.1).map(\.json))])
            }
        }
        group.get("reports/:period/:eventId") { _, context in
            let vault = try vaults()
            let period = try reportingPeriod(context)
            let eventId = try context.parameters.require("eventId")
            return try answer {
                // A stored report file: its event id is object:<version id>.
                if let version = try vault.objectVersions(period: period.0).first(where: { "object:" + $0.versionId == eventId }) {
                    var response = Response(status: .ok, headers: [.contentType: version.contentType],
                                            body: .pieces(try vault.objectBytes(version)))
                    response.headers[.init("x-regvault-seq")!] = String(version.seq)
                    response.headers[.eTag] = "\"\(version.sha256)\""
                    return response.counting(1)
                }
                // A report record belongs to the period it covers (`Vault.coveredPeriod`), whoever filed it.
                guard let record = try vault.store.records(eventIds: [eventId])[eventId],
                      record.stream == RecordSchema.Stream.report.rawValue,
                      Vault.coveredPeriod(of: record).isInside(period.1) else {
                    throw APIError(.notFound, "not_found", "no report \(eventId) filed in \(period.0)")
                }
                let entry = try vault.entry(seq: record.seq)
                let item = try [HistoryItem(record: record, entry: entry.bytes)].verified().withErasures(from: vault.store)[0]
                return .json(try EvidenceJSON.version(item))
            }
        }
        group.get("player/:id") { request, context in
            let vault = try vaults()
            let id = try context.parameters.require("id")
            let (cursor, limit) = try paging(request)
            return try answer {
                try ListingFormat(accept: request.headers[.accept]).response(
                    try vault.playerTimeline(playerId: id, cursor: cursor, limit: limit), extra: ["playerId": .string(id)])
            }
        }
    }
}

/// The access journal (`vault.access`) is the compliance officer's: anyone else reads only their
/// own accesses. The identity whose accesses `type` is limited to, or nil for no limit.
func ownAccessesOnly(type: String, _ context: VaultRequestContext) -> String? {
    guard type == VaultStream.access.rawValue, let identity = context.identity,
          !identity.roles.contains(.complianceOfficer) else { return nil }
    return identity.name
}

/// The `:period` path parameter: a day, ISO week, month or quarter.
func reportingPeriod(_ context: VaultRequestContext) throws -> (String, ReportPeriod) {
    let text = try context.parameters.require("period")
    guard let period = try? ReportPeriod(parsing: text) else {
        throw APIError(.badRequest, "invalid_period",
                       "period must be a day (2026-11-20), ISO week (2026-W47), month (2026-11) or quarter (2026-Q4)")
    }
    return (text, period)
}

/// An optional RFC 3339 time query parameter, in milliseconds.
func time(_ request: Request, _ name: String) throws -> Int64? {
    guard let text = request.uri.queryParameters.get(name) else { return nil }
    guard let millis = Timestamp.parseMillis(text) else {
        throw APIError(.badRequest, "invalid_parameter", "query parameter '\(name)' must be an RFC 3339 time")
    }
    return millis
}

/// The `cursor` and `limit` (default 100) query parameters.
func paging(_ request: Request, defaultLimit: Int = 100) throws -> (PageCursor?, Int) {
    var limit = defaultLimit
    if let text = request.uri.queryParameters.get("limit") {
        guard let value = Int(text), String(value) == text, (1...Vault.maxPageSize).contains(value) else {
            throw APIError(.badRequest, "invalid_parameter", "limit must be a whole number from 1 to \(Vault.maxPageSize)")
        }
        limit = value
    }
    guard let text = request.uri.queryParameters.get("cursor") else { return (nil, limit) }
    do {
        return (try PageCursor(text), limit)
    } catch {
        throw APIError(.badRequest, "invalid_cursor", "cursor is malformed; pass the nextCursor of the previous page unchanged")
    }
}

/// The latest signed checkpoint note, `text/plain`.
func checkpoint(_ vault: Vault) throws -> Response {
    guard let checkpoint = try vault.latestCheckpoint() else {
        throw APIError(.serviceUnavailable, "no_checkpoint", "the vault has no checkpoint yet")
    }
    return .text(checkpoint.serialized)
}

/// Runs a vault read, turning its errors into API errors.
func answer(_ body: () throws -> Response) throws -> Response {
    do {
        return try body()
    } catch let error as VaultError {
        throw APIError.from(error)
    } catch let error as VaultFormatError {
        throw APIError(.badRequest, error.code.rawValue, error.reason)
    }
}

/// A required query parameter.
func string(_ request: Request, _ name: String) throws -> String {
    guard let value = request.uri.queryParameters.get(name), !value.isEmpty else {
        throw APIError(.badRequest, "missing_parameter", "query parameter '\(name)' is required")
    }
    guard value.utf8.count <= 256 else {
        throw APIError(.badRequest, "invalid_parameter", "query parameter '\(name)' is too long")
    }
    return value
}

/// A required query parameter that is a non-negative canonical decimal.
func int64(_ request: Request, _ name: String) throws -> Int64 {
    let text = try string(request, name)
    guard let value = Int64(text), value >= 0, String(value) == text else {
        throw APIError(.badRequest, "invalid_parameter", "query parameter '\(name)' must be a number from 0 to 2^63-1")
    }
    return value
}
