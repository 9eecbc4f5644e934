import Foundation
import GRDB
public import VaultFormat

/// The embedded default `VaultStorage`: one SQLite database in WAL mode with `synchronous=FULL`,
/// so a commit that returned is on disk. Reads run on separate connections of a pool and never
/// block the writer. See `VaultStorage` for the contract.
public final class SQLiteStore: VaultStorage {
    private let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        try SQLiteSchema.migrator().migrate(pool)
    }

    // MARK: writes

    public func commit(_ batch: LogBatch) throws {
        try pool.write { db in
            // Compare-and-swap on the tree size: the batch must extend exactly the stored tree.
            let stored = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq) + 1, 0) FROM leaves") ?? 0
            guard stored == batch.startSize else {
                throw StorageError(.treeSizeMismatch,
                                   "batch starts at tree size \(batch.startSize) but the log has \(stored) leaves")
            }
            let insertLeaf = try db.cachedStatement(sql: "INSERT INTO leaves (seq, entry, hashes) VALUES (?, ?, ?)")
            for leaf in batch.leaves {
                insertLeaf.setUncheckedArguments([leaf.seq, leaf.entry, SQLiteStore.pack(leaf.hashes)])
                try insertLeaf.execute()
            }
            let insertRecord = try db.cachedStatement(sql: """
                INSERT INTO records (seq, event_id, stream, entity_type, entity_id, player_id, occurred_at,
                                     recorded_at, version, body, salt, diff, state_after)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for r in batch.records {
                insertRecord.setUncheckedArguments([
                    r.seq, r.eventId, r.stream, r.entityType, r.entityId, r.playerId, r.occurredAt, r.recordedAt,
                    r.version, r.body, r.salt, r.diff, r.stateAfter,
                ])
                try insertRecord.execute()
            }
            try db.execute(sql: "INSERT INTO checkpoints (size, note, created_at) VALUES (?, ?, ?)",
                           arguments: [batch.endSize, batch.checkpointNote, batch.checkpointTime])
        }
    }

    public func setMetadata(_ key: String, _ value: String) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           arguments: [key, value])
        }
    }

    // MARK: reads

    public func treeSize() throws -> Int64 {
        try pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq) + 1, 0) FROM leaves") ?? 0
        }
    }

    public func metadata(_ key: String) throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
        }
    }

    public func latestCheckpoint() throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1")
        }
    }

    public func latestCheckpointSize() throws -> Int64 {
        try pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(size), 0) FROM checkpoints") ?? 0
        }
    }

    public func checkpoint(size: Int64) throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT note FROM checkpoints WHERE size = ?", arguments: [size])
        }
    }

    public func leaf(seq: Int64) throws -> StoredLeaf? {
        try leaves(from: seq, to: seq + 1).first
    }

    public func leaves(from: Int64, to: Int64) throws -> [StoredLeaf] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, entry, hashes FROM leaves WHERE seq >= ? AND seq < ? ORDER BY seq",
                             arguments: [from, to]).map { row in
                StoredLeaf(seq: row[0], entry: row[1], hashes: try SQLiteStore.unpack(row[2], seq: row[0]))
            }
        }
    }

    public func leaves(seqs: [Int64]) throws -> [Int64: StoredLeaf] {
        if seqs.isEmpty { return [:] }
        return try pool.read { db in
            var found: [Int64: StoredLeaf] = [:]
            for start in stride(from: 0, to: seqs.count, by: 500) {
                let chunk = Array(seqs[start..<min(start + 500, seqs.count)])
                let placeholders = chunk.map { _ in "?" }.joined(separator: ",")
                for row in try Row.fetchAll(db, sql: "SELECT seq, entry, hashes FROM leaves WHERE seq IN (\(placeholders))",
                                            arguments: StatementArguments(chunk)) {
                    let seq: Int64 = row[0]
                    found[seq] = StoredLeaf(seq: seq, entry: row[1], hashes: try SQLiteStore.unpack(row[2], seq: seq))
                }
            }
            return found
        }
    }

    /// Reads stored hashes with one query over the leaves that stored them.
    public func readHashes(_ indexes: [Int64]) throws -> [Hash] {
        if indexes.isEmpty { return [] }
        let locations = indexes.map { StoredHashes.split($0) }
        let seqs = Array(Set(locations.map(\.leaf)))
        let packed: [Int64: Data] = try pool.read { db in
            let placeholders = seqs.map { _ in "?" }.joined(separator: ",")
            let rows = try Row.fetchAll(db, sql: "SELECT seq, hashes FROM leaves WHERE seq IN (\(placeholders))",
                                        arguments: StatementArguments(seqs))
            return Dictionary(uniqueKeysWithValues: rows.map { ($0[0] as Int64, $0[1] as Data) })
        }
        return try zip(indexes, locations).map { index, location in
            guard let blob = packed[location.leaf] else { throw VaultFormatError(.missingHash, "stored hash \(index) is not in the log") }
            let start = location.level * Hash.byteCount
            guard blob.count >= start + Hash.byteCount else {
                throw StorageError(.corrupt, "leaf \(location.leaf) holds too few tree hashes")
            }
            return Hash(bytes: blob[blob.startIndex + start ..< blob.startIndex + start + Hash.byteCount])!
        }
    }

    public func records(eventIds: [String]) throws -> [String: StoredRecord] {
        if eventIds.isEmpty { return [:] }
        return try pool.read { db in
            var found: [String: StoredRecord] = [:]
            // Chunks stay well under SQLite's limit on bound parameters.
            for start in stride(from: 0, to: eventIds.count, by: 500) {
                let chunk = Array(eventIds[start..<min(start + 500, eventIds.count)])
                let placeholders = chunk.map { _ in "?" }.joined(separator: ",")
                for row in try Row.fetchAll(db, sql: "\(SQLiteStore.recordColumns) WHERE event_id IN (\(placeholders))",
                                            arguments: StatementArguments(chunk)) {
                    let record = SQLiteStore.record(row)
                    found[record.eventId] = record
                }
            }
            return found
        }
    }

    public func history(entityType: String, entityId: String) throws -> [StoredRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "\(SQLiteStore.recordColumns) WHERE entity_type = ? AND entity_id = ? ORDER BY seq",
                             arguments: [entityType, entityId]).map(SQLiteStore.record)
        }
    }

    public func latestRecord(entityType: String, entityId: String) throws -> StoredRecord? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "\(SQLiteStore.recordColumns) WHERE entity_type = ? AND entity_id = ? ORDER BY seq DESC LIMIT 1",
                             arguments: [entityType, entityId]).map(SQLiteStore.record)
        }
    }

    public func latestRecords(entities: [(type: String, id: String)]) throws -> [String: StoredRecord] {
        if entities.isEmpty { return [:] }
        return try pool.read { db in
            var found: [String: StoredRecord] = [:]
            for start in stride(from: 0, to: entities.count, by: 400) {
                let chunk = entities[start..<min(start + 400, entities.count)]
                let pairs = chunk.map { _ in "(?, ?)" }.joined(separator: ",")
                let sql = """
                    \(SQLiteStore.recordColumns) WHERE seq IN (
                        SELECT MAX(seq) FROM records WHERE (entity_type, entity_id) IN (VALUES \(pairs))
                        GROUP BY entity_type, entity_id)
                    """
                let rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(chunk.flatMap { [$0.type, $0.id] }))
                for row in rows {
                    let record = SQLiteStore.record(row)
                    found[record.entityType + "\u{0}" + record.entityId] = record
                }
            }
            return found
        }
    }

    // MARK: encoding

    private static let recordColumns = """
        SELECT seq, event_id, stream, entity_type, entity_id, player_id, occurred_at, recorded_at, version,
               body, salt, diff, state_after FROM records
        """

    private static func record(_ row: Row) -> StoredRecord {
        StoredRecord(seq: row[0], eventId: row[1], stream: row[2], entityType: row[3], entityId: row[4],
                     playerId: row[5], occurredAt: row[6], recordedAt: row[7], version: row[8], body: row[9],
                     salt: row[10], diff: row[11], stateAfter: row[12])
    }

    static func pack(_ hashes: [Hash]) -> Data {
        var data = Data(capacity: hashes.count * Hash.byteCount)
        for hash in hashes { hash.withUnsafeBytes { data.append(contentsOf: $0) } }
        return data
    }

    static func unpack(_ data: Data, seq: Int64) throws -> [Hash] {
        guard data.count % Hash.byteCount == 0, data.count / Hash.byteCount == StoredHashes.countStored(byLeaf: seq) else {
            throw StorageError(.corrupt, "leaf \(seq) holds \(data.count) bytes of tree hashes")
        }
        return stride(from: 0, to: data.count, by: Hash.byteCount).map {
            Hash(bytes: data[(data.startIndex + $0)..<(data.startIndex + $0 + Hash.byteCount)])!
        }
    }
}
