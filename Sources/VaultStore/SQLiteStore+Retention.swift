import Foundation
import GRDB

/// `RetentionStorage` in SQLite.
extension SQLiteStore {
    public func unerasedSubjects(after: Int64, limit: Int) throws -> [RetentionSubject] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                \(SQLiteStore.subjectColumns) WHERE r.seq > ? AND r.salt IS NOT NULL ORDER BY r.seq LIMIT ?
                """, arguments: [after, limit]).map(SQLiteStore.subject)
        }
    }

    public func subjects(seqs: [Int64]) throws -> [Int64: RetentionSubject] {
        try pool.read { db in
            let lookup = try db.cachedStatement(sql: "\(SQLiteStore.subjectColumns) WHERE r.seq = ?")
            var found: [Int64: RetentionSubject] = [:]
            for seq in seqs {
                if let row = try Row.fetchOne(lookup, arguments: [seq]) { found[seq] = SQLiteStore.subject(row) }
            }
            return found
        }
    }

    public func erasures(of seqs: [Int64]) throws -> [Int64: Int64] {
        try pool.read { db in
            let lookup = try db.cachedStatement(sql: "SELECT erased_by FROM erasures WHERE seq = ?")
            var found: [Int64: Int64] = [:]
            for seq in seqs {
                if let by = try Int64.fetchOne(lookup, arguments: [seq]) { found[seq] = by }
            }
            return found
        }
    }

    public func erasureCount(since seq: Int64) throws -> Int64 {
        try pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM erasures WHERE erased_by >= ?", arguments: [seq]) ?? 0
        }
    }

    public func purgeErasedData() throws -> String? {
        // secure_delete already zeroed the freed space in the pages the erasure rewrote; the old
        // page images still sit in the write-ahead log until it is checkpointed and truncated.
        try pool.writeWithoutTransaction { db in
            _ = try db.checkpoint(.truncate)
        }
        return nil
    }

    static let subjectColumns = """
        SELECT r.seq, r.event_id, r.stream, r.entity_type, r.entity_id, r.player_id, r.recorded_at, r.salt IS NULL, l.entry
        FROM records r LEFT JOIN leaves l ON l.seq = r.seq
        """

    static func subject(_ row: Row) -> RetentionSubject {
        RetentionSubject(seq: row[0], eventId: row[1], stream: row[2], entityType: row[3], entityId: row[4], playerId: row[5],
                         recordedAt: row[6], erased: row[7], entry: row[8])
    }
}
