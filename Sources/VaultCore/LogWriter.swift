import Foundation
import Dispatch
import VaultFormat
import VaultStore

/// What the vault answers for one submitted record.
public struct AppendResult: Sendable, Equatable {
    public let eventId: String
    /// The record's sequence number: its leaf index in the log.
    public let seq: Int64
    /// True if the event id was already stored with the same content, so nothing was added.
    public let duplicate: Bool

    public init(eventId: String, seq: Int64, duplicate: Bool) {
        self.eventId = eventId
        self.seq = seq
        self.duplicate = duplicate
    }
}

/// The single writer of a vault's log. It sequences validated records, computes each entity's
/// diff and version, appends entries to the tree, signs a checkpoint, and commits it all in one
/// transaction per batch.
///
/// Commit order, which is the correctness argument:
/// 1. `sequence` computes every leaf, record row and the batch's signed checkpoint in memory,
///    continuing from the previous batch (committed or still committing), and hands the batch to the
///    commit queue, which runs transactions one at a time in the order they were handed over;
/// 2. each transaction stores leaves, records and checkpoint atomically and durably, and first
///    checks that the stored tree size is the one the batch extends (compare-and-swap), so a batch
///    can only ever land directly after the batch sequenced before it;
/// 3. a batch's acknowledgements are released only when its own transaction has committed.
/// So the writer can sequence batch k+1 on one core while batch k commits on the other. If a commit
/// fails, every batch sequenced after it fails its compare-and-swap and stores nothing; the writer
/// then reloads the tree's right edge from storage and forgets its cached entity states before it
/// sequences anything else. A crash at any point leaves whole batches only, each covered by its
/// signed checkpoint; an acknowledgement therefore means: durable, integrated and signed.
public actor LogWriter {
    let store: any VaultStorage
    private let signer: NoteSigner
    let clock: any VaultClock
    let policies: RetentionPolicySet
    /// Held for the writer's lifetime: no other process can write to this vault meanwhile.
    private let lock: WriterLock
    private var range: CompactRange
    var heads = EntityHeadCache()
    let commits: CommitQueue
    /// The recorded-at time of the newest entry; entries never go back in time, and batches
    /// recorded while the machine's clock is behind it each get a time of their own.
    var lastRecordedAt: Int64
    /// Where stored objects' bytes live; their files go when their records are erased.
    let objectFiles: ObjectFiles?
    /// Policies in force that the log does not hold yet; recorded with the next batch.
    var unrecordedPolicies: [RetentionPolicy]
    /// True for a log that must be the same on every run (the sandbox's): the policy records the
    /// writer makes get event ids and salts derived from their content instead of random ones.
    let reproducible: Bool
    /// Where submitted incidents are delivered (`routeIncidents`); each matching incident record
    /// brings its deliveries into its own batch.
    var incidentRoutes: [IncidentRoute] = []
    /// Where the writer's time went, summed over every batch; the benchmark prints it.
    public private(set) var timings = AppendTimings()

    init(store: any VaultStorage, signer: NoteSigner, clock: any VaultClock, policies: RetentionPolicySet,
         lock: WriterLock, range: CompactRange, lastRecordedAt: Int64, unrecordedPolicies: [RetentionPolicy] = [],
         objectFiles: ObjectFiles? = nil, reproducible: Bool = false, lastSignedHead: LastSignedHead? = nil) {
        self.unrecordedPolicies = unrecordedPolicies
        self.reproducible = reproducible
        self.objectFiles = objectFiles
        self.store = store
        self.signer = signer
        self.clock = clock
        self.policies = policies
        self.lock = lock
        self.range = range
        var committed: (@Sendable (String) -> Void)?
        if let lastSignedHead { committed = { note in lastSignedHead.record(note) } }
        self.commits = CommitQueue(store: store, committed: committed)
        self.lastRecordedAt = lastRecordedAt
    }

    /// The number of leaves in the log.
    public var treeSize: Int64 { range.size }

    /// Appends a batch atomically: either every record is stored (or recognised as a duplicate) and
    /// the results are returned after the batch is durable, or a `RecordRejection` (naming the
    /// record's `line`) or storage error is thrown and nothing is stored.
    public func append(_ records: [ValidatedRecord]) async throws -> [AppendResult] {
        try await sequence(records).acknowledged()
    }

    /// Sequences a batch and hands it to the commit queue; `PendingBatch.acknowledged()` waits for
    /// its commit. Batches commit in the order they are sequenced. Throws a `RecordRejection`
    /// (naming the record's `line`) before anything is queued when a record cannot be sequenced.
    public func sequence(_ records: [ValidatedRecord]) async throws -> PendingBatch {
        try await reloadAfterFailedCommit()
        return try sequenceNow(records)
    }

    /// After a failed commit, waits for the queue to empty and reloads the tree and forgets cached
    /// entity states, so nothing is sequenced onto a tree that was not stored.
    func reloadAfterFailedCommit() async throws {
        if commits.failedSinceLastReload() {
            // Let every queued commit finish (they fail their compare-and-swap), then start again
            // from what is stored. Another call may have reloaded while this one waited (the actor
            // is reentrant across the await), so check again before reloading.
            try? await commits.drain()
            if commits.failedSinceLastReload() {
                range = try CompactRange(size: store.treeSize(), reader: store)
                heads = EntityHeadCache()
                // A failed batch may have carried the policies the log did not hold yet.
                unrecordedPolicies = policies.unrecorded(given: try Vault.recordedPolicies(in: store))
                commits.reloaded()
            }
        }
    }

    /// Sequences a batch without suspending, so the caller's decisions made just before (on a
    /// drained queue) still hold when it is queued. `erasures` are seqs of records that the batch's
    /// first submitted record (an erasure record, new) erases in the same transaction; the policy
    /// records the log does not hold yet precede it in the batch.
    func sequenceNow(_ records: [ValidatedRecord], erasures: [RetentionSubject] = []) throws -> PendingBatch {
        // The log's clock never runs backwards, even if the machine's does. While the machine's
        // clock is behind the last recording time (a node that took over from one whose clock ran
        // ahead), each batch is recorded a millisecond after the last, so that no more than one
        // batch shares a recording time: reading a stream sorts each recording time's records
        // (`PostgresSchema.recordIndexes`), and a clock minutes behind would otherwise pin every
        // record of those minutes to one time.
        let machineNow = clock.nowMillis()
        let now = machineNow >= lastRecordedAt ? machineNow : lastRecordedAt + 1
        var stopwatch = Stopwatch()
        let eventIds = Array(Set(records.map(\.eventId)))
        // In-flight batches first, then storage: a batch that commits in between is in one or the other.
        let inFlight = commits.inFlight(eventIds: eventIds)
        let existing = try store.records(eventIds: eventIds)
        timings.eventIdLookup += stopwatch.lap()
        try heads.prefetch(records.map { EntityKey(type: $0.entityType, id: $0.entityId) }, store: store)
        timings.entityLookup += stopwatch.lap()
        var tree = range
        var batchHeads: [EntityKey: EntityHead] = [:]
        var inBatch: [String: (seq: Int64, bytes: [UInt8])] = [:]
        var awaited: [CommitTicket] = []
        var leaves: [StoredLeaf] = []
        var rows: [StoredRecord] = []
        var results: [AppendResult] = []
        results.reserveCapacity(records.count)
        // The seq of the first submitted record, when it is new: the erasure entry of `erasures`.
        var firstSubmittedSeq: Int64?

        // The policies in force that the log does not hold yet, then the submitted records, then the
        // vault records those cause (relationship events): one atomic batch under one checkpoint, so
        // no record is ever stored before the policy that assigned its retention.
        let policyRecords = unrecordedPolicies.map { PolicyRecord.make($0, at: now, reproducible: reproducible) }
        var queue = policyRecords + records
        let submitted = policyRecords.count..<(policyRecords.count + records.count)
        var index = -1
        while index + 1 < queue.count {
            index += 1
            let record = queue[index]
            let line = record.line ?? index - submitted.lowerBound + 1
            if let stored = existing[record.eventId] {
                guard let body = stored.body else {
                    throw RecordRejection(.erased, field: "eventId", "event id \(record.eventId) belongs to record \(stored.seq), "
                        + "whose content was erased at the end of its retention; use a new event id", line: line)
                }
                guard body.elementsEqual(record.canonicalBytes) else {
                    throw RecordRejection(.conflict, field: "eventId", "event id \(record.eventId) was already stored as record "
                        + "\(stored.seq) with different content", line: line)
                }
                results.append(AppendResult(eventId: record.eventId, seq: stored.seq, duplicate: true))
                continue
            }
            if let earlier = inBatch[record.eventId] {
                guard earlier.bytes == record.canonicalBytes else {
                    throw RecordRejection(.conflict, field: "eventId", "event id \(record.eventId) appears earlier in this "
                        + "batch with different content", line: line)
                }
                results.append(AppendResult(eventId: record.eventId, seq: earlier.seq, duplicate: true))
                continue
            }
            if let earlier = inFlight[record.eventId] {
                guard earlier.bytes == record.canonicalBytes else {
                    throw RecordRejection(.conflict, field: "eventId", "event id \(record.eventId) was submitted just before "
                        + "with different content", line: line)
                }
                // Acknowledge it only once the batch that holds it has committed.
                awaited.append(earlier.ticket)
                results.append(AppendResult(eventId: record.eventId, seq: earlier.seq, duplicate: true))
                continue
            }

            let key = EntityKey(type: record.entityType, id: record.entityId)
            let head: EntityHead
            if let pending = batchHeads[key] {
                head = pending
            } else {
                head = try heads.head(for: key, store: store)
            }
            let change = try EntityChange(applying: record, to: head, line: line)
            let seq = tree.size
            let retention = policies.assign(stream: record.streamName, jurisdiction: record.jurisdiction, recordedAt: now)
                .locked(as: record.requestedRetention)
            let entry = Entry(kind: record.kind, seq: UInt64(seq), recordedAt: now, retentionMode: retention.mode,
                              retainUntil: retention.retainUntil, retentionClass: retention.retentionClass,
                              commitment: record.commitment)
            let entryBytes = entry.bytes
            let hashes = tree.append(leafHash: MerkleHashing.leafHash(entryBytes))
            leaves.append(StoredLeaf(seq: seq, entry: Data(entryBytes), appended: hashes))
            rows.append(StoredRecord(
                seq: seq, eventId: record.eventId, stream: record.streamName, entityType: record.entityType,
                entityId: record.entityId, playerId: record.playerId, occurredAt: record.occurredAt, recordedAt: now,
                version: change.head.version, body: Data(record.canonicalBytes), salt: Data(record.salt),
                diff: change.storedDiff.map { Data($0.canonicalBytes) }, stateAfter: change.stateAfter))
            batchHeads[key] = change.head
            inBatch[record.eventId] = (seq, record.canonicalBytes)
            if submitted.contains(index), index == submitted.lowerBound { firstSubmittedSeq = seq }
            if submitted.contains(index) { results.append(AppendResult(eventId: record.eventId, seq: seq, duplicate: false)) }
            if let event = RelationshipEvent(record, seq: seq, at: now) { queue.append(event.record) }
            if submitted.contains(index), !incidentRoutes.isEmpty {
                queue.append(contentsOf: IncidentRoute.deliveries(of: record, routes: incidentRoutes, at: now))
            }
        }
        let erasureRows = try erasures.map { subject in
            guard let erasedBy = firstSubmittedSeq else {
                throw VaultError(.conflict, "the erasure's record was already stored, so it erases nothing again")
            }
            return (seq: subject.seq, erasedBy: erasedBy)
        }
        if leaves.isEmpty { return PendingBatch(results: results, tickets: awaited) }

        let root = tree.rootHash
        let checkpoint = Checkpoint(origin: signer.name, size: UInt64(tree.size), rootHash: root)
        let signed = try SignedCheckpoint(signing: checkpoint, with: signer)
        let ticket = commits.enqueue(LogBatch(previous: (range.size, range.rootHash), leaves: leaves, records: rows,
                                              rootHash: root, checkpointNote: signed.serialized, checkpointTime: now,
                                              erasures: erasureRows),
                                     eventIds: inBatch)
        timings.sequencing += stopwatch.lap()
        range = tree
        lastRecordedAt = now
        unrecordedPolicies = []
        heads.forget(erasures.map { EntityKey(type: $0.entityType, id: $0.entityId) })
        heads.adopt(batchHeads, until: ticket)
        return PendingBatch(results: results, tickets: awaited + [ticket])
    }

    /// Seconds spent in committed transactions so far.
    public var commitSeconds: Double { commits.commitSeconds }
}

