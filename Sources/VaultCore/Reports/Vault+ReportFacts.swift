import Foundation
import VaultFormat
public import VaultReports
import VaultStore

/// Progress of reading the records a report is computed from.
public struct ReportReadProgress: Sendable {
    /// The first entry this read began at (0, or where the kept inputs ended).
    public let start: Int64
    public let done: Int64
    public let total: Int64
}

/// The inputs of a batch of filings: the records below one signed checkpoint.
public struct ReportInputs: Sendable {
    public let size: Int64
    /// The checkpoint's root hash, base64.
    public let root: String
    public let facts: ReportFacts

    public init(size: Int64, root: String, facts: ReportFacts) {
        self.size = size
        self.root = root
        self.facts = facts
    }
}

extension Vault {
    /// Reads the records below the latest signed checkpoint.
    public func reportInputs(progress: (@Sendable (ReportReadProgress) -> Void)? = nil) throws -> ReportInputs {
        guard let checkpoint = try latestCheckpoint() else { throw VaultError(.integrity, "the vault has no checkpoint") }
        let size = Int64(checkpoint.checkpoint.size)
        return ReportInputs(size: size, root: checkpoint.checkpoint.rootHash.base64,
                            facts: try reportFacts(size: size, progress: progress))
    }

    /// The facts of every client record with a seq below `size` (a signed checkpoint's size), each
    /// checked against its entry's commitment, read 8,192 seqs at a time on each core (the rows of
    /// a chunk are held whole while it is read; the facts are a small part of them). Erased records are
    /// absent: a report of a period whose records were erased cannot be made again.
    ///
    /// With `from` and `adding`, the facts `adding` (read of the records below `from`) are extended
    /// with those of the records from `from` on, for `IncrementalReportInputs`.
    public func reportFacts(size: Int64, from start: Int64 = 0, adding base: ReportFacts = ReportFacts(),
                            progress: (@Sendable (ReportReadProgress) -> Void)? = nil) throws -> ReportFacts {
        var facts = base
        facts.reserveCapacity(records: Int(max(0, size - start)))
        let chunk: Int64 = 8_192
        let workers = Int64(ParallelMap.workers)
        // Each worker reads and checks its own chunk into facts of its own; they are merged in seq
        // order, so the result is the same as reading alone. One round holds `workers` chunks.
        for round in stride(from: start, to: size, by: Int(chunk * workers)) {
            let parts = ParallelMap.map(Int(workers)) { worker -> Result<ReportFacts, VaultError> in
                let first = round + Int64(worker) * chunk
                guard first < size else { return .success(ReportFacts()) }
                return Result { () throws(VaultError) in try self.reportFacts(from: first, to: min(first + chunk, size)) }
            }
            for part in parts { facts.merge(try part.get()) }
            progress?(ReportReadProgress(start: start, done: min(round + chunk * workers, size), total: size))
        }
        return facts
    }

    /// The facts of the client records with seqs in `[from, to)`.
    private func reportFacts(from: Int64, to: Int64) throws(VaultError) -> ReportFacts {
        var facts = ReportFacts()
        do {
            for record in try store.committedRecords(from: from, to: to, streams: Self.clientStreams) {
                do {
                    try facts.addCommitted(seq: record.seq, salt: record.salt, record: record.body, entry: record.entry)
                } catch {
                    throw VaultError(error == .commitmentMismatch(seq: record.seq) ? .integrity : .invalidRequest, error.description)
                }
            }
        } catch let error as VaultError {
            throw error
        } catch {
            throw VaultError(.io, "reading records \(from) to \(to): \(error)")
        }
        return facts
    }

    private static let clientStreams = Set(RecordSchema.Stream.allCases.map(\.rawValue))
}
