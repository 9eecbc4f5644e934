/// What `regvault check` reads, and the store's own protections.
///
/// The `…ForCheck` reads return what cannot be read (a record that no longer decrypts, a leaf whose
/// stored hashes are malformed) beside the rest, named, instead of failing the whole read, so the
/// check can report every problem. They run concurrently with commits and other reads.
/// `restoreProtections()` is durable on return and runs as a write, between commits.
public protocol IntegrityStorage: Sendable {
    /// Records with seq in `[from, to)`, in seq order. A record whose stored bytes cannot be read
    /// (for example, they no longer decrypt) is returned with `unreadable` set instead of failing the
    /// whole read, so an integrity check can name it.
    func recordsForCheck(from: Int64, to: Int64) throws -> [(record: StoredRecord, unreadable: String?)]
    /// Leaves with seq in `[from, to)`, in seq order. A leaf whose stored tree hashes are malformed
    /// is returned with no hashes and `malformed` set, instead of failing the whole read.
    func leavesForCheck(from: Int64, to: Int64) throws -> [(leaf: StoredLeaf, malformed: String?)]
    /// The store's own protections (append-only and erasure rules) that are missing or altered,
    /// each named; empty when all are in place.
    func protectionProblems() throws -> [String]
    /// Puts every protection back as the schema defines it.
    func restoreProtections() throws
    /// The tree size, the latest checkpoint's size and the number of leaf and record rows, all read
    /// in one snapshot, so that a commit running beside the read cannot make them disagree. All four
    /// are equal in an intact vault.
    func logCounts() throws -> LogCounts
}

/// What `IntegrityStorage.logCounts()` reads in one snapshot.
public struct LogCounts: Sendable, Equatable {
    /// One more than the highest leaf seq (0 for an empty log).
    public var treeSize: Int64
    /// The size of the latest checkpoint (0 when there is none).
    public var latestCheckpointSize: Int64
    public var leafRows: Int64
    public var recordRows: Int64

    public init(treeSize: Int64, latestCheckpointSize: Int64, leafRows: Int64, recordRows: Int64) {
        self.treeSize = treeSize
        self.latestCheckpointSize = latestCheckpointSize
        self.leafRows = leafRows
        self.recordRows = recordRows
    }
}
