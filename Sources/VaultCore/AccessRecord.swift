import Foundation
public import VaultFormat

/// The vault's own streams, written by the vault rather than by clients.
public enum VaultStream: String, CaseIterable, Sendable {
    /// Every inspector request: who, from where, what, with what result.
    case access = "vault.access"
}

/// One inspector request, as the vault records it in its own log: the entry is of kind `access`,
/// on the stream `vault.access`, entity `inspector`/<identity>, so the log itself proves who looked
/// at what and when.
public struct AccessRecord: Sendable {
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
        let eventId = "access-" + UUID().uuidString.lowercased()
        var request: [String: JSONValue] = [
            "method": .string(method), "path": .string(String(path.prefix(512))), "query": .string(String(query.prefix(2048))),
            "status": .number(JSONNumber(status)),
        ]
        if let resultCount { request["resultCount"] = .number(JSONNumber(resultCount)) }
        let body = JSONValue.object([
            "eventId": .string(eventId), "stream": .string(VaultStream.access.rawValue),
            "entity": .object(["type": .string("inspector"), "id": .string(identity)]), "action": .string("read"),
            "actor": .object(["id": .string(identity), "ip": .string(address)]),
            "occurredAt": .string(Timestamp.format(millis: at)), "request": .object(request),
        ]).canonicalBytes
        let salt = SecureRandom.bytes(RecordValidator.saltLength)
        return ValidatedRecord(eventId: eventId, streamName: VaultStream.access.rawValue, kind: .access,
                               entityType: "inspector", entityId: identity, playerId: nil, jurisdiction: "",
                               occurredAt: at, canonicalBytes: body, state: nil, explicitDiff: nil, salt: salt,
                               commitment: Entry.commitment(salt: salt, record: body))
    }
}
