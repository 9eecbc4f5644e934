/// One delivery waiting in the outbox: its id (the `delivery` entity's id in the log) and how many
/// attempts it has had.
public struct OutboxItem: Sendable, Equatable {
    public let deliveryId: String
    public let attempts: Int
    /// When it is due (milliseconds since the Unix epoch).
    public let dueAt: Int64

    public init(deliveryId: String, attempts: Int, dueAt: Int64) {
        self.deliveryId = deliveryId
        self.attempts = attempts
        self.dueAt = dueAt
    }
}

/// The outbox: deliveries still to be sent, worked by delivery workers under a lease.
///
/// Contract:
/// - A delivery enters the outbox in the same transaction as the log entry that creates it (the
///   first record of a `delivery` entity on the stream `vault.delivery`): the store does this
///   itself, so no committed delivery is ever missing from the outbox and none is there without
///   its entry.
/// - `claimDeliveries` leases due items to one owner until the lease runs out; while leased, no
///   other claim returns them, so two workers never send the same delivery at once. A worker that
///   dies loses nothing: its leases run out and the items are claimed again.
/// - `rescheduleDelivery` and `completeDelivery` act only while the caller still holds the lease
///   (they return false otherwise), so a worker that was too slow cannot undo another's work.
/// - The outbox is working state, not evidence: the log's delivery entries are the evidence.
public protocol OutboxStorage: Sendable {
    /// Leases up to `limit` items due at `now` and not leased (or whose lease ran out) to `owner`
    /// until `now + leaseMillis`, oldest due first.
    func claimDeliveries(now: Int64, owner: String, leaseMillis: Int64, limit: Int) throws -> [OutboxItem]
    /// Counts one more attempt, makes the item due at `dueAt` and releases the lease.
    func rescheduleDelivery(_ deliveryId: String, owner: String, dueAt: Int64) throws -> Bool
    /// Removes the item: it was delivered, or given up on and recorded as dead.
    func completeDelivery(_ deliveryId: String, owner: String) throws -> Bool
    /// Puts a delivery given up on back in the outbox, due at `dueAt` with its attempts counted from
    /// zero; false if it is already there.
    func requeueDelivery(_ deliveryId: String, dueAt: Int64) throws -> Bool
    /// Releases every lease: for a store that only this process can open, at start-up, so
    /// deliveries in flight when the last process died are sent again at once.
    func releaseDeliveryLeases() throws
    /// The items in the outbox and the oldest one's due time.
    func outboxDepth() throws -> (count: Int, oldestDueAt: Int64?)
}
