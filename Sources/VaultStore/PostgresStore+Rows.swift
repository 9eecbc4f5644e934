import Foundation
import PostgresNIO

/// `StoredRowReading` in PostgreSQL.
extension PostgresStore: StoredRowReading {
    public func metadataRows() throws -> [String: String] {
        try Dictionary(rows("SELECT key, value FROM meta").map { (try $0.string(0), try $0.string(1)) },
                       uniquingKeysWith: { first, _ in first })
    }

    public func sealedRecords(from: Int64, to: Int64) throws -> [StoredRecord] {
        try rows("\(unescaped: PostgresStore.recordColumns) WHERE seq >= \(from) AND seq < \(to) ORDER BY seq").map(PostgresStore.record)
    }

    public func checkpointRows() throws -> [CheckpointRow] {
        try rows("SELECT size, root, note, created_at FROM checkpoints ORDER BY size").map {
            CheckpointRow(size: try $0.int64(0), root: try $0.data(1), note: try $0.string(2), createdAt: try $0.int64(3))
        }
    }

    public func erasureRows() throws -> [Int64: Int64] {
        try Dictionary(rows("SELECT seq, erased_by FROM erasures").map { (try $0.int64(0), try $0.int64(1)) },
                       uniquingKeysWith: { first, _ in first })
    }

    public func outboxRows() throws -> [OutboxItem] {
        try rows("SELECT delivery_id, attempts::bigint, due_at FROM outbox ORDER BY delivery_id").map {
            OutboxItem(deliveryId: try $0.string(0), attempts: Int(try $0.int64(1)), dueAt: try $0.int64(2))
        }
    }

    public func dictionaryRows() throws -> [StoredDictionary] {
        try storedDictionaries()
    }
}
