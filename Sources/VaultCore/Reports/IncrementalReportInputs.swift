import Foundation
public import VaultReports

/// The report inputs of a long-running server: the facts read at one checkpoint are kept, and the
/// next read adds only the records the log gained since, so filing the day's reports after
/// midnight reads seconds of records instead of years. Thread-safe; reads are serialised.
///
/// A record erased since the last read must not stay in the facts (a report may not be computed
/// from what the vault no longer holds), so an erasure anywhere since then makes the next read
/// start over from the first record.
public final class IncrementalReportInputs: @unchecked Sendable {
    private let vault: Vault
    private let lock = NSLock()
    private var cached: ReportInputs?

    public init(vault: Vault) { self.vault = vault }

    /// The inputs at the latest signed checkpoint.
    public func read(progress: (@Sendable (ReportReadProgress) -> Void)? = nil) throws -> ReportInputs {
        try lock.withLock {
            guard let checkpoint = try vault.latestCheckpoint() else { throw VaultError(.integrity, "the vault has no checkpoint") }
            let size = Int64(checkpoint.checkpoint.size)
            let root = checkpoint.checkpoint.rootHash.base64
            if let cached, cached.size == size { return cached }
            var start: Int64 = 0
            var base = ReportFacts()
            if let cached, cached.size < size, try vault.store.erasureCount(since: cached.size) == 0 {
                start = cached.size
                base = cached.facts
            }
            let inputs = ReportInputs(size: size, root: root,
                                      facts: try vault.reportFacts(size: size, from: start, adding: base, progress: progress))
            cached = inputs
            return inputs
        }
    }

    /// Forgets the kept facts (their memory) until the next read.
    public func clear() { lock.withLock { cached = nil } }
}