/// Seconds the writer spent in each phase of `append`.
public struct AppendTimings: Sendable {
    /// Looking up submitted event ids (idempotency).
    public var eventIdLookup = 0.0
    /// Reading the latest state of entities not in the cache.
    public var entityLookup = 0.0
    /// Diffs, entries, tree hashes and rows, in memory.
    public var sequencing = 0.0
}

/// Measures elapsed wall-clock time between laps.
struct Stopwatch {
    private var last = DispatchTime.now().uptimeNanoseconds

    mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now - last) / 1e9
    }
}

/// An entity's identity.
struct EntityKey: Hashable, Sendable {
    let type: String
    let id: String
}

/// What the writer knows of an entity: its latest version number and state.
struct EntityHead: Sendable {
    var version: Int64
    var state: JSONValue?

    static let none = EntityHead(version: 0, state: nil)
}

/// The effect of one record on its entity.
struct EntityChange {
    let head: EntityHead
    /// The RFC 6902 patch from the previous state: computed from a full state, or as submitted.
    let diff: JSONValue?
    /// The new state's canonical bytes when it is not in the record itself (an explicit diff, or
    /// an event that leaves the state as it was).
    let stateAfter: Data?
    /// The diff as stored: none for a first version that carried its state, whose diff is that
    /// whole state added, which readers recompute from the record (`RecordDiff`).
    let storedDiff: JSONValue?

