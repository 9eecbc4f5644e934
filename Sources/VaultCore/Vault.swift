public import Foundation
public import VaultFormat
public import VaultStore

/// An opened vault: its storage, identity and read operations. Reads may run concurrently with the
/// one `LogWriter`; they see whole batches only. Opening for reading needs only the public verifier
/// key (`log.pub`); the private signing key is read when a writer is made.
public final class Vault: Sendable {
    public let directory: VaultDirectory
    public let store: any VaultStorage
    /// The log's origin: the first line of its checkpoints and the name of its key.
    public let origin: String
    public let verifierKey: NoteVerifierKey
    /// The retention policies in force, from the data directory's `retention/`.
    public let policies: RetentionPolicySet
    /// Seals and opens record bodies and object bytes with the data keys in `keys/`.
    let cipher: RecordCipher

    /// Creates a new vault in `path` (created if absent, mode 0700) with a fresh Ed25519 log key and
    /// the retention `policies` (copied into `path/retention`; the log records them with its first
    /// batch). Refuses a directory that already holds a vault. `signer`, whose name must be the
    /// origin, replaces the fresh key (the sandbox's log key is derived from public data).
    /// `postgres` keeps the log, records and checkpoints in that PostgreSQL database (which holds
    /// the vault's schema and nothing else yet) instead of `path/vault.sqlite`, stored objects'
    /// bytes included; keys and policies stay in `path`, which other nodes copy to join.
    @discardableResult
    public static func create(at path: String, origin: String, policies: RetentionPolicySet = .operatorDefault,
                              signer givenSigner: NoteSigner? = nil, postgres: String? = nil) throws -> Vault {
        let directory = VaultDirectory(path: path)
        guard !directory.exists else {
            throw VaultError(.alreadyExists, "\(path) already holds a vault; use another directory")
        }
        let signer: NoteSigner
        do {
            signer = try givenSigner ?? NoteSigner(generatingKeyFor: origin)
            guard signer.name == origin else {
                throw VaultError(.keyFile, "the log key is named '\(signer.name)' but the origin is '\(origin)'")
            }
        } catch let error as VaultError {
            throw error
        } catch {
            throw VaultError(.invalidOrigin, "origin '\(origin)' must be non-empty without spaces or '+', "
                + "like vault.example.com/operator/log")
        }
        let location = try postgres.map { url in
            do { return try PostgresLocation(url: url) } catch { throw VaultError(.invalidRequest, "\(error)") }
        }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        if let postgres, let location {
            // Refuse a database that already holds a vault before anything is written here.
            let store = try PostgresStore(location: location, cipher: nil)
            defer { store.shutdown() }
            if let existing = try store.metadata("origin") {
                throw VaultError(.alreadyExists, "the database \(location) already holds the vault '\(existing)'; "
                    + "a second node joins with a copy of the first node's data directory")
            }
            try directory.writePostgresLocation(postgres)
        }
        try directory.writeSigningKey(signer)
        try (signer.verifierKey.description + "\n").write(toFile: directory.verifierKeyPath, atomically: true, encoding: .utf8)
        try directory.writePolicies(policies)
        try DataKeys.generate(in: directory)
        let cipher = try DataKeys.load(from: directory)
        let store = try directory.openStore(cipher: cipher)
        try store.setMetadata("origin", origin)
        // Publish the empty tree's checkpoint, so a vault always has a signed checkpoint.
        let empty = try SignedCheckpoint(signing: Checkpoint(origin: origin, size: 0, rootHash: MerkleHashing.emptyTreeHash),
                                         with: signer)
        try withExtendedLifetime(try WriterLock(path: directory.writerLockPath, sequencing: store, holder: directory.sequencerHolder)) {
            try store.commit(LogBatch(previous: nil, leaves: [], records: [], rootHash: MerkleHashing.emptyTreeHash,
                                      checkpointNote: empty.serialized, checkpointTime: SystemClock().nowMillis()))
        }
        return try Vault(directory: directory, store: store, cipher: cipher, verifierKey: signer.verifierKey, policies: policies)
    }

