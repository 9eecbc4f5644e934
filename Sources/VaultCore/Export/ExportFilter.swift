import VaultFormat
import VaultStore

/// What a partial export selects; all given filters must match. Empty: a full export.
public struct ExportFilter: Sendable, Equatable {
    /// Recorded-at window `[from, to)`, milliseconds.
    public var from: Int64?
    public var to: Int64?
    public var entityType: String?
    public var entityId: String?
    public var player: String?
    public var stream: String?

    public init(from: Int64? = nil, to: Int64? = nil, entityType: String? = nil, entityId: String? = nil,
                player: String? = nil, stream: String? = nil) {
        self.from = from
        self.to = to
        self.entityType = entityType
        self.entityId = entityId
        self.player = player
        self.stream = stream
    }

    public var isEmpty: Bool { self == ExportFilter() }

    /// The filter as the manifest states it: canonical JSON, `{}` when empty.
    public var canonicalJSON: String {
        var object: [String: JSONValue] = [:]
        if let from { object["from"] = .string(Timestamp.format(millis: from)) }
        if let to { object["to"] = .string(Timestamp.format(millis: to)) }
        if let entityType, let entityId { object["entity"] = .object(["type": .string(entityType), "id": .string(entityId)]) }
        if let player { object["player"] = .string(player) }
        if let stream { object["stream"] = .string(stream) }
        return String(decoding: JSONValue.object(object).canonicalBytes, as: UTF8.self)
    }

    /// Checks that the filter is usable: an entity needs both type and id, a window must not be empty.
    func validate() throws(VaultError) {
        guard (entityType == nil) == (entityId == nil) else {
            throw VaultError(.invalidRequest, "an entity filter needs both its type and its id")
        }
        if let from, let to, from >= to { throw VaultError(.invalidRequest, "the time window is empty: from must be before to") }
    }

    func matches(_ record: StoredRecord) -> Bool {
        (from.map { record.recordedAt >= $0 } ?? true) && (to.map { record.recordedAt < $0 } ?? true)
            && (entityType.map { record.entityType == $0 } ?? true) && (entityId.map { record.entityId == $0 } ?? true)
            && (player.map { record.playerId == $0 } ?? true) && (stream.map { record.stream == $0 } ?? true)
    }
}
