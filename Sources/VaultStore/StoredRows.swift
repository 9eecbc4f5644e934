public import Foundation

/// A checkpoint row exactly as stored.
public struct CheckpointRow: Sendable, Equatable {
    public let size: Int64
    public let root: Data
    /// The signed note, as served.
    public let note: String
    /// When it was signed, milliseconds since the Unix epoch.
    public let createdAt: Int64

    public init(size: Int64, root: Data, note: String, createdAt: Int64) {
        self.size = size
        self.root = root
        self.note = note
        self.createdAt = createdAt
    }
}

/// The stored rows of a vault exactly as kept (record columns still compressed and sealed), for
/// moving a vault from one store to another and proving afterwards that both hold the same rows.
/// Every read is one snapshot of its own; the caller keeps writers away while it copies.
public protocol StoredRowReading: Sendable {
    /// Every `meta` setting.
    func metadataRows() throws -> [String: String]
    /// The records with `from <= seq < to`, in seq order, their columns as stored (not opened).
    func sealedRecords(from: Int64, to: Int64) throws -> [StoredRecord]
    /// Every checkpoint, in size order.
    func checkpointRows() throws -> [CheckpointRow]
    /// Every erasure: the erased record's seq and the erasure entry's.
    func erasureRows() throws -> [Int64: Int64]
    /// Every delivery still in the outbox.
    func outboxRows() throws -> [OutboxItem]
    /// Every compression dictionary, in the order they were stored.
    func dictionaryRows() throws -> [StoredDictionary]
}