    /// Opens the vault in `path` and checks that the stored tree matches the latest signed
    /// checkpoint and that no entry or record row is missing; refuses to open a vault that does not,
    /// unless `checkingOnOpen` is false (for `checkIntegrity`, which reports everything wrong).
    public static func open(at path: String, checkingOnOpen: Bool = true) throws -> Vault {
        let directory = VaultDirectory(path: path)
        guard directory.exists else {
            throw VaultError(.noVault, "no vault in \(path); create one with: regvault init --data \(path) --origin ORIGIN")
        }
        let cipher = try DataKeys.load(from: directory)
        let store = try directory.openStore(cipher: cipher)
        return try Vault(directory: directory, store: store, cipher: cipher,
                         verifierKey: try directory.readVerifierKey(),
                         policies: try RetentionPolicySet.load(directory: directory.retentionPath), checking: checkingOnOpen)
    }

    init(directory: VaultDirectory, store: any VaultStorage, cipher: RecordCipher, verifierKey: NoteVerifierKey,
                 policies: RetentionPolicySet, checking: Bool = true) throws {
        guard let origin = try store.metadata("origin") else {
            throw VaultError(.integrity, "the vault database has no origin; it was not created by regvault init")
        }
        guard verifierKey.name == origin else {
            throw VaultError(.integrity, "the log key is named '\(verifierKey.name)' but the log's origin is '\(origin)'")
        }
        self.directory = directory
        self.store = store
        self.cipher = cipher
        self.origin = origin
        self.verifierKey = verifierKey
        self.policies = policies
        if checking {
            do {
                let protections = try store.protectionProblems()
                guard protections.isEmpty else {
                    throw VaultError(.integrity, "the database's protections were removed or altered ("
                        + protections.joined(separator: "; ") + "); after regvault check finds nothing else wrong, "
                        + "regvault check --restore-protections --data \(directory.path) puts them back")
                }
                _ = try verifiedRange()
                // One snapshot: a server committing beside this process cannot make the counts disagree.
                let counts = try store.logCounts()
                guard counts.leafRows == counts.treeSize, counts.recordRows == counts.treeSize else {
                    throw VaultError(.integrity, "the log has \(counts.treeSize) entries but \(counts.leafRows) entry rows and "
                        + "\(counts.recordRows) record rows are stored: rows were deleted")
                }
            } catch let error as VaultError {
                throw VaultError(.integrity, error.reason + "; run regvault check --data \(directory.path)")
            } catch {
                throw VaultError(.integrity, "the stored tree cannot be read (\(error)); run regvault check --data \(directory.path)")
            }
        }
    }

    /// Takes the writer role (one process at a time) and returns the log's writer. Reads the
    /// private signing key, which must match the verifier key. Refuses retention policies that would
    /// shorten what the policies recorded in the log promised (see
    /// `RetentionPolicySet.refusalToReplace`); the writer records changed policies with its first batch.
    /// `reproducible` (for the sandbox) makes the writer's own policy records the same on every run.
    public func makeWriter(clock: any VaultClock = SystemClock(), reproducible: Bool = false) throws -> LogWriter {
        let lock = try WriterLock(path: directory.writerLockPath, sequencing: store, holder: directory.sequencerHolder)
        let signer = try directory.readSigningKey()
        guard signer.verifierKey == verifierKey else {
            throw VaultError(.keyFile, "the log key \(directory.signingKeyPath) does not match \(directory.verifierKeyPath)")
        }
        let range = try verifiedRange()
        let lastSignedHead = LastSignedHead(directory: directory)
        try lastSignedHead.check(store)
        let recorded = try recordedPolicies()
        if let recordedSet = try? RetentionPolicySet(recorded), let why = recordedSet.refusalToReplace(with: policies) {
            throw VaultError(.invalidPolicy, "the retention policies in \(directory.retentionPath) would weaken those in "
                + "force: \(why)")
        }
        let changed = policies.unrecorded(given: recorded)
        var lastRecordedAt = Int64.min
        if range.size > 0, let last = try store.leaf(seq: range.size - 1) {
            lastRecordedAt = try Entry(parsing: last.entry).recordedAt
        }
        return LogWriter(store: store, signer: signer, clock: clock, policies: policies, lock: lock,
                         range: range, lastRecordedAt: lastRecordedAt, unrecordedPolicies: changed,
                         objectFiles: objectFiles, reproducible: reproducible, lastSignedHead: lastSignedHead)
    }

