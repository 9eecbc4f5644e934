import Foundation
import VaultFormat
import VaultStore

/// What `Vault.checkIntegrity` found: every problem, each naming where it is, rather than the
/// first one only.
public struct IntegrityReport: Sendable {
    public struct Problem: Sendable, Equatable {
        /// Where: `entry 17`, `record 17`, `checkpoint 4096`, `log`.
        public let location: String
        public let reason: String
    }

    public var entries: Int64 = 0
    public var records: Int64 = 0
    public var erased: Int64 = 0
    public var checkpoints = 0
    public var problems: [Problem] = []

    public var isIntact: Bool { problems.isEmpty }

    /// `{"intact","entries","records","erased","checkpoints","problems":[{"location","reason"}]}`.
    public var json: JSONValue {
        .object([
            "intact": .bool(isIntact), "entries": .int(entries), "records": .int(records), "erased": .int(erased),
            "checkpoints": .int(Int64(checkpoints)),
            "problems": .array(problems.map { .object(["location": .string($0.location), "reason": .string($0.reason)]) }),
        ])
    }

    mutating func problem(_ location: String, _ reason: String) {
        // A tampered file can produce millions of problems; the first thousand say enough.
        if problems.count < 1000 { problems.append(Problem(location: location, reason: reason)) }
    }
}

