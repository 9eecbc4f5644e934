import Foundation
import Hummingbird
import NIOCore
import VaultCore
import VaultFormat

/// Legal holds and the retention of single records:
///
/// | route | roles | what |
/// |---|---|---|
/// | `POST /v1/holds` | compliance_officer | place a hold: `{"scope":{...},"caseRef","reason"}` → 201 `{"hold","seq"}` |
/// | `POST /v1/holds/{id}/lift` | compliance_officer | lift it: `{"reason"}` → `{"hold","seq"}` |
/// | `GET /v1/holds[?all=true]` | compliance_officer | the active holds (all with `all=true`) |
/// | `GET /v1/records/{seq}/retention` | ingest, compliance_officer, admin | mode, retain-until, holds, erased |
/// | `PUT /v1/records/{seq}/retention` | ingest, compliance_officer, admin | `{"retainUntil","mode"?,"reason"?}` |
///
/// `PUT` extends retention (anyone with the route's roles), locks governance into compliance
/// (`"mode":"compliance"`), or shortens governance-mode retention: only the `admin` role, with the
/// header `x-amz-bypass-governance-retention: true` and a `reason`. Every change is an entry.
struct RetentionRoutes {
    let vault: Vault
    let writer: LogWriter

    func registerHolds(on group: CatalogedRoutes) {
        group.post("holds") { request, context in
            let body = try await jsonBody(request)
            guard let scope = body["scope"], let caseRef = body["caseRef"]?.stringValue, let reason = body["reason"]?.stringValue
            else {
                throw APIError(.badRequest, "invalid_request", "the body is {\"scope\":{...},\"caseRef\":\"...\",\"reason\":\"...\"}")
            }
            return try await answering {
                let (hold, seq) = try await writer.placeHold(scope: try LegalHold.Scope(json: scope), caseReference: caseRef,
                                                             reason: reason, actor: actor(context))
                return .json(.object(["hold": hold.json, "seq": .number(JSONNumber(Int(seq)))]), status: .created)
            }
        }
        group.post("holds/:id/lift") { request, context in
            let id = try context.parameters.require("id")
            let body = try await jsonBody(request)
            guard let reason = body["reason"]?.stringValue else {
                throw APIError(.badRequest, "invalid_request", "the body is {\"reason\":\"...\"}")
            }
            return try await answering {
                let (hold, seq) = try await writer.liftHold(id: id, reason: reason, actor: actor(context))
                return .json(.object(["hold": hold.json, "seq": .number(JSONNumber(Int(seq)))]))
            }
        }
        group.get("holds") { request, _ in
            let all = request.uri.queryParameters.get("all") == "true"
            return try answer {
                let holds = try vault.retention.holds().filter { all || $0.isActive }
                return .json(.object(["holds": .array(holds.map(\.json))])).counting(holds.count)
            }
        }
    }

    func registerRecordRetention(on group: CatalogedRoutes) {
        group.get("records/:seq/retention") { _, context in
            let seq = try pathSeq(context)
            return try answer { .json(try vault.retention.state(seq: seq).state.json) }
        }
        group.put("records/:seq/retention") { request, context in
            let seq = try pathSeq(context)
            let body = try await jsonBody(request)
            let reason = body["reason"]?.stringValue
            let change = try await requestedChange(request, context, body: body, seq: seq, reason: reason)
            return try await answering {
                let (state, changeSeq) = try await writer.changeRetention(seq: seq, change: change, actor: actor(context),
                                                                          reason: reason)
                return .json(.object(["retention": state.json, "seq": .number(JSONNumber(Int(changeSeq)))]))
            }
        }
    }

    /// Extension, lock into compliance, or (with the bypass header) governance shortening.
    private func requestedChange(_ request: Request, _ context: VaultRequestContext, body: JSONValue, seq: Int64,
                                 reason: String?) async throws -> RetentionState.Change {
        if body["mode"]?.stringValue == "compliance", body["retainUntil"] == nil { return .lockInComplianceMode }
        if let mode = body["mode"], mode.stringValue != "compliance" {
            throw APIError(.badRequest, "invalid_request", "mode can only be set to compliance; governance cannot be restored")
        }
        guard let text = body["retainUntil"]?.stringValue, let until = Timestamp.parseMillis(text) else {
            throw APIError(.badRequest, "invalid_request", "the body is {\"retainUntil\":\"RFC 3339 time\",\"reason\":\"...\"}")
        }
        let bypass = request.headers[.init("x-amz-bypass-governance-retention")!]?.lowercased() == "true"
        guard bypass else { return .extend(until: until) }
        let isAdmin = context.identity?.roles.contains(.admin) == true
        return .shorten(until: until, authority: RetentionState.Authority(isAdmin: isAdmin, bypassGovernance: true, reason: reason))
    }
}

/// Who made the request, as the vault records it.
func actor(_ context: VaultRequestContext) -> VaultActor {
    VaultActor(id: context.identity?.name ?? "unknown", role: context.identity?.roles.map(\.rawValue).sorted().first,
               ip: context.identity?.address)
}

/// The `:seq` path parameter.
func pathSeq(_ context: VaultRequestContext) throws -> Int64 {
    let text = try context.parameters.require("seq")
    guard let seq = Int64(text), seq >= 0, String(seq) == text else {
        throw APIError(.badRequest, "invalid_parameter", "the record's seq must be a number from 0 to 2^63-1")
    }
    return seq
}

/// A small JSON object body (at most 64 KiB).
func jsonBody(_ request: Request) async throws -> JSONValue {
    let buffer: ByteBuffer
    do {
        buffer = try await request.body.collect(upTo: 65_536)
    } catch {
        throw APIError(.contentTooLarge, "body_too_large", "the body is larger than 64 KiB")
    }
    do {
        let value = try JSONParser.parse(Array(buffer.readableBytesView))
        guard value.objectValue != nil else { throw APIError(.badRequest, "malformed_json", "the body must be a JSON object") }
        return value
    } catch let error as APIError {
        throw error
    } catch {
        throw APIError(.badRequest, "malformed_json", "\(error)")
    }
}

/// Runs an async vault operation, turning its errors into API errors.
func answering(_ body: () async throws -> Response) async throws -> Response {
    do {
        return try await body()
    } catch let error as VaultError {
        throw APIError.from(error)
    } catch let refusal as RetentionRefusal {
        throw APIError.from(refusal)
    } catch let error as VaultFormatError {
        throw APIError(.badRequest, error.code.rawValue, error.reason)
    }
}
