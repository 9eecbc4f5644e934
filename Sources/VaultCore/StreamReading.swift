import VaultStore

extension VaultStorage {
    /// Every record of `stream` recorded in `[from, to)`, in recorded-at then seq order, read
    /// `allRecordsPage` at a time.
    func allRecords(stream: String, from: Int64 = Int64.min, to: Int64 = Int64.max) throws -> [StoredRecord] {
        var found: [StoredRecord] = []
        var after: (recordedAt: Int64, seq: Int64)?
        while true {
            let page = try records(stream: stream, from: from, to: to, after: after, limit: allRecordsPage, entityId: nil)
            found += page
            guard let last = page.last, page.count == allRecordsPage else { break }
            after = (last.recordedAt, last.seq)
        }
        return found
    }

    /// The latest record of each entity of one of the vault's streams (holds, policies), oldest
    /// entity first. Recorded-at never goes back, so the last record read is the latest version.
    func latestPerEntity(stream: VaultStream) throws -> [StoredRecord] {
        var latest: [String: StoredRecord] = [:]
        for record in try allRecords(stream: stream.rawValue) { latest[record.entityId] = record }
        return latest.values.sorted { $0.seq < $1.seq }
    }
}

/// Records per query of `allRecords`, which keeps them all anyway: as many as one commit of a
/// bulk append holds at its default batch size, so that PostgreSQL, which sorts each recording
/// time's (so each commit's) records of a stream by seq, reads such a commit's records at most
/// about twice (`PostgresSchema.recordIndexes`).
private let allRecordsPage = IngestPipeline.defaultBatchSize
