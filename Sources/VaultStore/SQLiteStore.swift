import Foundation
import GRDB
import GRDBSQLite
public import VaultFormat

/// The embedded default `VaultStorage`: one SQLite database in WAL mode with `synchronous=FULL`,
/// so a commit that returned is on disk. Reads run on separate connections of a pool and never
/// block the writer. See `VaultStorage` for the contract. This file holds the log (`LogStorage`)
/// and the sealing of record columns; each other concern is in an extension of its own
/// (`SQLiteStore+Records`, `+Retention`, `+Integrity`, `+Outbox`, `+LeafHashes`).
public final class SQLiteStore: VaultStorage {
    let pool: DatabasePool
    /// The database file's path.
    let path: String
    /// Compresses and seals record bodies, diffs and states before they are written, and opens them
    /// when read.
    private let sealer: ColumnSealer

    /// The pragmas every connection gets. The page cache is 256 MiB per connection (see
    /// `pageCacheMiB`) so that the random-key indexes (event id, entity) of a multi-million-record
    /// log stay in memory while ingesting; the benchmark's bare-SQLite baseline uses the same
    /// pragmas. Recursive triggers make the deletes that `INSERT OR REPLACE` performs fire the
    /// delete-refusing triggers. Secure delete overwrites the space freed by an erasure with zeros.
    public static let connectionPragmas = """
        PRAGMA synchronous = FULL;
        PRAGMA secure_delete = ON;
        PRAGMA recursive_triggers = ON;
        PRAGMA cache_size = -262144;
        PRAGMA temp_store = MEMORY;
        """

    /// The environment variable that sets each connection's page cache, in MiB.
    public static let pageCacheVariable = "REGVAULT_SQLITE_CACHE_MIB"

