import Foundation
public import VaultFormat

/// An entity's change history as an inspector receives it: its versions, oldest first, each with
/// the evidence to check it offline — the record's exact bytes and salt, its entry, and an
/// inclusion proof against one signed checkpoint, the same for every change — and, to read it,
/// the value before and after of every path the version touched.
public struct AuditTrail: Sendable {
    public let entityType: String
    public let entityId: String
    /// The checkpoint every proof leads to, exactly as signed.
    public let checkpoint: SignedCheckpoint
    /// The versions of this page.
    public let changes: [Change]
    /// How many versions the entity has below the checkpoint, in any window.
    public let versionCount: Int
    /// The window and page asked for.
    public let window: AuditWindow
    /// Where the next page starts, or nil after the last.
    public let nextCursor: PageCursor?

    public struct Change: Sendable {
        public let item: HistoryItem
        public let inclusion: InclusionProof
        /// Each path the version's diff touched, with its value in the previous version's state
        /// and in this one's (nil where absent); empty for an erased version or one whose previous
        /// state was erased.
        public let touched: [TouchedPath]
    }
}

/// One path a change touched: RFC 6901 pointer, value before and after.
public struct TouchedPath: Sendable, Equatable {
    public let path: String
    public let before: JSONValue?
    public let after: JSONValue?

    public init(path: String, before: JSONValue?, after: JSONValue?) {
        self.path = path
        self.before = before
        self.after = after
    }
}

/// Which versions of an entity a trail holds: those whose `occurredAt` (when the change
/// happened, as the platform says; not when the vault recorded it) is in `[from, to)`, after the
/// cursor's version, at most `limit`.
public struct AuditWindow: Sendable, Equatable {
    public var from: Int64?
    public var to: Int64?
    public var cursor: PageCursor?
    public var limit: Int?

    public init(from: Int64? = nil, to: Int64? = nil, cursor: PageCursor? = nil, limit: Int? = nil) {
        self.from = from
        self.to = to
        self.cursor = cursor
        self.limit = limit
    }

    /// Every version.
    public static let all = AuditWindow()
}

extension Vault {
    /// The audit trail of one entity against the latest signed checkpoint: the versions in
    /// `window`. Versions recorded after that checkpoint are not included (they will be in the next
    /// one). Only the page is read, with the versions before it that its before values need
    /// (`EntityStates`, which checks every record it reads); the count of versions comes from the
    /// index and must match the newest version's number. Proofs are built for the page only, from
    /// one read of the tree's hashes.
    public func audit(entityType: String, entityId: String, window: AuditWindow = .all) throws -> AuditTrail {
        guard let checkpoint = try latestCheckpoint() else {
            throw VaultError(.integrity, "the vault has no checkpoint")
        }
        let size = Int64(checkpoint.checkpoint.size)
        let count = try store.versionCount(entityType: entityType, entityId: entityId, below: size)
        guard count > 0 else {
            throw VaultError(.notFound, "no records for \(entityType) \(entityId)")
        }
        var states = EntityStates(vault: self, entityType: entityType, entityId: entityId, size: size)
        let newest = try states.admit(try store.history(entityType: entityType, entityId: entityId, seqs: 0..<size, occurred: nil,
                                                        newestFirst: true, limit: 1))
        guard newest.first?.record.version == count else {
            throw VaultError(.integrity, "\(entityType) \(entityId) has \(count) records but its newest says version "
                + "\(newest.first?.record.version ?? 0): a version is missing from its history; run regvault check")
        }
        var occurred: Range<Int64>?
        if window.from != nil || window.to != nil {
            let from = window.from ?? .min
            occurred = from..<max(from, window.to ?? .max)
        }
        let limit = window.limit ?? Int(count)
        let start = (window.cursor?.seq ?? -1) + 1
        let rows = start >= size ? [] : try store.history(entityType: entityType, entityId: entityId, seqs: start..<size,
                                                          occurred: occurred, newestFirst: false, limit: limit + 1)
        let page = try states.admit(Array(rows.prefix(limit)))
        let nextCursor = rows.count > limit ? page.last.map { PageCursor(recordedAt: 0, seq: $0.record.seq) } : nil
        let indexes = try page.flatMap { try MerkleTree.inclusionProofIndexes(index: $0.record.seq, size: size) }
        let hashes = try PrefetchedHashReader(indexes: indexes, from: store)
        let changes = try page.map { item in
            let proof = try MerkleTree.proveInclusion(index: item.record.seq, size: size, reader: hashes)
            return AuditTrail.Change(item: item, inclusion: InclusionProof(index: item.record.seq, treeSize: size,
                                                                           leafHash: MerkleHashing.leafHash(item.entry), hashes: proof),
                                     touched: Self.touched(item, before: try states.before(item), after: try states.after(item)))
        }
        return AuditTrail(entityType: entityType, entityId: entityId, checkpoint: checkpoint, changes: changes,
                          versionCount: Int(count), window: window, nextCursor: nextCursor)
    }

    /// For each of an entity's versions (its whole history, oldest first), the paths it touched
    /// with their values before and after.
    public static func touchedPaths(_ items: [HistoryItem]) -> [[TouchedPath]] {
        let states = statesAfter(items)
        return items.indices.map { touched(items[$0], before: $0 > 0 ? states[$0 - 1] : .known(nil), after: states[$0]) }
    }

    /// An entity's state after a version: known (nil before the first), or lost with an erased version.
    enum KnownState {
        case known(JSONValue?)
        case erased
    }

    /// The state after each version: its committed `state`, or the stored state its diff produced,
    /// or (no change) the previous one.
    static func statesAfter(_ items: [HistoryItem]) -> [KnownState] {
        var previous = KnownState.known(nil)
        return items.map { item in
            guard let body = item.record.body, let object = try? JSONParser.parse(Array(body)) else {
                previous = .erased
                return previous
            }
            if let state = object["state"] {
                previous = .known(state)
            } else if object["diff"] != nil {
                previous = .known(item.record.stateAfter.flatMap { try? JSONParser.parse(Array($0)) })
            }
            return previous
        }
    }

    /// The paths `item`'s diff touched with their values before and after (`/games/-`, an append,
    /// reads as the array itself).
    static func touched(_ item: HistoryItem, before: KnownState, after: KnownState) -> [TouchedPath] {
        guard case .known(let old) = before, case .known(let new) = after,
              let diff = RecordDiff.of(item.record)?.arrayValue else { return [] }
        var seen = Set<String>()
        return diff.compactMap { operation in
            guard var path = operation["path"]?.stringValue else { return nil }
            if path.hasSuffix("/-") { path.removeLast(2) }
            guard seen.insert(path).inserted else { return nil }
            return TouchedPath(path: path, before: JSONPatch.value(atPointer: path, in: old),
                               after: JSONPatch.value(atPointer: path, in: new))
        }
    }
}
