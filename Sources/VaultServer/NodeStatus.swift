import Hummingbird
import VaultCore
import VaultFormat
import VaultStore

/// What `GET /healthz/node` answers: which storage this node runs on, whether it is the sequencer
/// (on PostgreSQL, the node holding the fenced lease, with its token; on SQLite, the one server
/// process, always), and the tree size it reads. A load balancer or an SRE finds the sequencer by
/// asking each node. `GET /healthz/sequencer` answers the same body with the answer in its status,
/// for a load balancer that routes by status alone: 200 on the sequencer, 503 on a standby.
enum NodeStatus {
    /// The routes a standby answers itself rather than sending to the sequencer.
    static let standbyPaths: Set<String> = ["/healthz/node", "/healthz/sequencer"]

    static func json(vault: Vault) throws -> Response {
        Response.json(.object(try fields(vault: vault)))
    }

    /// 200 when this node is the sequencer, 503 when it is a standby; the body is `json`'s.
    static func sequencerCheck(vault: Vault) throws -> Response {
        let fields = try fields(vault: vault)
        return Response.json(.object(fields), status: fields["sequencer"] == .bool(true) ? .ok : .serviceUnavailable)
    }

    private static func fields(vault: Vault) throws -> [String: JSONValue] {
        let token = vault.store.sequencerToken
        let postgres = vault.store is PostgresStore
        var fields: [String: JSONValue] = [
            "storage": .string(postgres ? "postgresql" : "sqlite"),
            "sequencer": .bool(postgres ? token != nil : true),
            "treeSize": .number(JSONNumber(Int(try vault.store.treeSize()))),
        ]
        if let token { fields["leaseToken"] = .number(JSONNumber(Int(token))) }
        return fields
    }

    /// Both routes, by path without the leading slash; their answers read the store off the event loops.
    static func routes(vault: Vault) -> [(path: String, handler: @Sendable (Request, VaultRequestContext) async throws -> Response)] {
        [("healthz/node", { _, _ in try await VaultHTTPServer.offloaded { try NodeStatus.json(vault: vault) } }),
         ("healthz/sequencer", { _, _ in try await VaultHTTPServer.offloaded { try NodeStatus.sequencerCheck(vault: vault) } })]
    }
}
