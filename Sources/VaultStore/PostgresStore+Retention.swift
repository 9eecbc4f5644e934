import Foundation
import PostgresNIO

/// `RetentionStorage` and `OutboxStorage` in PostgreSQL.
extension PostgresStore {
    static let subjectColumns = """
        SELECT r.seq, r.event_id, r.stream, r.entity_type, r.entity_id, r.player_id, r.recorded_at, r.salt IS NULL,
               \(recordEntry) FROM \(recordsWithEntries)
        """

    public func unerasedSubjects(after: Int64, limit: Int) throws -> [RetentionSubject] {
        try rows("""
            \(unescaped: PostgresStore.subjectColumns) WHERE r.seq > \(after) AND r.salt IS NOT NULL ORDER BY r.seq LIMIT \(Int64(limit))
            """).map(PostgresStore.subject)
    }

    public func subjects(seqs: [Int64]) throws -> [Int64: RetentionSubject] {
        if seqs.isEmpty { return [:] }
        return Dictionary(try rows("\(unescaped: PostgresStore.subjectColumns) WHERE r.seq = ANY(\(seqs))").map(PostgresStore.subject)
            .map { ($0.seq, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func erasures(of seqs: [Int64]) throws -> [Int64: Int64] {
        if seqs.isEmpty { return [:] }
        return Dictionary(try rows("SELECT seq, erased_by FROM erasures WHERE seq = ANY(\(seqs))").map { (try $0.int64(0), try $0.int64(1)) },
                          uniquingKeysWith: { first, _ in first })
    }

    public func erasureCount(since seq: Int64) throws -> Int64 {
        try rows("SELECT count(*) FROM erasures WHERE erased_by >= \(seq)").first?.int64(0) ?? 0
    }

    /// Nothing the application role can do: an erased row's old version stays in its table's files
    /// until a page compaction or vacuum overwrites it (out-of-line TOAST chunks until the owner's
    /// `VACUUM FULL records, objects`; the application role owns no table, so it cannot VACUUM),
    /// and in the write-ahead log and base backups for as long as those are kept. The columns were
    /// sealed with the vault's data keys, so what remains is ciphertext; see the README on erasure
    /// on PostgreSQL. Returns that, for the operator.
    public func purgeErasedData() throws -> String? {
        "PostgreSQL keeps the erased records' old row versions (ciphertext) in its table files until the database's "
            + "owner runs VACUUM FULL records, objects, and in WAL archives and base backups until they expire"
    }

    static func subject(_ row: PostgresCells) throws -> RetentionSubject {
        RetentionSubject(seq: try row.int64(0), eventId: try row.string(1), stream: try row.string(2), entityType: try row.string(3),
                         entityId: try row.string(4), playerId: try row.optionalString(5), recordedAt: try row.int64(6),
                         erased: try row.bool(7), entry: try row.optionalData(8) ?? Data())
    }

    // MARK: outbox

    public func claimDeliveries(now: Int64, owner: String, leaseMillis: Int64, limit: Int) throws -> [OutboxItem] {
        // SKIP LOCKED: workers on several nodes claim different deliveries without waiting for each other.
        try writerSession.withConnection { connection in
            try PostgresSession.run("""
                UPDATE outbox SET lease_owner = \(owner), lease_until = \(now + leaseMillis)
                WHERE delivery_id IN (SELECT delivery_id FROM outbox
                                      WHERE due_at <= \(now) AND (lease_until IS NULL OR lease_until <= \(now))
                                      ORDER BY due_at, delivery_id LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED)
                RETURNING delivery_id, attempts, due_at
                """, on: connection, logger: writerSession.logger).rows.map(PostgresCells.init)
        }.map { OutboxItem(deliveryId: try $0.string(0), attempts: Int(try $0.int64(1)), dueAt: try $0.int64(2)) }
            .sorted { ($0.dueAt, $0.deliveryId) < ($1.dueAt, $1.deliveryId) }
    }

    public func rescheduleDelivery(_ deliveryId: String, owner: String, dueAt: Int64) throws -> Bool {
        try outboxChange("""
            UPDATE outbox SET attempts = attempts + 1, due_at = \(dueAt), lease_owner = NULL, lease_until = NULL
            WHERE delivery_id = \(deliveryId) AND lease_owner = \(owner)
            """) == 1
    }

    public func completeDelivery(_ deliveryId: String, owner: String) throws -> Bool {
        try outboxChange("DELETE FROM outbox WHERE delivery_id = \(deliveryId) AND lease_owner = \(owner)") == 1
    }

    public func requeueDelivery(_ deliveryId: String, dueAt: Int64) throws -> Bool {
        try outboxChange("INSERT INTO outbox (delivery_id, due_at) VALUES (\(deliveryId), \(dueAt)) ON CONFLICT (delivery_id) DO NOTHING") == 1
    }

    public func releaseDeliveryLeases() throws {
        _ = try outboxChange("UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL")
    }

    public func outboxDepth() throws -> (count: Int, oldestDueAt: Int64?) {
        let row = try rows("SELECT count(*), min(due_at) FROM outbox").first
        return (Int(try row?.int64(0) ?? 0), try row?.optionalInt64(1))
    }

    /// Runs one change to the outbox; returns how many rows it changed.
    private func outboxChange(_ query: PostgresQuery) throws -> Int {
        try writerSession.withConnection { connection in
            try PostgresSession.run(query, on: connection, logger: writerSession.logger).metadata.rows ?? 0
        }
    }
}