extension Vault {
    /// Reads the whole vault and checks everything the log promises, without trusting any stored
    /// hash:
    /// - the entries are contiguous from 0, each parses, carries its own seq and hashes to its stored
    ///   leaf hash; the tree recomputed from the entries reproduces every stored tree hash, and the
    ///   root of every stored checkpoint, whose signatures verify with the log key;
    /// - every stored checkpoint's root column equals the root its note signs;
    /// - every entry has its record; every record that is not erased matches its entry's commitment
    ///   (and decrypts); every erased record is listed by the erasure entry that erased it;
    /// - every index column of every record agrees with its committed bytes and entry, or for an
    ///   erased record with what its erasure entry listed (`CommittedColumns`), and each entity's
    ///   versions run 1, 2, … in seq order;
    /// - the database's protective triggers are all in place, unaltered.
    /// `progress` gets the number of entries checked so far.
    public func checkIntegrity(pageSize: Int64 = 10_000, progress: ((Int64) -> Void)? = nil) throws -> IntegrityReport {
        var report = IntegrityReport()
        // The log's extent from one snapshot; checkpoints and entries a server commits while the
        // check runs lie beyond it and are left for the next check (history is append-only, so
        // everything up to it stays as read).
        let counts = try store.logCounts()
        let checkpoints = try store.allCheckpoints().filter { $0.size <= counts.latestCheckpointSize }
        report.checkpoints = checkpoints.count
        var checkpointRoots: [Int64: Hash] = [:]
        for problem in try store.protectionProblems() {
            report.problem("database", problem + ": the database no longer refuses changes to history "
                + "(regvault check --restore-protections puts it back once nothing else is wrong)")
        }
        for stored in checkpoints {
            let size = stored.size
            do {
                let signed = try SignedCheckpoint(verifying: Array(stored.note.utf8), verifierKeys: [verifierKey])
                guard Int64(signed.checkpoint.size) == size else {
                    report.problem("checkpoint \(size)", "the note signs size \(signed.checkpoint.size)")
                    continue
                }
                if stored.root != signed.checkpoint.rootHash {
                    report.problem("checkpoint \(size)", "its stored root column differs from the root its note signs")
                }
                checkpointRoots[size] = signed.checkpoint.rootHash
            } catch {
                report.problem("checkpoint \(size)", "its signature does not verify with the log key: \(error)")
            }
        }
        if checkpointRoots[0] != nil, checkpointRoots[0] != MerkleHashing.emptyTreeHash {
            report.problem("checkpoint 0", "does not sign the empty tree's root")
        }
        let signedSize = counts.latestCheckpointSize
        let storedSize = counts.treeSize
        if storedSize != signedSize {
            report.problem("log", "\(storedSize) entries are stored but the latest checkpoint signs \(signedSize)")
        }

        var range = CompactRange()
        var listings = ErasureListings(store: store)
        var lastVersions: [String: Int64] = [:]
        var start: Int64 = 0
        while start < storedSize {
            let end = min(start + pageSize, storedSize)
            let leaves = try store.leavesForCheck(from: start, to: end)
            let records = Dictionary(try store.recordsForCheck(from: start, to: end).map { ($0.record.seq, $0) },
                                     uniquingKeysWith: { first, _ in first })
            let erasedRecords = records.values.filter { $0.record.salt == nil }.map(\.record.seq)
            let erasures = try store.erasures(of: erasedRecords)
            var expected = start
            for (leaf, malformed) in leaves {
                while expected < leaf.seq {
                    report.problem("entry \(expected)", "is missing from the log")
                    range.appendMissing()
                    expected += 1
                }
                expected = leaf.seq + 1
                report.entries += 1
                let leafHash = MerkleHashing.leafHash(leaf.entry)
                let recomputed = StoredLeaf.kept(range.append(leafHash: leafHash))
                if let malformed {
                    report.problem("entry \(leaf.seq)", "its stored tree hashes are malformed: \(malformed)")
                } else if recomputed != leaf.hashes {
                    report.problem("entry \(leaf.seq)", leaf.hashes.first == leafHash
                        ? "its stored tree hashes differ from those recomputed from the entries"
                        : "its bytes do not hash to its stored leaf hash: the entry was altered")
                }
                if let root = checkpointRoots[range.size], root != range.rootHash {
                    report.problem("checkpoint \(range.size)", "its root differs from the root recomputed from the entries")
                }
                let entry: Entry
                do {
                    entry = try Entry(parsing: leaf.entry)
                } catch {
                    report.problem("entry \(leaf.seq)", "is not a valid entry: \(error)")
                    continue
                }
                if entry.seq != UInt64(leaf.seq) { report.problem("entry \(leaf.seq)", "carries seq \(entry.seq)") }
                guard let (record, unreadable) = records[leaf.seq] else {
                    report.problem("record \(leaf.seq)", "is missing")
                    continue
                }
                report.records += 1
                if let unreadable {
                    report.problem("record \(leaf.seq)", "cannot be read: \(unreadable)")
                    continue
                }
                let entityKey = record.entityType + "\u{0}" + record.entityId
                let expectedVersion = (lastVersions[entityKey] ?? 0) + 1
                if record.version != expectedVersion {
                    report.problem("record \(leaf.seq)", "its version column says \(record.version) where "
                        + "\(record.entityType) \(record.entityId) is at version \(expectedVersion): the database was edited")
                }
                lastVersions[entityKey] = record.version
                if let body = record.body, let salt = record.salt {
                    if Entry.commitment(salt: salt, record: body) != entry.commitment {
                        report.problem("record \(leaf.seq)", "does not match its entry's commitment: the record was altered")
                    } else if let why = CommittedColumns.mismatch(record, body: body, entry: entry) {
                        report.problem("record \(leaf.seq)", why)
                    }
                } else {
                    report.erased += 1
                    guard let by = erasures[leaf.seq] else {
                        report.problem("record \(leaf.seq)", "is erased, but no erasure entry erased it")
                        continue
                    }
                    guard let listed = try listings.listing(of: leaf.seq, by: by) else {
                        report.problem("record \(leaf.seq)", "is erased, but erasure entry \(by) does not list it")
                        continue
                    }
                    if let why = CommittedColumns.mismatch(record, listed: listed, entry: entry) {
                        report.problem("record \(leaf.seq)", why)
                    }
                }
            }
            while expected < end {
                report.problem("entry \(expected)", "is missing from the log")
                range.appendMissing()
                expected += 1
            }
            start = end
            progress?(start)
        }
        return report
    }
}

extension CompactRange {
    /// Stands in for a missing entry so the check can go on (with a zero leaf hash: every root after
    /// it then differs, which the check reports once per checkpoint).
    mutating func appendMissing() {
        _ = append(leafHash: Hash(bytes: [UInt8](repeating: 0, count: 32))!)
    }
}
