import VaultFormat
import VaultStore

/// The seqs a partial export holds: the records its filter selects, and what a verifier needs to
/// account for them — the erasure entries of those erased, the retention changes made to them,
/// every legal hold, and every retention policy recorded. All below the export's tree size.
struct ExportSelection {
    let store: any VaultStorage
    let filter: ExportFilter
    let treeSize: Int64

    /// The selected records' seqs with every entry needed to account for them (their erasures and
    /// retention changes, every hold and policy). Throws `notFound` when the filter selects no
    /// record of its own: holds and policies alone are not an answer to the request.
    func seqs() throws -> [Int64] {
        var selected = try selectedRecords().map(\.seq).filter { $0 < treeSize }
        guard !selected.isEmpty else { throw VaultError(.notFound, "the filter selects no records") }
        let erasedBy = try store.erasures(of: try store.subjects(seqs: selected).values.filter(\.erased).map(\.seq))
        selected += erasedBy.values
        for seq in Set(selected) {
            selected += try store.history(entityType: RetentionLedger.changeEntityType, entityId: "seq-\(seq)").map(\.seq)
        }
        for stream in [VaultStream.hold, .policy] {
            selected += try store.allRecords(stream: stream.rawValue).map(\.seq)
        }
        return Array(Set(selected.filter { $0 < treeSize })).sorted()
    }

    /// The records the filter selects, read through the narrowest index it allows.
    private func selectedRecords() throws -> [StoredRecord] {
        let candidates: [StoredRecord]
        if let type = filter.entityType, let id = filter.entityId {
            candidates = try store.history(entityType: type, entityId: id)
        } else if let player = filter.player {
            var found: [StoredRecord] = []
            var after: Int64?
            while true {
                let page = try store.records(playerId: player, after: after, limit: 1000)
                found += page
                guard let last = page.last, page.count == 1000 else { break }
                after = last.seq
            }
            candidates = found
        } else {
            let streams = filter.stream.map { [$0] }
                ?? RecordSchema.Stream.allCases.map(\.rawValue) + VaultStream.allCases.map(\.rawValue)
            candidates = try streams.flatMap { try store.allRecords(stream: $0, from: filter.from ?? Int64.min, to: filter.to ?? Int64.max) }
        }
        return candidates.filter(filter.matches)
    }
}
