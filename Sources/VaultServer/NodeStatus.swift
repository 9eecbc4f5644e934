import Hummingbird
import VaultCore
import VaultFormat
import VaultStore

/// What `GET /healthz/node` answers: which storage this node runs on, whether it is the sequencer
/// (on PostgreSQL, the node holding the fenced lease, with its token; on SQLite, the one server
/// process, always), and the tree size it reads. A load balancer or an SRE finds the sequencer by
/// asking each node.
enum NodeStatus {
    static func json(vault: Vault) throws -> Response {
        let token = vault.store.sequencerToken
        let postgres = vault.store is PostgresStore
        var fields: [String: JSONValue] = [
            "storage": .string(postgres ? "postgresql" : "sqlite"),
            "sequencer": .bool(postgres ? token != nil : true),
            "treeSize": .number(JSONNumber(Int(try vault.store.treeSize()))),
        ]
        if let token { fields["leaseToken"] = .number(JSONNumber(Int(token))) }
        return Response.json(.object(fields))
    }
}
