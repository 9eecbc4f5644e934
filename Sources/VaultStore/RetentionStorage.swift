/// What retention reads, and the erasures it has made.
///
/// Records are never deleted. Erasure (body, salt, diff and state set to nil together) happens
/// only inside `LogStorage.commit`, in the batch that holds the erasure entry, and is kept with
/// that entry's seq. Reads may run concurrently with a commit and with each other and see whole
/// batches only. Once `purgeErasedData()` returns nil, erased bytes cannot be recovered from the
/// store's files; it may run while others read and commit.
public protocol RetentionStorage: Sendable {
    /// Records not yet erased with seq greater than `after`, in seq order, at most `limit`, with
    /// their entries: what the sweeper examines.
    func unerasedSubjects(after: Int64, limit: Int) throws -> [RetentionSubject]
    /// The records with the given seqs, with their entries, keyed by seq.
    func subjects(seqs: [Int64]) throws -> [Int64: RetentionSubject]
    /// How many records were erased by erasure entries at or after `seq`.
    func erasureCount(since seq: Int64) throws -> Int64
    /// For each of `seqs` that was erased, the seq of the erasure entry that erased it.
    func erasures(of seqs: [Int64]) throws -> [Int64: Int64]
    /// Makes the bytes of erased records unrecoverable from the store's files as far as the vault
    /// itself can, and returns nil when they now are (SQLite: zeroed pages via `secure_delete`, then
    /// a checkpoint that truncates the write-ahead log). A store whose files only its owner can
    /// rewrite returns what it still keeps and what the owner must run (PostgreSQL), for the sweep
    /// to pass on to whoever operates the database.
    func purgeErasedData() throws -> String?
}
