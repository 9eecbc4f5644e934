/// One line of input: its 1-based number and bytes (without the newline).
public struct InputLine: Sendable {
    public let number: Int
    public let bytes: [UInt8]

    public init(number: Int, bytes: [UInt8]) {
        self.number = number
        self.bytes = bytes
    }
}

/// Feeds records to a `LogWriter` in batches, validating the next batch while the writer commits
/// the current one, so both cores work. Acknowledgements are delivered in input order, each batch
/// only after it is durable.
public struct IngestPipeline: Sendable {
    /// The batch size the vault chooses for bulk input (see BENCHMARKS.md for why).
    public static let defaultBatchSize = 10_000

    public let writer: LogWriter
    public let batchSize: Int
    private let clock: any VaultClock

    public init(writer: LogWriter, batchSize: Int = IngestPipeline.defaultBatchSize, clock: any VaultClock = SystemClock()) {
        precondition(batchSize > 0, "batch size must be positive")
        self.writer = writer
        self.batchSize = batchSize
        self.clock = clock
    }

    /// Validates and appends every record in `lines`. Empty lines are skipped. Throws the first
    /// `RecordRejection` (with its line) or storage error; batches acknowledged before it stay
    /// stored, the batch it is in and everything after it are not.
    /// - Parameter acknowledged: called with each batch's results, in input order, after the batch
    ///   is durable.
    public func run(lines: some Sequence<InputLine>,
                    acknowledged: ([AppendResult]) throws -> Void) async throws {
        let validator = RecordValidator()
        // At most one batch is committing while the next is validated and sequenced.
        var committing: PendingBatch?
        var batch: [ValidatedRecord] = []
        batch.reserveCapacity(batchSize)

        func submit(_ records: [ValidatedRecord]) async throws {
            let pending = try await writer.sequence(records)
            if let previous = committing {
                committing = nil
                try acknowledged(try await previous.acknowledged())
            }
            committing = pending
        }

        do {
            for line in lines where !line.bytes.isEmpty {
                var record = try validator.validate(line.bytes, now: clock.nowMillis())
                record.line = line.number
                batch.append(record)
                if batch.count == batchSize {
                    try await submit(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try await submit(batch) }
            if let last = committing {
                committing = nil
                try acknowledged(try await last.acknowledged())
            }
        } catch {
            try await settle(committing, acknowledged)
            throw error
        }
    }

    /// Lets a batch already handed to the writer finish and acknowledges it, so that a later
    /// failure never hides records that were stored.
    private func settle(_ committing: PendingBatch?, _ acknowledged: ([AppendResult]) throws -> Void) async throws {
        guard let committing else { return }
        try acknowledged(try await committing.acknowledged())
    }
}
