import Foundation
import Hummingbird
import VaultCore
import VaultFormat
import VaultJSON

/// Incidents as compliance officers handle them (role compliance_officer):
///
/// | route | what |
/// |---|---|
/// | `GET /v1/incidents[?status=open\|acknowledged\|notified\|closed][&severity=P1]` | every incident, newest first: its state, deadlines (met, missed), notices and ticket |
/// | `GET /v1/incidents/{id}` | one incident (entity `incident`/{id}) |
/// | `POST /v1/incidents/{id}/acknowledge` | `{"reason"?}`: the ticket is acknowledged, by whom and why |
/// | `POST /v1/incidents/{id}/notify` | `{"reason"}`: the regulator was told another way (a portal, a call); deadlines count it as met when it was before them |
/// | `POST /v1/incidents/{id}/close` | `{"reason"}`: the ticket is closed; nothing follows |
///
/// Each step is an entry on the incident itself (`IncidentTicket`); a step already taken, or any
/// after `close`, is refused 409.
struct IncidentRoutes {
    let vault: Vault
    let writer: LogWriter
    /// Public holidays by jurisdiction, for incidents' working-day deadlines.
    var holidays: [String: Set<String>] = [:]

    static let statuses = ["open", "acknowledged", "notified", "closed"]

    func register(on group: CatalogedRoutes) {
        group.get("incidents") { request, _ in
            let status = request.uri.queryParameters.get("status").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
            if let status, !IncidentRoutes.statuses.contains(status) {
                throw APIError(.badRequest, "invalid_parameter", "status is one of " + IncidentRoutes.statuses.joined(separator: ", "))
            }
            let severity = request.uri.queryParameters.get("severity").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
            if let severity, !["P1", "P2", "P3", "P4"].contains(severity) {
                throw APIError(.badRequest, "invalid_parameter", "severity is one of P1, P2, P3, P4")
            }
            return try answer {
                let incidents = try vault.incidents(holidays: holidays).filter {
                    (status == nil || $0.ticket.status.rawValue == status) && (severity == nil || $0.severity == severity)
                }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                return .json(.object(["incidents": .array(incidents.map { $0.json(now: now) })])).counting(incidents.count)
            }
        }
        group.get("incidents/:id") { _, context in
            let id = try context.parameters.require("id")
            return try answer {
                guard let incident = try vault.incident(entityId: id, holidays: holidays) else {
                    throw VaultError(.notFound, "no incident \(id)")
                }
                return .json(incident.json(now: Int64(Date().timeIntervalSince1970 * 1000)))
            }
        }
        for action in ["acknowledge", "notify", "close"] {
            group.post("incidents/:id/\(action)") { request, context in
                let id = try context.parameters.require("id")
                let body = try await optionalJSONBody(request)
                let reason = body["reason"]?.stringValue
                if action != "acknowledge", (reason ?? "").isEmpty {
                    throw APIError(.badRequest, "invalid_request", action == "close"
                        ? "the body is {\"reason\":\"...\"}: what was done, what was found"
                        : "the body is {\"reason\":\"...\"}: how and when the regulator was told (a portal reference, a call)")
                }
                return try await answering {
                    _ = try await writer.advanceIncident(entityId: id, action: action, reason: reason, actor: actor(context))
                    guard let incident = try vault.incident(entityId: id, holidays: holidays) else {
                        throw VaultError(.notFound, "no incident \(id)")
                    }
                    return .json(incident.json(now: Int64(Date().timeIntervalSince1970 * 1000)))
                }
            }
        }
    }
}

/// A small JSON object body, or an empty object when the body is empty.
func optionalJSONBody(_ request: Request) async throws -> [String: JSONValue] {
    if let length = request.headers[.contentLength], length == "0" { return [:] }
    if request.headers[.contentLength] == nil, request.headers[.transferEncoding] == nil { return [:] }
    return try await jsonBody(request).objectValue ?? [:]
}
