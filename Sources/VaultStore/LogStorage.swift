public import VaultFormat

/// The log: its leaves with the tree hashes storage keeps of each append (`StoredLeaf`), its
/// signed checkpoints, and the settings kept with it.
///
/// Durable on return: `commit(_:)` and `commit(group:)` are atomic and durable. When one returns,
/// every leaf, record, erasure and checkpoint of its batches survives a crash (SQLite: write-ahead
/// log with `synchronous=FULL`); when it throws, none of them was stored. Each refuses a batch
/// whose `previous` is not the latest stored checkpoint's size and root: a compare-and-swap on the
/// signed tree head, so leaves only ever extend the tree they were hashed onto, even if two
/// writers each believed they were the only one. `setMetadata` is durable on return.
///
/// Concurrency: one writer commits (the process's `LogWriter`, which holds the vault's writer
/// lock). Every read may run at any time, on any thread, concurrently with a commit and with other
/// reads, and sees whole batches only. Leaves and checkpoints are never updated or deleted.
public protocol LogStorage: HashReader {
    /// The number of leaves in the log.
    func treeSize() throws -> Int64
    /// Commits one batch: durable when it returns, nothing of it stored when it throws.
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
    /// Every stored checkpoint: its size, stored root and signed note, by size.
    func allCheckpoints() throws -> [StoredCheckpoint]
    /// The root stored beside the latest checkpoint (what `commit` compares a batch's `previous`
    /// with), or nil for an empty log or an unreadable root.
    func latestCheckpointRoot() throws -> Hash?
    /// Makes this process the log's one sequencer, the only one whose commits the store accepts,
    /// until `resignSequencer()`. SQLite: nothing to do (the vault's writer lock file decides).
    /// PostgreSQL: takes the fenced lease and keeps renewing it.
    /// - Throws: `StorageError.sequencerBusy` when another live node holds the role.
    func becomeSequencer(holder: String) throws
    /// Gives up the sequencer role, if held; never fails.
    func resignSequencer()
    /// The fencing token of the sequencer lease this process holds now (PostgreSQL), or nil when
    /// it holds none or the store has no lease (SQLite).
    var sequencerToken: Int64? { get }
    /// Publishes `url`, the base URL this node serves clients on, as the sequencer's, while it
    /// holds the role; the lease's next holder clears it. SQLite: nothing to do (one node).
    func advertiseSequencer(url: String) throws
    /// The base URL the node holding a live sequencer role published (`advertiseSequencer`), or nil
    /// when nobody holds it now or its holder published none (SQLite: always nil).
    func sequencerURL() throws -> String?
    /// A configuration value stored with the log (such as its origin).
    func metadata(_ key: String) throws -> String?
    func setMetadata(_ key: String, _ value: String) throws
}
