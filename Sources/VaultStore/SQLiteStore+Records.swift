import Foundation
public import GRDB

/// `RecordStorage` in SQLite, and how a record row is read and written.
extension SQLiteStore {
    public func records(eventIds: [String]) throws -> [String: StoredRecord] {
        if eventIds.isEmpty { return [:] }
        return try pool.read { db in
            // One index seek per event id on a prepared statement, in one read transaction.
            let lookup = RawStatement(try db.cachedStatement(sql: "\(SQLiteStore.recordColumns) WHERE event_id = ?"))
            var found: [String: StoredRecord] = [:]
            for eventId in eventIds {
                lookup.bind(1, eventId)
                while try lookup.next(db) { found[eventId] = try opened(SQLiteStore.record(lookup)) }
            }
            return found
        }
    }

    public func history(entityType: String, entityId: String) throws -> [StoredRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "\(SQLiteStore.recordColumns) WHERE entity_type = ? AND entity_id = ? ORDER BY seq",
                             arguments: [entityType, entityId]).map { try self.opened(SQLiteStore.record($0)) }
        }
    }

    public func histories(entityType: String, idPrefix: String) throws -> [StoredRecord] {
        // The range [prefix, prefix + U+10FFFF) of the entity index: ids compare as UTF-8 bytes.
        try pool.read { db in
            try Row.fetchAll(db, sql: "\(SQLiteStore.recordColumns) WHERE entity_type = ? AND entity_id >= ? "
                                 + "AND entity_id < ? || char(1114111) ORDER BY seq",
                             arguments: [entityType, idPrefix, idPrefix]).map { try self.opened(SQLiteStore.record($0)) }
        }
    }

    public func history(entityType: String, entityId: String, seqs: Range<Int64>, occurred: Range<Int64>?, newestFirst: Bool,
                        limit: Int) throws -> [StoredRecord] {
        try pool.read { db in
            var arguments: [any DatabaseValueConvertible] = [entityType, entityId, seqs.lowerBound, seqs.upperBound]
            if let occurred { arguments += [occurred.lowerBound, occurred.upperBound] }
            arguments.append(limit)
            return try Row.fetchAll(db, sql: """
                \(SQLiteStore.recordColumns)
                WHERE entity_type = ? AND entity_id = ? AND seq >= ? AND seq < ?
                \(occurred == nil ? "" : "AND occurred_at >= ? AND occurred_at < ?")
                ORDER BY seq \(newestFirst ? "DESC" : "") LIMIT ?
                """, arguments: StatementArguments(arguments)).map { try self.opened(SQLiteStore.record($0)) }
        }
    }

    public func versionCount(entityType: String, entityId: String, below: Int64) throws -> Int64 {
        try pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT count(*) FROM records WHERE entity_type = ? AND entity_id = ? AND seq < ?",
                               arguments: [entityType, entityId, below]) ?? 0
        }
    }

    public func records(stream: String, from: Int64, to: Int64, after: (recordedAt: Int64, seq: Int64)?, limit: Int,
                        entityId: String?) throws -> [StoredRecord] {
        let start = after ?? (from, -1)
        return try pool.read { db in
            try Row.fetchAll(db, sql: """
                \(SQLiteStore.recordColumns)
                WHERE stream = ? AND recorded_at >= ? AND recorded_at < ? AND (recorded_at, seq) > (?, ?)
                \(entityId == nil ? "" : "AND entity_id = ?")
                ORDER BY recorded_at, seq LIMIT ?
                """, arguments: StatementArguments([stream, from, to, start.0, start.1] as [any DatabaseValueConvertible])
                    + StatementArguments(entityId.map { [$0] } ?? [])
                    + StatementArguments([limit])).map { try self.opened(SQLiteStore.record($0)) }
        }
    }

    public func records(playerId: String, after: Int64?, limit: Int) throws -> [StoredRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                \(SQLiteStore.recordColumns) WHERE player_id = ? AND seq > ? ORDER BY seq LIMIT ?
                """, arguments: [playerId, after ?? -1, limit]).map { try self.opened(SQLiteStore.record($0)) }
        }
    }

    public func latestRecord(entityType: String, entityId: String) throws -> StoredRecord? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "\(SQLiteStore.recordColumns) WHERE entity_type = ? AND entity_id = ? ORDER BY seq DESC LIMIT 1",
                             arguments: [entityType, entityId]).map { try self.opened(SQLiteStore.record($0)) }
        }
    }

    public func latestRecords(entities: [(type: String, id: String)]) throws -> [String: StoredRecord] {
        if entities.isEmpty { return [:] }
        return try pool.read { db in
            // One index seek per entity on a prepared statement, in one read transaction. (A single
            // `(entity_type, entity_id) IN (VALUES ...)` query makes SQLite scan the whole index.)
            let lookup = RawStatement(try db.cachedStatement(sql: """
                \(SQLiteStore.recordColumns) WHERE entity_type = ? AND entity_id = ? ORDER BY seq DESC LIMIT 1
                """))
            var found: [String: StoredRecord] = [:]
            for entity in entities {
                lookup.bind(1, entity.type)
                lookup.bind(2, entity.id)
                while try lookup.next(db) { found[entity.type + "\u{0}" + entity.id] = try opened(SQLiteStore.record(lookup)) }
            }
            return found
        }
    }

    public func committedRecords(from: Int64, to: Int64, streams: Set<String>) throws -> [CommittedRecord] {
        try pool.read { db in
            let rows = RawStatement(try db.cachedStatement(sql: """
                SELECT r.seq, r.stream, r.salt, r.body, l.entry FROM records r LEFT JOIN leaves l ON l.seq = r.seq
                WHERE r.seq >= ? AND r.seq < ? AND r.body IS NOT NULL AND r.salt IS NOT NULL ORDER BY r.seq
                """))
            rows.bind(1, from)
            rows.bind(2, to)
            var found: [CommittedRecord] = []
            while try rows.next(db) {
                guard let stream = rows.string(1), streams.contains(stream), let salt = rows.bytes(2),
                      let sealed = rows.data(3) else { continue }
                let seq = rows.int64(0)
                guard let entry = rows.bytes(4) else { throw StorageError(.corrupt, "record \(seq) has no log entry") }
                let body = try opened(sealed, seq: seq, column: .body)
                found.append(CommittedRecord(seq: seq, salt: salt, body: [UInt8](body), entry: entry))
            }
            return found
        }
    }

    static let recordColumns = """
        SELECT seq, event_id, stream, entity_type, entity_id, player_id, occurred_at, recorded_at, version,
               body, salt, diff, state_after FROM records
        """

    /// Inserts one record row; the benchmark's bare-SQLite baseline uses the same statement.
    public static let insertRecordSQL = """
        INSERT INTO records (seq, event_id, stream, entity_type, entity_id, player_id, occurred_at, recorded_at,
                             version, body, salt, diff, state_after)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    static func bind(_ r: StoredRecord, to statement: RawStatement) {
        statement.bind(1, r.seq)
        statement.bind(2, r.eventId)
        statement.bind(3, r.stream)
        statement.bind(4, r.entityType)
        statement.bind(5, r.entityId)
        statement.bind(6, r.playerId)
        statement.bind(7, r.occurredAt)
        statement.bind(8, r.recordedAt)
        statement.bind(9, r.version)
        statement.bind(10, r.body)
        statement.bind(11, r.salt)
        statement.bind(12, r.diff)
        statement.bind(13, r.stateAfter)
    }

    /// Inserts record rows with the same statement and binding as `commit`; for the benchmark's
    /// bare-SQLite baseline, which must do the same SQLite work without the log.
    public static func insertRecords(_ records: [StoredRecord], into db: Database) throws {
        let insert = RawStatement(try db.cachedStatement(sql: insertRecordSQL))
        for record in records {
            bind(record, to: insert)
            try insert.run(db)
        }
    }

    static func record(_ s: RawStatement) -> StoredRecord {
        StoredRecord(seq: s.int64(0), eventId: s.string(1) ?? "", stream: s.string(2) ?? "", entityType: s.string(3) ?? "",
                     entityId: s.string(4) ?? "", playerId: s.string(5), occurredAt: s.int64(6), recordedAt: s.int64(7),
                     version: s.int64(8), body: s.data(9), salt: s.data(10), diff: s.data(11), stateAfter: s.data(12))
    }

    static func record(_ row: Row) -> StoredRecord {
        StoredRecord(seq: row[0], eventId: row[1], stream: row[2], entityType: row[3], entityId: row[4],
                     playerId: row[5], occurredAt: row[6], recordedAt: row[7], version: row[8], body: row[9],
                     salt: row[10], diff: row[11], stateAfter: row[12])
    }
}
