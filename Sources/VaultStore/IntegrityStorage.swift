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
    /// The number of leaf rows and of record rows; equal to each other and to the tree size in an
    /// intact vault.
    func rowCounts() throws -> (leaves: Int64, records: Int64)
}