    /// Each connection's page cache in MiB: 256, or `REGVAULT_SQLITE_CACHE_MIB` (1 to 65536), for a
    /// machine with less memory to spare, or a soak that needs the caches full within minutes.
    /// A value that is not such a number is refused, not ignored.
    public static func pageCacheMiB(environment: [String: String]? = nil) throws -> Int {
        guard let text = (environment ?? ProcessInfo.processInfo.environment)[pageCacheVariable] else { return 256 }
        guard let mib = Int(text), String(mib) == text, (1...65536).contains(mib) else {
            throw StorageError(.configuration, "\(pageCacheVariable) must be a number of MiB from 1 to 65536, not '\(text)'")
        }
        return mib
    }

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    /// - Parameter cipher: encrypts the erasable parts of records at rest.
    /// - Throws: `StorageError.configuration` for a database a later release has migrated, whose
    ///   rows this release may misread (as damage) and whose rules it may not know.
    public init(path: String, cipher: RecordCipher?) throws {
        self.sealer = ColumnSealer(cipher: cipher)
        self.path = path
        let cacheKiB = try SQLiteStore.pageCacheMiB() * 1024
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: SQLiteStore.connectionPragmas)
            if cacheKiB != 256 * 1024 { try db.execute(sql: "PRAGMA cache_size = -\(cacheKiB)") }
        }
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        let migrator = SQLiteSchema.migrator()
        if try pool.read(migrator.hasBeenSuperseded) {
            throw StorageError(.configuration, "\(path) was made or upgraded by a later release of RegVault, which stores "
                + "what this release cannot read; run that release or a later one")
        }
        try migrator.migrate(pool)
        try sealer.adoptStored(try storedDictionaries(in: pool))
    }

    // MARK: writes

    public func commit(_ batch: LogBatch) throws {
        try commit(group: [batch])
    }

    public func commit(group batches: [LogBatch]) throws {
        let trained = sealer.dictionariesToStore(learningFrom: batches)
        try pool.write { db in
            for batch in batches { try SQLiteStore.commit(batch, in: db, sealing: sealer.sealed) }
            for dictionary in trained {
                try db.execute(sql: "INSERT INTO dictionaries (id, stream, bytes) VALUES (?, ?, ?)",
                               arguments: [Int64(dictionary.stored.id), dictionary.stored.stream, dictionary.stored.bytes])
            }
        }
        // Used only once durable: a frame compressed with a dictionary the store lost would be unreadable.
        sealer.adopt(trained)
    }

    /// Every compression dictionary, oldest first.
    func storedDictionaries() throws -> [StoredDictionary] {
        try storedDictionaries(in: pool)
    }

    private func storedDictionaries(in reader: some DatabaseReader) throws -> [StoredDictionary] {
        try reader.read { db in
            try Row.fetchAll(db, sql: "SELECT id, stream, bytes FROM dictionaries ORDER BY number").map {
                StoredDictionary(id: UInt32(truncatingIfNeeded: $0[0] as Int64), stream: $0[1], bytes: $0[2])
            }
        }
    }

    /// Learns the dictionaries stored since this store was opened (another process, such as the
    /// server beside a command-line reader, trained them). Reads on a connection of its own, as it
    /// runs inside reads of the pool.
    private func loadNewDictionaries() throws {
        var configuration = Configuration()
        configuration.readonly = true
        let reader = try DatabaseQueue(path: path, configuration: configuration)
        try sealer.adoptStored(try storedDictionaries(in: reader))
    }

    /// One batch's rows, inside the caller's write transaction.
    private static func commit(_ batch: LogBatch, in db: Database, sealing sealed: (StoredRecord) throws -> StoredRecord) throws {
        // Compare-and-swap on the signed tree head: the batch must extend exactly the tree of the
        // latest stored checkpoint, same size and same root, and no leaf may lie beyond it.
        let head = try Row.fetchOne(db, sql: "SELECT size, root FROM checkpoints ORDER BY size DESC LIMIT 1")
        let storedHead = head.map { (size: $0[0] as Int64, root: Hash(bytes: $0[1] as Data)) }
        let leafCount = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq) + 1, 0) FROM leaves") ?? 0
        switch (batch.previous, storedHead) {
        case (nil, nil) where leafCount == 0:
            break
        case let (previous?, stored?) where previous.size == stored.size && previous.root == stored.root
            && leafCount == stored.size:
            break
        default:
            throw StorageError(.treeSizeMismatch, "batch extends the tree of size \(batch.startSize), which is not the "
                + "latest stored checkpoint (size \(storedHead?.size ?? 0), \(leafCount) leaves)")
        }
        let insertLeaf = RawStatement(try db.cachedStatement(sql: "INSERT INTO leaves (seq, entry, hashes) VALUES (?, ?, ?)"))
        for leaf in batch.leaves {
            insertLeaf.bind(1, leaf.seq)
            insertLeaf.bind(2, leaf.entry)
            insertLeaf.bind(3, SQLiteStore.pack(leaf))
            try insertLeaf.run(db)
        }
        let insertRecord = RawStatement(try db.cachedStatement(sql: SQLiteStore.insertRecordSQL))
        for record in batch.records {
            SQLiteStore.bind(try sealed(record), to: insertRecord)
            try insertRecord.run(db)
        }
        // Prepared once per transaction: the triggers make these statements costly to compile.
        let erase = try db.cachedStatement(sql: "UPDATE records SET body = NULL, salt = NULL, diff = NULL, state_after = NULL "
            + "WHERE seq = ? AND salt IS NOT NULL")
        let recordErasure = try db.cachedStatement(sql: "INSERT INTO erasures (seq, erased_by) VALUES (?, ?)")
        for erasure in batch.erasures {
            guard erasure.erasedBy >= batch.startSize, erasure.erasedBy < batch.endSize else {
                throw StorageError(.corrupt, "record \(erasure.seq) would be erased by \(erasure.erasedBy), not an entry of this batch")
            }
            // The erasures row first: the schema's triggers allow nulling a record only when it has one.
            try recordErasure.execute(arguments: [erasure.seq, erasure.erasedBy])
            try erase.execute(arguments: [erasure.seq])
            guard db.changesCount == 1 else {
                throw StorageError(.notFound, "record \(erasure.seq) does not exist or is already erased")
            }
        }
        try db.execute(sql: "INSERT INTO checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)",
                       arguments: [batch.endSize, batch.rootHash.data, batch.checkpointNote, batch.checkpointTime])
    }

    /// One process writes a SQLite vault: the writer lock file decides which.
    public func becomeSequencer(holder: String) throws {}

    public func resignSequencer() {}

    public var sequencerToken: Int64? { nil }

    public func advertiseSequencer(url: String) throws {}

    public func sequencerURL() throws -> String? { nil }

    public func setMetadata(_ key: String, _ value: String) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           arguments: [key, value])
        }
    }

    // MARK: reads

    public func treeSize() throws -> Int64 {
        try pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq) + 1, 0) FROM leaves") ?? 0
        }
    }

    public func metadata(_ key: String) throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
        }
    }

    public func latestCheckpoint() throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1")
        }
    }

    public func checkpointSignedAt(size: Int64) throws -> Int64? {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT created_at FROM checkpoints WHERE size = ?", arguments: [size]) }
    }

    public func latestCheckpointInfo() throws -> (size: Int64, createdAt: Int64)? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT size, created_at FROM checkpoints ORDER BY size DESC LIMIT 1")
                .map { (size: $0[0] as Int64, createdAt: $0[1] as Int64) }
        }
    }

    public func latestCheckpointSize() throws -> Int64 {
        try pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(size), 0) FROM checkpoints") ?? 0
        }
    }

    public func checkpoint(size: Int64) throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT note FROM checkpoints WHERE size = ?", arguments: [size])
        }
    }

    public func leaf(seq: Int64) throws -> StoredLeaf? {
        guard seq >= 0, seq < Int64.max else { return nil }
        return try leaves(from: seq, to: seq + 1).first
    }

    public func leaves(from: Int64, to: Int64) throws -> [StoredLeaf] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, entry, hashes FROM leaves WHERE seq >= ? AND seq < ? ORDER BY seq",
                             arguments: [from, to]).map { row in
                StoredLeaf(seq: row[0], entry: row[1], hashes: try SQLiteStore.unpack(row[2], seq: row[0], entry: row[1]))
            }
        }
    }

    public func leaves(seqs: [Int64]) throws -> [Int64: StoredLeaf] {
        if seqs.isEmpty { return [:] }
        return try pool.read { db in
            var found: [Int64: StoredLeaf] = [:]
            for start in stride(from: 0, to: seqs.count, by: 500) {
                let chunk = Array(seqs[start..<min(start + 500, seqs.count)])
                let placeholders = chunk.map { _ in "?" }.joined(separator: ",")
                for row in try Row.fetchAll(db, sql: "SELECT seq, entry, hashes FROM leaves WHERE seq IN (\(placeholders))",
                                            arguments: StatementArguments(chunk)) {
                    let seq: Int64 = row[0]
                    found[seq] = StoredLeaf(seq: seq, entry: row[1], hashes: try SQLiteStore.unpack(row[2], seq: seq, entry: row[1]))
                }
            }
            return found
        }
    }

    /// Reads stored hashes with one query over the leaves that stored them, or whose entries
    /// recompute them (`KeptHashReading`).
    public func readHashes(_ indexes: [Int64]) throws -> [Hash] {
        if indexes.isEmpty { return [] }
        return try KeptHashReading.hashes(indexes, from: try keptHashes(KeptHashReading.rows(for: indexes)))
    }

    /// Each leaf's `StoredLeaf.hashes`, for the leaves in `seqs` (sorted). Many leaves (the proofs
    /// of a long audit trail) are read as two halves on two read connections at once: the seeks
    /// are the cost, and a trail's latency is what an inspector waits for.
    private func keptHashes(_ seqs: [Int64]) throws -> [Int64: [Hash]] {
        @Sendable func read(_ part: ArraySlice<Int64>) throws -> [Int64: [Hash]] {
            try pool.read { db in
                // One prepared statement, one index seek per run of consecutive leaves (a proof's
                // lowest levels are recomputed from the leaves beside its own), one read transaction.
                let lookup = RawStatement(try db.cachedStatement(sql: "SELECT seq, hashes, entry FROM leaves WHERE seq >= ? AND seq < ?"))
                var found: [Int64: [Hash]] = [:]
                found.reserveCapacity(part.count)
                for run in Self.consecutiveRuns(part) {
                    lookup.bind(1, run.lowerBound)
                    lookup.bind(2, run.upperBound)
                    while try lookup.next(db) {
                        let seq = lookup.int64(0)
                        found[seq] = try SQLiteStore.unpack(lookup.data(1) ?? Data(), seq: seq, entry: lookup.data(2) ?? Data())
                    }
                }
                return found
            }
        }
        guard seqs.count >= 256 else { return try read(seqs[...]) }
        let halves = [seqs[..<(seqs.count / 2)], seqs[(seqs.count / 2)...]]
        let results = Locked<[Result<[Int64: [Hash]], any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            let result = Result { try read(halves[half]) }
            results.withLock { $0.append(result) }
        }
        return try results.withLock { $0 }.reduce(into: [:]) { found, result in
            found.merge(try result.get()) { first, _ in first }
        }
    }

    /// `seqs` (sorted, distinct) as runs of consecutive seqs.
    static func consecutiveRuns(_ seqs: ArraySlice<Int64>) -> [Range<Int64>] {
        var runs: [Range<Int64>] = []
        for seq in seqs {
            if let last = runs.last, last.upperBound == seq {
                runs[runs.count - 1] = last.lowerBound..<(seq + 1)
            } else {
                runs.append(seq..<(seq + 1))
            }
        }
        return runs
    }

    public func allCheckpoints() throws -> [StoredCheckpoint] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT size, root, note FROM checkpoints ORDER BY size")
                .map { StoredCheckpoint(size: $0[0], root: Hash(bytes: $0[1] as Data), note: $0[2]) }
        }
    }

    public func latestCheckpointRoot() throws -> Hash? {
        try pool.read { db in
            try Data.fetchOne(db, sql: "SELECT root FROM checkpoints ORDER BY size DESC LIMIT 1").flatMap { Hash(bytes: $0) }
        }
    }

    // MARK: sealing

    /// The record as committed: each erasable column opened, then decompressed.
    func opened(_ record: StoredRecord) throws -> StoredRecord {
        try sealer.opened(record, loadMissing: loadNewDictionaries)
    }

    func opened(_ stored: Data, seq: Int64, column: RecordCipher.Column) throws -> Data {
        try sealer.opened(stored, seq: seq, column: column, loadMissing: loadNewDictionaries)
    }

    /// Bytes SQLite holds in this process right now (page caches, statements, schemas), as
    /// `sqlite3_memory_used` reports: what resident memory owes to the database rather than to the
    /// vault's own code.
    public static var memoryUsed: Int64 { sqlite3_memory_used() }
}