    /// Loads the tree's right edge and checks it against the latest signed checkpoint. A reader
    /// beside a running server can see a commit land between its reads (leaves and checkpoint are
    /// stored in one transaction, but read in several): it reads again, up to a few times, before
    /// calling a difference damage.
    private func verifiedRange() throws -> CompactRange {
        var attempt = 0
        while true {
            do {
                return try verifiedRangeOnce()
            } catch let error as VaultError where error.code == .integrity && attempt < 4 {
                attempt += 1
                usleep(UInt32(20_000 * attempt))
            }
        }
    }

    private func verifiedRangeOnce() throws -> CompactRange {
        let size = try store.treeSize()
        let range = try CompactRange(size: size, reader: store)
        guard let note = try store.latestCheckpoint() else {
            guard size == 0 else { throw VaultError(.integrity, "the log has \(size) leaves but no checkpoint") }
            return range
        }
        let signed: SignedCheckpoint
        do {
            signed = try SignedCheckpoint(verifying: Array(note.utf8), verifierKeys: [verifierKey])
        } catch {
            throw VaultError(.integrity, "the latest stored checkpoint does not verify with the log key: \(error)")
        }
        guard signed.checkpoint.size == UInt64(size) else {
            throw VaultError(.integrity, "the latest checkpoint signs \(signed.checkpoint.size) leaves but \(size) are stored")
        }
        guard signed.checkpoint.rootHash == range.rootHash else {
            throw VaultError(.integrity, "the stored tree hashes do not give the root of the latest signed checkpoint")
        }
        // The root column is what the next commit compares its batch with: an edited one would
        // refuse every batch, so it is refused here, where the operator can see why.
        guard try store.latestCheckpointRoot() == signed.checkpoint.rootHash else {
            throw VaultError(.integrity, "the root stored beside the latest checkpoint differs from the root it signs")
        }
        return range
    }

    /// The policies recorded in the log, each in its latest version.
    func recordedPolicies() throws -> [RetentionPolicy] {
        try Vault.recordedPolicies(in: store)
    }

    /// The latest version of each retention policy the log in `store` holds.
    static func recordedPolicies(in store: any VaultStorage) throws -> [RetentionPolicy] {
        try store.latestPerEntity(stream: .policy).compactMap { record in
            guard let state = try RetentionLedger.stateValue(of: record) else { return nil }
            return try RetentionPolicy(parsing: state.canonicalBytes)
        }
    }

    /// The ledger that reads records' retention state.
    public var retention: RetentionLedger { RetentionLedger(store: store, policies: policies) }

    // MARK: reads

    /// The latest signed checkpoint, exactly as signed; nil for an empty log.
    public func latestCheckpoint() throws -> SignedCheckpoint? {
        guard let note = try store.latestCheckpoint() else { return nil }
        return try SignedCheckpoint(verifying: Array(note.utf8), verifierKeys: [verifierKey])
    }

    /// Records the log's newest checkpoint in `DIR/last-signed-head` when another node committed
    /// it (a standby following the sequencer), so that this node will refuse to extend a log that
    /// lost it; returns whether there was a newer one. See `LastSignedHead.follow`.
    /// - Throws: `VaultError.integrity` when the log no longer holds the checkpoint recorded before.
    public func followNewestCheckpoint() throws -> Bool {
        try LastSignedHead(directory: directory).follow(store, verifierKey: verifierKey)
    }

    /// The size of the latest signed checkpoint (0 for an empty log). Checkpoints are stored in the
    /// same transaction as the leaves they sign and were verified when the vault was opened.
    public func checkpointSize() throws -> Int64 {
        try store.latestCheckpointSize()
    }

    /// The latest checkpoint's size and when it was signed (milliseconds), or nil for none.
    public func latestCheckpointRecord() throws -> (size: Int64, signedAt: Int64)? {
        try store.latestCheckpointInfo().map { ($0.size, $0.createdAt) }
    }

