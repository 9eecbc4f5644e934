import Foundation
public import VaultReports
import VaultStore

/// Progress of reading the records a report is computed from.
public struct ReportReadProgress: Sendable {
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
    /// checked against its entry's commitment, read 65,536 seqs at a time. Erased records are
    /// absent: a report of a period whose records were erased cannot be made again.
    public func reportFacts(size: Int64, progress: (@Sendable (ReportReadProgress) -> Void)? = nil) throws -> ReportFacts {
        let clientStreams = Set(RecordSchema.Stream.allCases.map(\.rawValue))
        var facts = ReportFacts()
        let chunk: Int64 = 65_536
        for first in stride(from: Int64(0), to: size, by: Int(chunk)) {
            let end = min(first + chunk, size)
            let records = try store.recordsForCheck(from: first, to: end).map(\.record)
                .filter { clientStreams.contains($0.stream) && $0.body != nil && $0.salt != nil }
            let leaves = try store.leaves(seqs: records.map(\.seq))
            for record in records {
                guard let leaf = leaves[record.seq] else { throw VaultError(.integrity, "entry \(record.seq) is not stored") }
                do {
                    try facts.addCommitted(seq: record.seq, salt: [UInt8](record.salt!), record: [UInt8](record.body!),
                                           entry: [UInt8](leaf.entry))
                } catch {
                    throw VaultError(error == .commitmentMismatch(seq: record.seq) ? .integrity : .invalidRequest, error.description)
                }
            }
            progress?(ReportReadProgress(done: end, total: size))
        }
        return facts
    }
}
