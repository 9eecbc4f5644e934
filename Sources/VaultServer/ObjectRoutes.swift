import Foundation
import Hummingbird
import NIOCore
import VaultCore
import VaultFormat
import VaultReports

/// Write-once objects (reports and documents) with S3 Object Lock semantics:
///
/// | route | roles | what |
/// |---|---|---|
/// | `PUT /v1/objects/{key}` | ingest | store a new version; the body is the bytes |
/// | `GET`, `HEAD /v1/objects/{key}[?versionId=]` | ingest, compliance_officer, admin | the bytes and lock state |
/// | `GET /v1/objects/{key}?versions=true` | ingest, compliance_officer, admin | every version, as JSON |
/// | `DELETE /v1/objects/{key}?versionId=` | admin, with governance bypass | erase one version early |
///
/// Lock settings on `PUT`, with the S3 header names or one JSON header:
/// `x-amz-object-lock-mode: GOVERNANCE|COMPLIANCE`, `x-amz-object-lock-retain-until-date: RFC 3339`,
/// `x-amz-object-lock-legal-hold: ON|OFF`, or `x-regvault-object-lock: {"mode","retainUntil","legalHold"}`.
/// Also `x-regvault-report-period` (`2026-11`, `2026-W47`, `2026-Q4`, `2026-11-20`) to list the
/// object under `/regulator/reports/{period}`, and `x-regvault-jurisdiction` to choose the
/// retention policy (the report rule of that jurisdiction; the operator default otherwise).
struct ObjectRoutes {
    let vault: Vault
    let writer: LogWriter
    let maxObjectBytes: Int

    func registerWrites(on group: CatalogedRoutes) {
        group.put("objects/**") { request, context in try await put(request, context) }
    }

    func registerReads(on group: CatalogedRoutes) {
        group.get("objects/**") { request, context in try read(request, context, withBody: true) }
        group.head("objects/**") { request, context in try read(request, context, withBody: false) }
        group.delete("objects/**") { request, context in try await delete(request, context) }
    }

    /// The key as the client wrote it in the path: the router's catch-all folds `a//b` into `a/b` and
    /// drops a trailing `/`, which would store an object under a key its writer never named.
    private func key(_ request: Request) throws -> String {
        let prefix = "/v1/objects/"
        let path = request.uri.path
        let key = path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : ""
        guard ObjectKey.isValid(key) else {
            throw APIError(.badRequest, "invalid_key", "object keys are 1 to \(ObjectKey.maxLength) characters of "
                + "A-Z a-z 0-9 . _ - in /-separated segments")
        }
        return key
    }