    init(applying record: ValidatedRecord, to previous: EntityHead, line: Int) throws(RecordRejection) {
        if let state = record.state {
            diff = JSONPatch.diff(from: previous.state, to: state)
            head = EntityHead(version: previous.version + 1, state: state)
            stateAfter = nil
            storedDiff = head.version == 1 ? nil : diff
        } else if let patch = record.explicitDiff {
            let next: JSONValue
            do {
                next = try JSONPatch.apply(patch, to: previous.state)
            } catch {
                throw RecordRejection(.invalidField, field: "diff",
                                      "does not apply to the entity's current state (version \(previous.version)): \(error)",
                                      line: line)
            }
            diff = patch
            head = EntityHead(version: previous.version + 1, state: next)
            stateAfter = Data(next.canonicalBytes)
            storedDiff = patch
        } else {
            // An event that does not change the state carries the state forward, so the entity's
            // latest record always holds its current state.
            diff = nil
            head = EntityHead(version: previous.version + 1, state: previous.state)
            stateAfter = previous.state.map { Data($0.canonicalBytes) }
            storedDiff = nil
        }
    }
}

/// Latest entity heads, so that hot entities are diffed without a read. Bounded: when it holds
/// `capacity` entities it starts over, and misses are read from storage. A head holds the entity's
/// parsed state (10,000 heads of the generated records took about 4 MiB under heaptrack).
///
/// The heads of a batch that has not committed yet exist nowhere else (storage would answer with
/// older ones), so they are also kept per batch, beside the cache, until the batch's commit is done;
/// starting over never loses them. (The cache used to start over only when no other batch was
/// committing, so ingest that never let the commit queue empty could grow it without bound.)
struct EntityHeadCache {
    static let capacity = 10_000
    private var heads: [EntityKey: EntityHead] = [:]
    /// The heads each batch still committing produced, oldest first (commits complete in order).
    private var uncommitted: [(ticket: CommitTicket, heads: [EntityKey: EntityHead])] = []

