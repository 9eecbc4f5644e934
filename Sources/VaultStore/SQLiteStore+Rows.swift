import Foundation
import GRDB

/// `StoredRowReading` in SQLite.
extension SQLiteStore: StoredRowReading {
    public func metadataRows() throws -> [String: String] {
        try pool.read { db in
            try Dictionary(Row.fetchAll(db, sql: "SELECT key, value FROM meta").map { ($0[0] as String, $0[1] as String) },
                           uniquingKeysWith: { first, _ in first })
        }
    }

    public func sealedRecords(from: Int64, to: Int64) throws -> [StoredRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "\(SQLiteStore.recordColumns) WHERE seq >= ? AND seq < ? ORDER BY seq",
                             arguments: [from, to]).map(SQLiteStore.record)
        }
    }

    public func checkpointRows() throws -> [CheckpointRow] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT size, root, note, created_at FROM checkpoints ORDER BY size").map {
                CheckpointRow(size: $0[0], root: $0[1], note: $0[2], createdAt: $0[3])
            }
        }
    }

    public func erasureRows() throws -> [Int64: Int64] {
        try pool.read { db in
            try Dictionary(Row.fetchAll(db, sql: "SELECT seq, erased_by FROM erasures").map { ($0[0] as Int64, $0[1] as Int64) },
                           uniquingKeysWith: { first, _ in first })
        }
    }

    public func outboxRows() throws -> [OutboxItem] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT delivery_id, attempts, due_at FROM outbox ORDER BY delivery_id").map {
                OutboxItem(deliveryId: $0[0], attempts: $0[1], dueAt: $0[2])
            }
        }
    }

    public func dictionaryRows() throws -> [StoredDictionary] {
        try storedDictionaries()
    }
}
