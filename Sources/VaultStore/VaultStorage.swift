public import Foundation
public import VaultFormat

/// One record as stored: its exact canonical bytes, the salt of its commitment, and the columns the
/// vault queries it by. Everything here except the index columns is erasable when retention ends.
public struct StoredRecord: Sendable, Equatable {
    public var seq: Int64
    public var eventId: String
    public var stream: String
    public var entityType: String
    public var entityId: String
    public var playerId: String?
    /// Milliseconds since the Unix epoch, UTC.
    public var occurredAt: Int64
    public var recordedAt: Int64
    /// The entity's version this record produced, counting from 1.
    public var version: Int64
    /// The record bytes exactly as canonicalised at ingest; nil once erased.
    public var body: Data?
    /// The commitment salt; nil once erased.
    public var salt: Data?
    /// The RFC 6902 patch from the entity's previous state (canonical JSON); nil once erased.
    public var diff: Data?
    /// The entity's state after this record when the record carried an explicit diff instead of a
    /// full state (canonical JSON); nil otherwise.
    public var stateAfter: Data?

    public init(seq: Int64, eventId: String, stream: String, entityType: String, entityId: String, playerId: String?,
                occurredAt: Int64, recordedAt: Int64, version: Int64, body: Data?, salt: Data?, diff: Data?,
                stateAfter: Data?) {
        self.seq = seq
        self.eventId = eventId
        self.stream = stream
        self.entityType = entityType
        self.entityId = entityId
        self.playerId = playerId
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
        self.version = version
        self.body = body
        self.salt = salt
        self.diff = diff
        self.stateAfter = stateAfter
    }
}

/// A leaf of the log as stored: the entry bytes and the tree hashes its append stored
/// (`MerkleTree.storedHashes(forLeaf:)`: the leaf hash, then each subtree it completed).
public struct StoredLeaf: Sendable, Equatable {
    public var seq: Int64
    public var entry: Data
    public var hashes: [Hash]

    public init(seq: Int64, entry: Data, hashes: [Hash]) {
        self.seq = seq
        self.entry = entry
        self.hashes = hashes
    }
}

/// Everything one ingest batch adds, committed atomically.
public struct LogBatch: Sendable {
    /// The tree the batch extends: its size (the first leaf's seq) and root, as in the latest
    /// stored checkpoint; nil only for the very first checkpoint of a log.
    public var previous: (size: Int64, root: Hash)?
    public var leaves: [StoredLeaf]
    public var records: [StoredRecord]
    /// The root of the tree after the batch.
    public var rootHash: Hash
    /// The signed checkpoint note for the tree after the batch, exactly as signed.
    public var checkpointNote: String
    public var checkpointTime: Int64
    /// Records to erase in the same transaction (their body, salt, diff and state), each by the
    /// erasure entry at `erasedBy`, which must be one of this batch's leaves.
    public var erasures: [(seq: Int64, erasedBy: Int64)]

    public init(previous: (size: Int64, root: Hash)?, leaves: [StoredLeaf], records: [StoredRecord], rootHash: Hash,
                checkpointNote: String, checkpointTime: Int64, erasures: [(seq: Int64, erasedBy: Int64)] = []) {
        self.previous = previous
        self.leaves = leaves
        self.records = records
        self.rootHash = rootHash
        self.checkpointNote = checkpointNote
        self.checkpointTime = checkpointTime
        self.erasures = erasures
    }

    /// The tree size before the batch; the first leaf's seq.
    public var startSize: Int64 { previous?.size ?? 0 }

    /// The tree size after the batch.
    public var endSize: Int64 { startSize + Int64(leaves.count) }
}