    /// One entry's exact bytes and leaf hash. Refuses an entry whose bytes no longer hash to the
    /// leaf hash stored in the tree.
    public func entry(seq: Int64) throws -> (bytes: Data, leafHash: Hash) {
        guard seq >= 0, let leaf = try store.leaf(seq: seq) else {
            throw VaultError(.notFound, "no entry \(seq); the log has \(try store.treeSize()) entries (0 to n-1)")
        }
        let leafHash = MerkleHashing.leafHash(leaf.entry)
        guard leafHash == leaf.hashes[0] else {
            throw VaultError(.integrity, "entry \(seq) does not match its leaf hash in the tree: the stored entry was altered")
        }
        return (leaf.entry, leafHash)
    }

    /// The inclusion proof of entry `seq` in the tree of `size` leaves (default: the latest
    /// checkpoint's size).
    public func inclusionProof(seq: Int64, size: Int64? = nil) throws -> InclusionProof {
        let stored = try checkpointSize()
        let treeSize = size ?? stored
        guard treeSize >= 1, treeSize <= stored else {
            throw VaultError(.invalidRequest, "tree size \(treeSize) is not between 1 and the checkpoint's size \(stored)")
        }
        guard seq >= 0, seq < treeSize else {
            throw VaultError(.invalidRequest, "entry \(seq) is not in the tree of size \(treeSize)")
        }
        let hashes = try MerkleTree.proveInclusion(index: seq, size: treeSize, reader: store)
        return InclusionProof(index: seq, treeSize: treeSize, leafHash: try entry(seq: seq).leafHash, hashes: hashes)
    }

    /// The consistency proof between the trees of `from` and `to` leaves.
    public func consistencyProof(from: Int64, to: Int64) throws -> ConsistencyProof {
        let stored = try checkpointSize()
        guard from >= 1, from <= to, to <= stored else {
            throw VaultError(.invalidRequest, "need 1 <= from <= to <= \(stored) (the checkpoint's size); got from \(from) to \(to)")
        }
        return ConsistencyProof(from: from, to: to,
                                hashes: try MerkleTree.proveConsistency(oldSize: from, newSize: to, reader: store))
    }

    /// An entity's records, oldest first, with their entries.
    public func history(entityType: String, entityId: String) throws -> [HistoryItem] {
        let records = try store.history(entityType: entityType, entityId: entityId)
        let leaves = try store.leaves(seqs: records.map(\.seq))
        return try records.map { record in
            guard let leaf = leaves[record.seq] else {
                throw VaultError(.integrity, "record \(record.seq) has no entry in the log")
            }
            return HistoryItem(record: record, entry: leaf.entry)
        }.verified().withErasures(from: store).checkedVersions().checkedDerivedColumns()
    }
}

/// An RFC 9162 inclusion proof.
public struct InclusionProof: Sendable, Equatable {
    public let index: Int64
    public let treeSize: Int64
    public let leafHash: Hash
    public let hashes: [Hash]
}

/// An RFC 9162 consistency proof.
public struct ConsistencyProof: Sendable, Equatable {
    public let from: Int64
    public let to: Int64
    public let hashes: [Hash]
}

/// One version of an entity: the stored record and its entry's exact bytes.
public struct HistoryItem: Sendable {
    public let record: StoredRecord
    public let entry: Data
    /// For an erased record, the seq of the erasure entry that erased it.
    public var erasedBy: Int64?

    public init(record: StoredRecord, entry: Data, erasedBy: Int64? = nil) {
        self.record = record
        self.entry = entry
        self.erasedBy = erasedBy
    }
}

