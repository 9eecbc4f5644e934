import Foundation
import Hummingbird
import VaultCore
import VaultFormat
import VaultJSON

/// What the vault has sent and how each attempt went:
///
/// | route | roles | what |
/// |---|---|---|
/// | `GET /v1/deliveries[?status=pending\|retrying\|delivered\|dead][&limit=&cursor=]` | compliance_officer | every delivery's latest state, newest first, up to 1,000 a page (`nextCursor`) |
/// | `GET /v1/deliveries/{id}` | compliance_officer | one delivery: its latest state and every entry (enqueue, each attempt), with seqs |
/// | `POST /v1/deliveries/{id}/retry` | compliance_officer | `{"reason"}`: send a dead delivery again (after the receiver's outage), recorded with who and why |
///
/// A delivery's state names its destination, what it carries, its status, attempts, next attempt
/// and the last attempt's outcome (HTTP status, SHA-256 of the receiver's answer, duration, error).
struct DeliveryRoutes {
    let vault: Vault
    let writer: LogWriter

    func register(on group: CatalogedRoutes) {
        group.get("deliveries") { request, _ in
            let statusText = request.uri.queryParameters.get("status")
            let status = try statusText.map { text in
                guard let status = Delivery.Status(rawValue: text) else {
                    throw APIError(.badRequest, "invalid_request", "status is one of "
                        + Delivery.Status.allCases.map(\.rawValue).joined(separator: ", "))
                }
                return status
            }
            let (cursor, limit) = try paging(request, defaultLimit: Vault.maxPageSize)
            return try answer {
                // Newest first: a page holds the deliveries recorded before the cursor's seq.
                let all = try vault.deliveries(status: status).filter { cursor == nil || $0.seq < cursor!.seq }
                let page = Array(all.prefix(limit))
                let next: JSONValue = all.count > limit && page.last != nil ? .string(PageCursor(recordedAt: 0, seq: page.last!.seq).text) : .null
                return .json(.object(["deliveries": .array(page.map(\.json)), "nextCursor": next])).counting(page.count)
            }
        }
        group.post("deliveries/:id/retry") { request, context in
            let id = try context.parameters.require("id")
            let body = try await jsonBody(request)
            guard let reason = body["reason"]?.stringValue, !reason.isEmpty else {
                throw APIError(.badRequest, "invalid_request", "the body is {\"reason\":\"...\"} (why it is sent again)")
            }
            return try await answering {
                .json(try await writer.retryDelivery(id: id, reason: reason, actor: actor(context), outbox: vault.store).json)
            }
        }
        group.get("deliveries/:id") { _, context in
            let id = try context.parameters.require("id")
            return try answer {
                let history = try vault.deliveryHistory(id: id)
                guard let latest = history.last else { throw VaultError(.notFound, "no delivery \(id)") }
                var object = latest.json.objectValue ?? [:]
                object["entries"] = .array(history.map(\.json))
                return .json(.object(object))
            }
        }
    }
}
