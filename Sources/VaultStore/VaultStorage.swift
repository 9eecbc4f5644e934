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

/// A leaf of the log as stored: the entry bytes and the tree hashes storage keeps for it: of those
/// its append computed (`MerkleTree.storedHashes(forLeaf:)`: the leaf hash, then each subtree it
/// completed), all but the subtrees of `StoredLeaf.recomputedLevels` (`init(seq:entry:appended:)`).
public struct StoredLeaf: Sendable, Equatable {
    public var seq: Int64
    public var entry: Data
    /// The leaf hash, then each subtree the leaf completed at a level above `recomputedLevels`.
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

/// The vault's storage, by concern: the log (`LogStorage`), the records (`RecordStorage`), retention
/// (`RetentionStorage`), the integrity check (`IntegrityStorage`) and the delivery outbox
/// (`OutboxStorage`). Each protocol states what is durable when a call returns and what may run
/// concurrently. The embedded default is `SQLiteStore`; a PostgreSQL store is planned and must
/// honour the same contracts.
///
/// Across them:
/// - Only one writer commits; any number of readers run concurrently with it and see whole
///   batches only.
/// - Leaves and checkpoints are never updated or deleted. Records are never deleted; the only
///   update is erasure, inside the commit of the batch that holds the erasure entry.
/// - The record bytes read back are exactly the canonical bytes committed in the log, however the
///   store keeps them (sealed, compressed).
public protocol VaultStorage: LogStorage, RecordStorage, RetentionStorage, IntegrityStorage, OutboxStorage {}

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
        /// The database cannot be reached (PostgreSQL: no connection, or it was lost).
        case unavailable = "unavailable"
        /// This node does not hold the sequencer lease, so the log refused its write.
        case fenced = "fenced"
        /// Another node holds the sequencer lease.
        case sequencerBusy = "sequencer_busy"
        /// The database already holds a vault, or part of one, where an empty one was needed.
        case occupied = "occupied"
        /// Any other error the database reported.
        case database = "database"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
