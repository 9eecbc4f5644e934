public import Foundation

/// What retention decisions need to know of one stored record.
public struct RetentionSubject: Sendable, Equatable {
    public let seq: Int64
    public let eventId: String
    public let stream: String
    public let entityType: String
    public let entityId: String
    public let playerId: String?
    public let recordedAt: Int64
    public let erased: Bool
    /// The record's entry, exactly as stored.
    public let entry: Data

    public init(seq: Int64, eventId: String, stream: String, entityType: String, entityId: String, playerId: String?, recordedAt: Int64,
                erased: Bool, entry: Data) {
        self.seq = seq
        self.eventId = eventId
        self.stream = stream
        self.entityType = entityType
        self.entityId = entityId
        self.playerId = playerId
        self.recordedAt = recordedAt
        self.erased = erased
        self.entry = entry
    }
}