    /// Heads read for the current batch that were not cached, and entities known to have none.
    private var prefetched: [EntityKey: EntityHead] = [:]

    /// The head a batch still committing gave `key`, the latest first.
    private func uncommittedHead(_ key: EntityKey) -> EntityHead? {
        for batch in uncommitted.reversed() {
            if let head = batch.heads[key] { return head }
        }
        return nil
    }

    /// The head known without reading storage.
    private func known(_ key: EntityKey) -> EntityHead? {
        heads[key] ?? uncommittedHead(key)
    }

    /// Reads, with one query per few hundred entities, the heads of `keys` that are not known.
    mutating func prefetch(_ keys: [EntityKey], store: any VaultStorage) throws {
        prefetched.removeAll(keepingCapacity: true)
        let missing = Array(Set(keys.filter { known($0) == nil }))
        let found = try store.latestRecords(entities: missing.map { ($0.type, $0.id) })
        for key in missing {
            if let latest = found[key.type + "\u{0}" + key.id] {
                prefetched[key] = EntityHead(version: latest.version, state: try EntityHeadCache.state(of: latest))
            } else {
                prefetched[key] = EntityHead.none
            }
        }
    }

    mutating func head(for key: EntityKey, store: any VaultStorage) throws -> EntityHead {
        if let head = known(key) ?? prefetched[key] { return head }
        guard let latest = try store.latestRecord(entityType: key.type, entityId: key.id) else { return .none }
        return EntityHead(version: latest.version, state: try EntityHeadCache.state(of: latest))
    }

    /// Forgets the heads of `keys` (entities whose records are being erased).
    mutating func forget(_ keys: [EntityKey]) {
        for key in keys {
            heads[key] = nil
            for index in uncommitted.indices { uncommitted[index].heads[key] = nil }
        }
    }

    /// Records the heads a batch produced, kept beside the cache until `ticket`'s commit is done.
    mutating func adopt(_ updates: [EntityKey: EntityHead], until ticket: CommitTicket) {
        let done = uncommitted.prefix { $0.ticket.isDone }.count
        uncommitted.removeFirst(done)
        if heads.count + updates.count > EntityHeadCache.capacity { heads.removeAll(keepingCapacity: true) }
        heads.merge(updates) { _, new in new }
        if !ticket.isDone { uncommitted.append((ticket, updates)) }
    }

    /// Heads held: the cache's and those of batches still committing.
    var count: (cached: Int, uncommitted: Int) {
        (heads.count, uncommitted.reduce(0) { $0 + $1.heads.count })
    }

    /// The state after `record`: its stored state-after, or the `state` inside its body, or none
    /// when the record was erased (the next diff then starts from nothing).
    static func state(of record: StoredRecord) throws -> JSONValue? {
        do {
            if let after = record.stateAfter { return try JSONParser.parse(Array(after)) }
            guard let body = record.body else { return nil }
            return try JSONParser.parse(Array(body))["state"]
        } catch {
            throw StorageError(.corrupt, "stored record \(record.seq) is not valid JSON: \(error)")
        }
    }
}