extension Array where Element == HistoryItem {
    /// The items, after checking that each record that is not erased matches its entry's commitment
    /// and that its index columns agree with its committed bytes and entry (`CommittedColumns`): a
    /// record altered in storage is refused rather than served, and so is one whose columns would
    /// place it on another entity, player, stream or time.
    public func verified() throws -> [HistoryItem] {
        for item in self {
            let entry: Entry
            do {
                entry = try Entry(parsing: item.entry)
            } catch {
                throw VaultError(.integrity, "the entry of record \(item.record.seq) is malformed: \(error); run regvault check")
            }
            guard let body = item.record.body, let salt = item.record.salt else {
                if entry.seq != UInt64(item.record.seq) || entry.recordedAt != item.record.recordedAt {
                    throw VaultError(.integrity, "erased record \(item.record.seq) differs from its entry; run regvault check")
                }
                continue
            }
            guard entry.commitment == Entry.commitment(salt: salt, record: body) else {
                throw VaultError(.integrity, "record \(item.record.seq) does not match its entry's commitment: the stored "
                    + "record was altered; run regvault check")
            }
            if let why = CommittedColumns.mismatch(item.record, body: body, entry: entry) {
                throw VaultError(.integrity, "record \(item.record.seq): \(why); run regvault check")
            }
        }
        return self
    }

    /// The items with `erasedBy` filled in for erased records, read with one lookup per erased record,
    /// after checking each erased record's index columns against what its erasure entry listed.
    public func withErasures(from store: any VaultStorage) throws -> [HistoryItem] {
        let erased = filter { $0.record.salt == nil }.map(\.record.seq)
        if erased.isEmpty { return self }
        let erasures = try store.erasures(of: erased)
        var listings = ErasureListings(store: store)
        return try map { item in
            var item = item
            guard item.record.salt == nil else { return item }
            guard let by = erasures[item.record.seq] else {
                throw VaultError(.integrity, "record \(item.record.seq) is erased, but no erasure entry erased it; run regvault check")
            }
            item.erasedBy = by
            let entry = try Entry(parsing: item.entry)
            guard let listed = try listings.listing(of: item.record.seq, by: by) else {
                throw VaultError(.integrity, "record \(item.record.seq) is erased, but erasure entry \(by) does not list it; "
                    + "run regvault check")
            }
            if let why = CommittedColumns.mismatch(item.record, listed: listed, entry: entry) {
                throw VaultError(.integrity, "record \(item.record.seq): \(why); run regvault check")
            }
            return item
        }
    }
}

extension Array where Element == HistoryItem {
    /// The items, after checking that they are one entity's versions 1, 2, … n in seq order: a
    /// version whose row was moved to another entity leaves a gap, which is refused, not hidden.
    func checkedVersions() throws -> [HistoryItem] {
        for (offset, item) in enumerated() where item.record.version != Int64(offset) + 1 {
            throw VaultError(.integrity, "version \(offset + 1) of \(item.record.entityType) \(item.record.entityId) is "
                + "missing from its history (record \(item.record.seq) says version \(item.record.version)); run regvault check")
        }
        return self
    }
}

extension Array where Element == HistoryItem {
    /// The items, after checking every diff and state-after column against the committed records
    /// (`DerivedColumns`).
    func checkedDerivedColumns() throws -> [HistoryItem] {
        if let why = DerivedColumns.mismatch(in: self) {
            throw VaultError(.integrity, why + ": the database was edited; run regvault check")
        }
        return self
    }
}

/// What erasure entries listed, by the seq of each record they erased, read once per erasure entry
/// (an erasure entry's record is kept as long as the log).
struct ErasureListings {
    let store: any VaultStorage
    private var byErasure: [Int64: [Int64: JSONValue]] = [:]

    init(store: any VaultStorage) {
        self.store = store
    }

    /// What erasure entry `erasure` listed for record `seq`, or nil if it does not list it (or is
    /// not an erasure entry).
    mutating func listing(of seq: Int64, by erasure: Int64) throws -> JSONValue? {
        if byErasure[erasure] == nil {
            var listed: [Int64: JSONValue] = [:]
            if let record = try store.recordsForCheck(from: erasure, to: erasure + 1).first?.record,
               record.stream == VaultStream.erasure.rawValue, let body = record.body,
               let items = try? JSONParser.parse(Array(body))["erased"]?.arrayValue {
                for item in items {
                    if let text = item["seq"]?.numberText, let listedSeq = Int64(text) { listed[listedSeq] = item }
                }
            }
            byErasure[erasure] = listed
        }
        return byErasure[erasure]?[seq]
    }
}