/// The vault's storage. The embedded default is `SQLiteStore`; a PostgreSQL store is planned and
/// must honour the same contract.
///
/// Contract:
/// - `commit(_:)` is atomic and durable: when it returns, every leaf, record and the checkpoint of
///   the batch survive a crash; when it throws, none of them was stored. It refuses a batch whose
///   `previous` size and root are not those of the latest stored checkpoint (a compare-and-swap on
///   the signed tree head), so leaves can only ever extend the tree they were hashed onto.
/// - Only one writer calls `commit`; any number of readers may call the read methods concurrently
///   with it and with each other, and they see whole batches only.
/// - Leaves and checkpoints are never updated or deleted. Records are never deleted; the only
///   update allowed is erasure (body, salt, diff and state set to nil together), which happens only
///   in the commit of the batch that holds the erasure entry, and is recorded with that entry's seq.
/// - Erased bytes are unrecoverable from the store's files once `purgeErasedData()` has returned.
public protocol VaultStorage: HashReader {
    /// The number of leaves in the log.
    func treeSize() throws -> Int64
    func commit(_ batch: LogBatch) throws
    /// Commits `batches`, each extending the one before it, in one transaction: all are durable
    /// when it returns, none when it throws (group commit: one sync for many batches).
    func commit(group batches: [LogBatch]) throws
    /// The latest signed checkpoint note, exactly as signed, or nil for an empty log.
    func latestCheckpoint() throws -> String?
    /// The size of the latest checkpoint and when it was stored (milliseconds), if there is one.
    func latestCheckpointInfo() throws -> (size: Int64, createdAt: Int64)?
    /// When the checkpoint of exactly `size` was signed (milliseconds), if one was.
    func checkpointSignedAt(size: Int64) throws -> Int64?
    /// The size of the latest checkpoint (0 when there is none).
    func latestCheckpointSize() throws -> Int64
    /// The signed checkpoint note for exactly `size`, if one was published.
    func checkpoint(size: Int64) throws -> String?
    func leaf(seq: Int64) throws -> StoredLeaf?
    /// The leaves with the given sequence numbers, keyed by seq (missing ones are absent), read
    /// with one query.
    func leaves(seqs: [Int64]) throws -> [Int64: StoredLeaf]
    /// Leaves `[from, to)` in order.
    func leaves(from: Int64, to: Int64) throws -> [StoredLeaf]
    /// Existing records among `eventIds`, keyed by event id.
    func records(eventIds: [String]) throws -> [String: StoredRecord]
    /// Every record of one entity, oldest first.
    func history(entityType: String, entityId: String) throws -> [StoredRecord]
    /// Every record of the entities of `entityType` whose id starts with `idPrefix`, in seq order:
    /// one index range read (the objects of one bucket, say).
    func histories(entityType: String, idPrefix: String) throws -> [StoredRecord]
    /// One entity's records whose seq is in `seqs` and, with `occurred`, whose occurred-at is in it:
    /// at most `limit`, oldest first, or newest first when `newestFirst`. One index range read.
    func history(entityType: String, entityId: String, seqs: Range<Int64>, occurred: Range<Int64>?, newestFirst: Bool,
                 limit: Int) throws -> [StoredRecord]
    /// How many records one entity has with seq below `below` (read from the index alone).
    func versionCount(entityType: String, entityId: String, below: Int64) throws -> Int64
    /// The newest record of one entity, if any.
    func latestRecord(entityType: String, entityId: String) throws -> StoredRecord?
    /// The newest record of each of `entities` (type, id) that has any, keyed by `type + "\u{0}" + id`,
    /// read with one query per few hundred entities.
    func latestRecords(entities: [(type: String, id: String)]) throws -> [String: StoredRecord]
    /// Records of one stream recorded in `[from, to)` (milliseconds), ordered by recorded-at then
    /// seq, starting after `after` (a recorded-at and seq), at most `limit`; with `entityId`, only
    /// the records of entities with that id.
    func records(stream: String, from: Int64, to: Int64, after: (recordedAt: Int64, seq: Int64)?, limit: Int,
                 entityId: String?) throws -> [StoredRecord]
    /// Records about one player, by seq, starting after seq `after`, at most `limit`.
    func records(playerId: String, after: Int64?, limit: Int) throws -> [StoredRecord]
    /// Records not yet erased with seq greater than `after`, in seq order, at most `limit`, with
    /// their entries: what the sweeper examines.
    func unerasedSubjects(after: Int64, limit: Int) throws -> [RetentionSubject]
    /// The records with the given seqs, with their entries, keyed by seq.
    func subjects(seqs: [Int64]) throws -> [Int64: RetentionSubject]
    /// How many records were erased by erasure entries at or after `seq`.
    func erasureCount(since seq: Int64) throws -> Int64
    /// For each of `seqs` that was erased, the seq of the erasure entry that erased it.
    func erasures(of seqs: [Int64]) throws -> [Int64: Int64]
    /// Records with seq in `[from, to)`, in seq order. A record whose stored bytes cannot be read
    /// (for example, they no longer decrypt) is returned with `unreadable` set instead of failing the
    /// whole read, so an integrity check can name it.
    func recordsForCheck(from: Int64, to: Int64) throws -> [(record: StoredRecord, unreadable: String?)]
    /// The committed bytes of the records with seq in `[from, to)` whose stream is in `streams`, in
    /// seq order: each record's body (decrypted), its salt and its leaf's entry, so a reader can
    /// check the body against the entry's commitment. Erased records are left out. Reads nothing
    /// else (no diff, no state), for passes over many records such as reports.
    func committedRecords(from: Int64, to: Int64, streams: Set<String>) throws -> [CommittedRecord]
    /// Leaves with seq in `[from, to)`, in seq order. A leaf whose stored tree hashes are malformed
    /// is returned with no hashes and `malformed` set, instead of failing the whole read.
    func leavesForCheck(from: Int64, to: Int64) throws -> [(leaf: StoredLeaf, malformed: String?)]
    /// Every stored checkpoint: its size, stored root and signed note, by size.
    func allCheckpoints() throws -> [StoredCheckpoint]
    /// The root stored beside the latest checkpoint (what `commit` compares a batch's `previous`
    /// with), or nil for an empty log or an unreadable root.
    func latestCheckpointRoot() throws -> Hash?
    /// The store's own protections (append-only and erasure rules) that are missing or altered,
    /// each named; empty when all are in place.
    func protectionProblems() throws -> [String]
    /// Puts every protection back as the schema defines it.
    func restoreProtections() throws
    /// Makes the bytes of erased records unrecoverable from the store's files (for SQLite: zeroed
    /// pages via `secure_delete`, then a checkpoint that truncates the write-ahead log).
    func purgeErasedData() throws
    /// A configuration value stored with the log (such as its origin).
    func metadata(_ key: String) throws -> String?
    func setMetadata(_ key: String, _ value: String) throws
}

/// A record's committed bytes and its log entry (`VaultStorage.committedRecords`).
public struct CommittedRecord: Sendable {
    public let seq: Int64
    public let salt: [UInt8]
    /// The record's canonical JSON.
    public let body: [UInt8]
    /// The leaf's entry, which holds the commitment `SHA-256(salt || body)`.
    public let entry: [UInt8]

    public init(seq: Int64, salt: [UInt8], body: [UInt8], entry: [UInt8]) {
        self.seq = seq
        self.salt = salt
        self.body = body
        self.entry = entry
    }
}

/// A checkpoint as stored: its size, the root kept beside it for the commit's compare-and-swap,
/// and the signed note (which signs the root too; the two must agree).
public struct StoredCheckpoint: Sendable {
    public let size: Int64
    /// Nil when the stored root is not 32 bytes.
    public let root: Hash?
    public let note: String

    public init(size: Int64, root: Hash?, note: String) {
        self.size = size
        self.root = root
        self.note = note
    }
}

/// A failure of the storage layer that a caller can act on.
public struct StorageError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case treeSizeMismatch = "tree_size_mismatch"
        case corrupt = "corrupt"
        case notFound = "not_found"
        /// The storage was asked to run with settings it refuses.
        case configuration = "configuration"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
