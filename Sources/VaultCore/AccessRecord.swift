import Foundation
import VaultFormat

/// One inspector request, as the vault records it in its own log: the entry is of kind `access`,
/// on the stream `vault.access`, entity `inspector`/<identity>, so the log itself proves who looked
/// at what and when.
public struct AccessRecord: Sendable {
    /// The entity type of access records; the id is the inspector's identity.
    public static let entityType = "inspector"

    public let identity: String
    public let address: String
    public let method: String
    public let path: String
    public let query: String
    public let status: Int
    public let resultCount: Int?
    public let at: Int64

    public init(identity: String, address: String, method: String, path: String, query: String, status: Int,
                resultCount: Int?, at: Int64) {
        self.identity = identity
        self.address = address
        self.method = method
        self.path = path
        self.query = query
        self.status = status
        self.resultCount = resultCount
        self.at = at
    }

    /// The record, canonicalised and committed to, ready for the writer.
    public func validated() -> ValidatedRecord {
        var request: [String: JSONValue] = [
            "method": .string(method), "path": .string(String(path.prefix(512))), "query": .string(String(query.prefix(2048))),
            "status": .number(JSONNumber(status)),
        ]
        if let resultCount { request["resultCount"] = .number(JSONNumber(resultCount)) }
        return VaultRecord.make(stream: .access, kind: .access, entityType: Self.entityType, entityId: identity, action: "read",
                                actor: VaultActor(id: identity, ip: address), at: at, extra: ["request": .object(request)])
    }
}
