import Foundation
import Hummingbird
import VaultCore
import VaultFormat
import VaultJSON

/// What the read access of a P1 notice opens, and nothing more. The request still needs a client
/// certificate of a configured identity from an allowed address; the credential
/// (`Authorization: Bearer rvi_…`, or `?access=rvi_…` as the notice's link has it) then stands
/// in for the certificate's roles, so every other route refuses it.
///
/// | route | what |
/// |---|---|
/// | `GET /access/incident` | the grant (players, window, expiry) and the incident: its state, deadlines and ticket |
/// | `GET /access/incident/logs[?player=P][&from=&to=&cursor=&limit=]` | the incident's players' records (or P's) whose `occurredAt` is in the window, in seq order, with proofs |
///
/// A player outside the grant or a window outside its own is refused 403; an expired or unknown
/// grant 401. Every request is an access entry naming `<common name>/access:<grant id>`.
struct IncidentAccessRoutes {
    let vault: Vault
    var holidays: [String: Set<String>] = [:]

    func register(on group: CatalogedRoutes) {
        group.get("incident") { _, context in
            let grant = try grant(context)
            return try answer {
                var object: [String: JSONValue] = ["grant": grant.json]
                if let incident = try vault.incident(entityType: grant.incidentType, entityId: grant.incidentId, holidays: holidays) {
                    var shown = incident.json(now: Int64(Date().timeIntervalSince1970 * 1000)).objectValue ?? [:]
                    // Other regulators' notices and the officers' ticket notes are not this grant's.
                    shown["notices"] = nil
                    shown["ticket"] = nil
                    if var state = shown["state"]?.objectValue {
                        state["ticket"] = nil
                        shown["state"] = .object(state)
                    }
                    object["incident"] = .object(shown)
                }
                return .json(.object(object))
            }
        }
        group.get("incident/logs") { request, context in
            let grant = try grant(context)
            let player = request.uri.queryParameters.get("player").map { String($0) }
            if let player, !grant.players.contains(player) {
                throw APIError(.forbidden, "outside_grant", "player \(player) is not one of this incident's players: "
                    + grant.players.joined(separator: ", "))
            }
            let from = try time(request, "from") ?? grant.from
            let to = try time(request, "to") ?? grant.to
            guard from >= grant.from, to <= grant.to, from < to else {
                throw APIError(.forbidden, "outside_grant", "the window must lie within \(Timestamp.format(millis: grant.from)) "
                    + "to \(Timestamp.format(millis: grant.to))")
            }
            let (cursor, limit) = try paging(request)
            return try answer {
                try ListingFormat(accept: request.headers[.accept]).response(
                    try vault.incidentAccessRecords(players: player.map { [$0] } ?? grant.players, from: from, to: to, cursor: cursor,
                                                    limit: limit),
                    extra: ["players": .array((player.map { [$0] } ?? grant.players).map(JSONValue.string)),
                            "grantId": .string(grant.grantId)])
            }
        }
    }

    /// The request's grant, in force; refuses a request without one (403) or with one expired (401).
    private func grant(_ context: VaultRequestContext) throws -> IncidentAccessGrant {
        guard let grantId = context.identity?.incidentGrant else {
            throw APIError(.forbidden, "forbidden", "/access/ opens with the read access a P1 notice carries (rvi_…)")
        }
        guard let grant = try vault.incidentAccessGrant(id: grantId) else {
            throw APIError(.unauthorized, "invalid_token", "no grant \(grantId)")
        }
        guard grant.expiresAt > Int64(Date().timeIntervalSince1970 * 1000) else {
            throw APIError(.unauthorized, "invalid_token", "this read access expired at \(Timestamp.format(millis: grant.expiresAt))")
        }
        return grant
    }
}
