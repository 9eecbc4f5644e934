import Dispatch
import VaultStore
import VaultFormat

/// A batch that has been sequenced and queued for commit.
public struct PendingBatch: Sendable {
    let results: [AppendResult]
    /// The commits the results depend on: the batch's own, and those of earlier batches still
    /// committing that hold records this batch resubmitted.
    let tickets: [CommitTicket]

    /// Waits until every commit the results depend on has committed and returns the
    /// acknowledgements, or throws the error that made one fail (the batch's own records were then
    /// not stored).
    public func acknowledged() async throws -> [AppendResult] {
        for ticket in tickets { try await ticket.wait() }
        return results
    }
}

/// Runs log transactions one at a time, in the order they were enqueued, on a thread of its own, so
/// the writer can sequence the next batch meanwhile. Batches that queue up while a transaction runs
/// are committed together in the next one (group commit: one sync for all of them, up to
/// `maxGroupRecords` records), so concurrent clients share the cost of making their batches
/// durable; a failed group fails every batch in it, and none of them was stored. It also remembers
/// the event ids of batches not yet committed, so a resubmission that arrives before its first copy
/// has committed is still recognised.
final class CommitQueue: Sendable {
    private let store: any VaultStorage
    private let queue = DispatchQueue(label: "regvault.commit")
    /// A group stops growing at this many records (plus the batch that crossed it).
    static let maxGroupRecords = 20_000

    private struct Queued {
        let batch: LogBatch
        let eventIds: [String]
        let ticket: CommitTicket
    }

    private struct State {
        var inFlight: [String: InFlightRecord] = [:]
        var queued = 0
        var failed = false
        var commitSeconds = 0.0
        /// Batches waiting for the committing thread, in order.
        var waiting: [Queued] = []
        /// True while a drain is scheduled or running on `queue`.
        var draining = false
    }
    private let state = Locked(State())
    /// Told the checkpoint of each committed group, on the committing thread.
    private let committed: (@Sendable (String) -> Void)?

    init(store: any VaultStorage, committed: (@Sendable (String) -> Void)? = nil) {
        self.store = store
        self.committed = committed
    }

    /// Queues `batch`; `eventIds` are its new records' event ids with their seqs and bytes.
    func enqueue(_ batch: LogBatch, eventIds: [String: (seq: Int64, bytes: [UInt8])]) -> CommitTicket {
        let ticket = CommitTicket()
        state.withLock { state in
            for (eventId, record) in eventIds {
                state.inFlight[eventId] = InFlightRecord(seq: record.seq, bytes: record.bytes, ticket: ticket)
            }
            state.queued += 1
            state.waiting.append(Queued(batch: batch, eventIds: Array(eventIds.keys), ticket: ticket))
            guard !state.draining else { return }
            state.draining = true
            queue.async { [self] in drain() }
        }
        return ticket
    }

    /// On `queue`: commits what is waiting, a group per transaction, until nothing is.
    private func drain() {
        while true {
            let group: [Queued] = state.withLock { state in
                var records = 0
                let count = state.waiting.prefix { queued in
                    defer { records += queued.batch.records.count }
                    return records < CommitQueue.maxGroupRecords
                }.count
                let group = Array(state.waiting.prefix(count))
                state.waiting.removeFirst(count)
                if group.isEmpty { state.draining = false }
                return group
            }
            guard !group.isEmpty else { return }
            var stopwatch = Stopwatch()
            let result = Result { try store.commit(group: group.map(\.batch)) }
            let seconds = stopwatch.lap()
            if case .success = result, let note = group.last?.batch.checkpointNote { committed?(note) }
            state.withLock { state in
                for queued in group {
                    for key in queued.eventIds { state.inFlight[key] = nil }
                }
                state.queued -= group.count
                state.commitSeconds += seconds
                if case .failure = result { state.failed = true }
            }
            for queued in group { queued.ticket.complete(result) }
        }
    }

    /// Those of `eventIds` that are in batches that have not finished committing.
    func inFlight(eventIds: [String]) -> [String: InFlightRecord] {
        state.withLock { state in
            var found: [String: InFlightRecord] = [:]
            for eventId in eventIds { found[eventId] = state.inFlight[eventId] }
            return found
        }
    }

    /// True if no batch is queued or committing.
    var isIdle: Bool { state.withLock { $0.queued == 0 } }

    /// True if a commit failed since the writer last reloaded its state.
    func failedSinceLastReload() -> Bool {
        state.withLock { $0.failed }
    }

    func reloaded() {
        state.withLock { $0.failed = false }
    }

    /// Waits until every commit queued so far has finished.
    func drain() async throws {
        let ticket = CommitTicket()
        queue.async { ticket.complete(.success(())) }
        try await ticket.wait()
    }

    var commitSeconds: Double { state.withLock { $0.commitSeconds } }
}

/// A record in a batch that has not finished committing.
struct InFlightRecord: Sendable {
    let seq: Int64
    let bytes: [UInt8]
    let ticket: CommitTicket
}

/// The outcome of one queued commit, which any number of tasks can wait for.
final class CommitTicket: Sendable {
    private struct State {
        var result: Result<Void, any Error>?
        var waiters: [CheckedContinuation<Void, any Error>] = []
    }
    private let state = Locked(State())

    /// True once the commit has finished, committed or failed.
    var isDone: Bool { state.withLock { $0.result != nil } }

    func complete(_ result: Result<Void, any Error>) {
        let waiters = state.withLock { state in
            state.result = result
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    func wait() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let ready = state.withLock { state -> Result<Void, any Error>? in
                if let result = state.result { return result }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