    private func put(_ request: Request, _ context: VaultRequestContext) async throws -> Response {
        let key = try key(request)
        let lock = try lockRequest(request)
        // A legal hold is a compliance officer's decision (POST /v1/holds), never a writer's.
        if lock.legalHold, context.identity?.roles.contains(.complianceOfficer) != true {
            throw APIError(.forbidden, "legal_hold_not_allowed",
                           "only a compliance officer places legal holds (POST /v1/holds); store the object without "
                           + "x-amz-object-lock-legal-hold: ON")
        }
        let period = request.headers[.init("x-regvault-report-period")!]
        if let period, (try? ReportPeriod(parsing: period)) == nil {
            throw APIError(.badRequest, "invalid_period", "x-regvault-report-period must be a day, ISO week, month or quarter")
        }
        let jurisdiction = request.headers[.init("x-regvault-jurisdiction")!] ?? ""
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxObjectBytes)
        } catch {
            throw APIError(.contentTooLarge, "body_too_large", "objects are at most \(maxObjectBytes) bytes")
        }
        let contentType = request.headers[.contentType] ?? "application/octet-stream"
        return try await answering {
            let version = try await writer.putObject(key: key, bytes: Data(buffer.readableBytesView), contentType: contentType,
                                                     period: period, jurisdiction: jurisdiction, lock: lock,
                                                     actor: actor(context))
            let state = try vault.retention.state(seq: version.seq).state
            var response = Response.json(describe(version, state))
            headers(version, state, into: &response)
            return response
        }
    }

    private func read(_ request: Request, _ context: VaultRequestContext, withBody: Bool) throws -> Response {
        let key = try key(request)
        if request.uri.queryParameters.get("versions") == "true" {
            return try answer {
                let versions = try vault.objectVersions(key: key)
                guard !versions.isEmpty else { throw VaultError(.notFound, "no object \(key)") }
                return .json(.object(["key": .string(key), "versions": .array(versions.map(\.json))]))
            }
        }
        let versionId = request.uri.queryParameters.get("versionId")
        return try answer {
            let version = try vault.objectVersion(key: key, versionId: versionId)
            let state = try vault.retention.state(seq: version.seq).state
            if version.erased {
                throw APIError(.gone, "erased", "version \(version.versionId) of \(key) was erased at the end of its "
                    + "retention; its entry \(version.seq) remains in the log")
            }
            let bytes = withBody ? try vault.objectBytes(version) : Data()
            var response = Response(status: .ok, headers: [.contentType: version.contentType],
                                    body: .pieces(bytes))
            headers(version, state, into: &response)
            response.headers[.contentLength] = String(version.size)
            return response
        }
    }

    private func delete(_ request: Request, _ context: VaultRequestContext) async throws -> Response {
        let key = try key(request)
        guard let versionId = request.uri.queryParameters.get("versionId") else {
            throw APIError(.badRequest, "version_required", "give ?versionId=: versions are never hidden, only erased "
                + "when their retention allows")
        }
        let bypass = request.headers[.init("x-amz-bypass-governance-retention")!]?.lowercased() == "true"
        let authority = RetentionState.Authority(isAdmin: context.identity?.roles.contains(.admin) == true,
                                                 bypassGovernance: bypass,
                                                 reason: request.headers[.init("x-regvault-reason")!])
        return try await answering {
            let version = try vault.objectVersion(key: key, versionId: versionId)
            let erasureSeq = try await writer.deleteObjectVersion(version, authority: authority, actor: actor(context))
            return .json(.object(["key": .string(key), "versionId": .string(versionId),
                                  "erasedBy": .number(JSONNumber(Int(erasureSeq)))]))
        }
    }

    private func lockRequest(_ request: Request) throws -> ObjectLockRequest {
        var lock = ObjectLockRequest()
        if let json = request.headers[.init("x-regvault-object-lock")!] {
            guard let value = try? JSONParser.parse(Array(json.utf8)), value.objectValue != nil else {
                throw APIError(.badRequest, "invalid_lock", "x-regvault-object-lock must be a JSON object")
            }
            lock.mode = try value["mode"]?.stringValue.map(mode)
            lock.retainUntil = try value["retainUntil"]?.stringValue.map(time)
            lock.legalHold = value["legalHold"] == .bool(true)
        }
        if let text = request.headers[.init("x-amz-object-lock-mode")!] { lock.mode = try mode(text) }
        if let text = request.headers[.init("x-amz-object-lock-retain-until-date")!] { lock.retainUntil = try time(text) }
        if let text = request.headers[.init("x-amz-object-lock-legal-hold")!] {
            guard text == "ON" || text == "OFF" else {
                throw APIError(.badRequest, "invalid_lock", "x-amz-object-lock-legal-hold is ON or OFF")
            }
            lock.legalHold = text == "ON"
        }
        return lock
    }

    private func mode(_ text: String) throws -> RetentionMode {
        guard let mode = RetentionMode(name: text.lowercased()) else {
            throw APIError(.badRequest, "invalid_lock", "the lock mode is GOVERNANCE or COMPLIANCE")
        }
        return mode
    }

    private func time(_ text: String) throws -> Int64 {
        guard let millis = Timestamp.parseMillis(text) else {
            throw APIError(.badRequest, "invalid_lock", "the retain-until date must be an RFC 3339 time")
        }
        return millis
    }

    private func describe(_ version: ObjectVersion, _ state: RetentionState) -> JSONValue {
        var object = version.json.objectValue ?? [:]
        object["retention"] = state.json
        return .object(object)
    }

    /// The S3 headers of a version's lock state, plus its seq.
    private func headers(_ version: ObjectVersion, _ state: RetentionState, into response: inout Response) {
        response.headers[.init("x-amz-version-id")!] = version.versionId
        response.headers[.init("x-amz-object-lock-mode")!] = state.mode.name.uppercased()
        response.headers[.init("x-amz-object-lock-retain-until-date")!] = Timestamp.format(millis: state.retainUntil)
        response.headers[.init("x-amz-object-lock-legal-hold")!] = state.holds.isEmpty ? "OFF" : "ON"
        response.headers[.init("x-regvault-seq")!] = String(version.seq)
        response.headers[.eTag] = "\"\(version.sha256)\""
    }
}
