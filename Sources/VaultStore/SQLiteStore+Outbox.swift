import GRDB

/// The outbox in SQLite (`OutboxStorage`): the `outbox` table, filled by the trigger
/// `deliveries_enter_the_outbox` inside the commit that appends a delivery's first entry.
extension SQLiteStore {
    public func claimDeliveries(now: Int64, owner: String, leaseMillis: Int64, limit: Int) throws -> [OutboxItem] {
        // An idle worker looks often: a read first, so it takes the write lock only when something is due.
        let anyDue = try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM outbox WHERE due_at <= ? AND (lease_until IS NULL OR lease_until <= ?))",
                              arguments: [now, now]) ?? false
        }
        guard anyDue else { return [] }
        return try pool.write { db in
            try Row.fetchAll(db, sql: """
                UPDATE outbox SET lease_owner = ?, lease_until = ?
                WHERE delivery_id IN (SELECT delivery_id FROM outbox
                                      WHERE due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                                      ORDER BY due_at, delivery_id LIMIT ?)
                RETURNING delivery_id, attempts, due_at
                """, arguments: [owner, now + leaseMillis, now, now, limit])
                .map { OutboxItem(deliveryId: $0[0], attempts: $0[1], dueAt: $0[2]) }
                .sorted { ($0.dueAt, $0.deliveryId) < ($1.dueAt, $1.deliveryId) }
        }
    }

    public func rescheduleDelivery(_ deliveryId: String, owner: String, dueAt: Int64) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE outbox SET attempts = attempts + 1, due_at = ?, lease_owner = NULL, lease_until = NULL
                WHERE delivery_id = ? AND lease_owner = ?
                """, arguments: [dueAt, deliveryId, owner])
            return db.changesCount == 1
        }
    }

    public func completeDelivery(_ deliveryId: String, owner: String) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM outbox WHERE delivery_id = ? AND lease_owner = ?", arguments: [deliveryId, owner])
            return db.changesCount == 1
        }
    }

    public func requeueDelivery(_ deliveryId: String, dueAt: Int64) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "INSERT INTO outbox (delivery_id, due_at) VALUES (?, ?) ON CONFLICT(delivery_id) DO NOTHING",
                           arguments: [deliveryId, dueAt])
            return db.changesCount == 1
        }
    }

    public func releaseDeliveryLeases() throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL")
        }
    }

    public func outboxDepth() throws -> (count: Int, oldestDueAt: Int64?) {
        try pool.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT count(*), min(due_at) FROM outbox")
            return (row?[0] ?? 0, row?[1])
        }
    }
}
