import VaultFormat
import VaultStore

/// An entity's state after each of its versions, for a page of its history, read from the store
/// only as far back as the page needs: back from a version to the nearest one that fixes the state
/// by itself (version 1, a committed full `state`, or an erased version, after which the state is
/// unknown), then forward through each version's committed change.
///
/// Contract: every record it reads is checked as `Vault.history` checks them — against its entry's
/// commitment, its index columns against its committed bytes, its erasure against its erasure entry,
/// its stored diff and state-after against its committed record and the state before it
/// (`DerivedColumns.next`), and its version against its neighbours' (one entity's records carry
/// versions 1, 2, … in seq order, so a moved or removed row shows as a gap and is refused). What it
/// does not read is not checked here: `regvault check` reads everything.
struct EntityStates {
    let vault: Vault
    let entityType: String
    let entityId: String
    /// Records at or above this seq (after the checkpoint) are not read.
    let size: Int64
    /// By version: the checked record, and the state after it once computed.
    private var items: [Int64: HistoryItem] = [:]
    private var after: [Int64: Vault.KnownState] = [:]

    init(vault: Vault, entityType: String, entityId: String, size: Int64) {
        self.vault = vault
        self.entityType = entityType
        self.entityId = entityId
        self.size = size
    }

    /// Checks `records` (a page, oldest first) and keeps them; returns them as history items.
    mutating func admit(_ records: [StoredRecord]) throws -> [HistoryItem] {
        let leaves = try vault.store.leaves(seqs: records.map(\.seq))
        let checked = try records.map { record in
            guard let leaf = leaves[record.seq] else { throw VaultError(.integrity, "record \(record.seq) has no entry in the log") }
            return HistoryItem(record: record, entry: leaf.entry)
        }.verified().withErasures(from: vault.store)
        for item in checked {
            guard item.record.entityType == entityType, item.record.entityId == entityId, item.record.version >= 1 else {
                throw VaultError(.integrity, "record \(item.record.seq) is not a version of \(entityType) \(entityId); run regvault check")
            }
            if let known = items[item.record.version], known.record.seq != item.record.seq {
                throw VaultError(.integrity, "records \(known.record.seq) and \(item.record.seq) both claim version "
                    + "\(item.record.version) of \(entityType) \(entityId); run regvault check")
            }
            items[item.record.version] = item
        }
        return checked
    }

    /// The state before `item` (after the version before it).
    mutating func before(_ item: HistoryItem) throws -> Vault.KnownState {
        item.record.version == 1 ? .known(nil) : try stateAfter(version: item.record.version - 1, below: item.record.seq)
    }

    /// The state after `item`.
    mutating func after(_ item: HistoryItem) throws -> Vault.KnownState {
        try stateAfter(version: item.record.version, below: item.record.seq + 1)
    }

    /// The state after `version`, whose record lies below seq `below`.
    private mutating func stateAfter(version: Int64, below: Int64) throws -> Vault.KnownState {
        if let known = after[version] { return known }
        // Back to a version that fixes the state by itself, or whose state is already known.
        var first = version
        try fetch(version: first, below: below)
        while first > 1, after[first - 1] == nil, !fixesState(items[first]!) {
            try fetch(version: first - 1, below: items[first]!.record.seq)
            first -= 1
        }
        // The state before `first`: none before version 1; unknown before an anchor read without its predecessor.
        var previous: JSONValue?? = .some(nil)
        if first > 1 {
            if case .known(let state)? = after[first - 1] { previous = .some(state) } else { previous = nil }
        }
        for current in first...version {
            let record = items[current]!.record
            switch DerivedColumns.next(record, previous: previous) {
            case .state(let state):
                after[current] = .known(state)
                previous = .some(state)
            case .erased:
                after[current] = .erased
                previous = nil
            case .mismatch(let why):
                throw VaultError(.integrity, why + ": the database was edited; run regvault check")
            }
        }
        return after[version]!
    }

    /// True if the state after `item` does not depend on the state before it.
    private func fixesState(_ item: HistoryItem) -> Bool {
        guard let body = item.record.body else { return true }
        return (try? JSONParser.parse(Array(body)))?["state"] != nil
    }

    /// Reads, if not yet read, the record of `version`, the newest of the entity below seq `below`,
    /// with up to 31 older ones in the same read.
    private mutating func fetch(version: Int64, below: Int64) throws {
        guard items[version] == nil else { return }
        let records = try vault.store.history(entityType: entityType, entityId: entityId, seqs: 0..<min(below, size),
                                              occurred: nil, newestFirst: true, limit: 32)
        for (offset, record) in records.enumerated() where record.version != version - Int64(offset) {
            throw VaultError(.integrity, "version \(version - Int64(offset)) of \(entityType) \(entityId) is missing from its "
                + "history (record \(record.seq) says version \(record.version)); run regvault check")
        }
        _ = try admit(records.reversed().filter { items[$0.version] == nil })
        guard items[version] != nil else {
            throw VaultError(.integrity, "version \(version) of \(entityType) \(entityId) is missing from its history; run regvault check")
        }
    }
}
