import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
public import VaultFormat

/// `VaultStorage` in PostgreSQL 15 or later, for running the vault on several machines against one
/// primary. The schema (`PostgresSchema`) is installed beforehand by the database's owner; the
/// store connects as the application role, which may only insert, erase and read, and finds the
/// same append-only and erasure rules enforced by the database's triggers.
///
/// Durability: a commit returns once PostgreSQL committed it (`synchronous_commit` as the server
/// sets it; `on`, the default, means flushed on the primary, and `remote_apply` with a synchronous
/// standby means on two machines).
///
/// Writing: only the node holding the sequencer lease (`becomeSequencer`) commits to the log. Every
/// commit states the lease's token (`SET LOCAL regvault.fence`), the database's fence refuses the
/// commit of a node whose lease was taken over, and the commit also extends the lease. See
/// `commit(group:)` for what happens when the node, its connection or the database fails.
///
/// Reading: any node, any number of threads. Each read is one statement, so it sees one snapshot;
/// reads run on a small set of connections of their own (`PostgresSessionPool`: a read takes an idle
/// one) and never wait for the writer's.
public final class PostgresStore: VaultStorage, @unchecked Sendable {
    let location: PostgresLocation
    private let group: MultiThreadedEventLoopGroup
    let writerSession: PostgresSession
    private let readerPool: PostgresSessionPool
    let sealer: ColumnSealer
    /// The sequencer lease this store holds, if any (see `PostgresStore+Sequencer`).
    let lease = Locked<SequencerLease?>(nil)
    let leaseRenewal = Locked<LeaseRenewer?>(nil)
    let leaseLost = Locked<(@Sendable () -> Void)?>(nil)

    /// Settings each session sets at its start: a transaction left open by a paused or vanished
    /// node is ended by the server within seconds (so it cannot hold a takeover back), and a
    /// connection to a host that went silent is dropped within seconds. No query is compiled (JIT):
    /// the vault's queries are index seeks that take milliseconds, and compiling one that the
    /// planner costs high took 235 ms.
    static let sessionSettings: [(String, String)] = [
        ("idle_in_transaction_session_timeout", "5000"),
        ("jit", "off"),
        ("tcp_user_timeout", "10000"),
        ("application_name", "regvault"),
    ]

    /// Connects to the vault database at `location` and checks that it holds the vault's schema.
    /// - Parameter readers: connections for reads (at least 1).
    public init(location: PostgresLocation, cipher: RecordCipher?, readers: Int = 4) throws {
        self.location = location
        self.sealer = ColumnSealer(cipher: cipher)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.group = group
        var logger = Logger(label: "regvault.postgres")
        logger.logLevel = .error
        let configuration = try location.configuration(settings: PostgresStore.sessionSettings)
        writerSession = PostgresSession(configuration: configuration, eventLoop: group.next(), id: 0, logger: logger)
        readerPool = PostgresSessionPool((1...max(1, readers)).map {
            PostgresSession(configuration: configuration, eventLoop: group.next(), id: $0, logger: logger)
        })
        do {
            // One round trip: whether the vault's tables are there, and whether the schema is current.
            let schema = try rows("""
                SELECT to_regclass('public.leaves') IS NOT NULL AND to_regclass('public.sequencer') IS NOT NULL
                       AND to_regclass('public.objects') IS NOT NULL,
                       EXISTS (SELECT 1 FROM information_schema.columns
                               WHERE table_schema = 'public' AND table_name = 'sequencer' AND column_name = 'url'),
                       \(unescaped: PostgresSchema.isCurrent),
                       to_regprocedure('public.regvault_schema_release()') IS NOT NULL
                """).first
            guard try schema?.bool(0) == true else {
                throw StorageError(.configuration, "the database \(location.database) at \(location.host):\(location.port) has no vault "
                    + "schema; as the database's owner, install it once: regvault postgres schema --role \(location.username) | psql")
            }
            let stated = try schema?.bool(3) == true ? try rows("SELECT public.regvault_schema_release()::bigint").first?.int64(0) : nil
            if let stated, stated > PostgresSchema.release {
                throw StorageError(.configuration, "the vault schema in \(location.database) at \(location.host):\(location.port) "
                    + "was made or upgraded by a later release of RegVault (schema release \(stated), this one knows "
                    + "\(PostgresSchema.release)), which stores what this release cannot read; run that release or a later one")
            }
            guard try schema?.bool(1) == true else {
                throw StorageError(.configuration, "the vault schema in \(location.database) at \(location.host):\(location.port) "
                    + "predates the sequencer's published address; as the database's owner, run once: ALTER TABLE sequencer ADD COLUMN url text "
                    + "(or regvault postgres upgrade, which brings any earlier schema up to date)")
            }
            guard try schema?.bool(2) == true, stated == Int64(PostgresSchema.release) else {
                throw StorageError(.configuration, "the vault schema in \(location.database) at \(location.host):\(location.port) "
                    + "is older than this release's (schema release \(stated.map(String.init) ?? "0"), this one's "
                    + "\(PostgresSchema.release)); with every node stopped, as the database's owner, run once: "
                    + "regvault postgres upgrade | psql --single-transaction -v ON_ERROR_STOP=1 \"$OWNER_URL\"")
            }
            try sealer.adoptStored(try storedDictionaries())
        } catch {
            shutdown()
            throw error
        }
    }

    deinit {
        shutdown()
    }

    /// Gives up the sequencer lease (if held), closes every connection and stops the event loop.
    public func shutdown() {
        resignSequencer()
        writerSession.close()
        for session in readerPool.sessions { session.close() }
        try? group.syncShutdownGracefully()
    }

    /// Runs `body` on a reader connection no other read is using.
    func read<T>(_ body: (PostgresConnection, Logger) throws -> T) throws -> T {
        try readerPool.withSession { session in try session.withConnection { try body($0, session.logger) } }
    }

    /// The rows of one read statement.
    func rows(_ query: PostgresQuery) throws -> [PostgresCells] {
        try read { connection, logger in try PostgresSession.run(query, on: connection, logger: logger).rows.map(PostgresCells.init) }
    }

    // MARK: dictionaries

    func storedDictionaries() throws -> [StoredDictionary] {
        try rows("SELECT id, stream, bytes FROM dictionaries ORDER BY number").map {
            StoredDictionary(id: UInt32(truncatingIfNeeded: try $0.int64(0)), stream: try $0.string(1), bytes: try $0.data(2))
        }
    }

    /// Learns dictionaries another node trained since this store was opened.
    func loadNewDictionaries() throws {
        try sealer.adoptStored(try storedDictionaries())
    }

    func opened(_ record: StoredRecord) throws -> StoredRecord {
        try sealer.opened(record, loadMissing: loadNewDictionaries)
    }

    func opened(_ stored: Data, seq: Int64, column: RecordCipher.Column) throws -> Data {
        try sealer.opened(stored, seq: seq, column: column, loadMissing: loadNewDictionaries)
    }

    // MARK: reads of the log

    public func treeSize() throws -> Int64 {
        try rows("SELECT \(unescaped: PostgresStore.entryCount)").first?.int64(0) ?? 0
    }

    /// The SQL of the number of entries in the log, its last seq plus one, wherever the entries
    /// are stored (`PostgresSchema.entriesInRecords`: every entry has a record).
    static let entryCount = """
        COALESCE(GREATEST((SELECT MAX(seq) FROM leaves), (SELECT MAX(seq) FROM records)) + 1, 0)
        """

    /// The SQL of the log entries with `seqs` (a condition on `seq`), from the records that carry
    /// them (whole again: `PostgresSchema.wholeEntries`) and from `leaves`, where earlier
    /// databases keep theirs: columns seq, entry, hashes.
    static func entries(_ seqs: String) -> String {
        """
        SELECT seq, regvault_whole_entry(entry, seq, recorded_at), hashes FROM records WHERE \(seqs) AND entry IS NOT NULL
        UNION ALL SELECT seq, entry, hashes FROM leaves WHERE \(seqs)
        """
    }

    /// Records as `r`, each joined to its entry wherever it is stored (`recordEntry`): in its own
    /// row, or for a database made before records carried their entries, in `leaves` as `l`.
    static let recordsWithEntries = "records r LEFT JOIN leaves l ON r.entry IS NULL AND l.seq = r.seq"

    /// The entry of record `r` in `recordsWithEntries`.
    static let recordEntry = "COALESCE(regvault_whole_entry(r.entry, r.seq, r.recorded_at), l.entry)"

    /// The condition on `seq` for `entries` that reads the seqs bound once, as an array, in a
    /// query that starts `WITH wanted AS (SELECT <array> AS seqs)`.
    static let wantedSeqs = "seq = ANY((SELECT seqs FROM wanted)::bigint[])"

    public func metadata(_ key: String) throws -> String? {
        try rows("SELECT value FROM meta WHERE key = \(key)").first?.string(0)
    }

    public func setMetadata(_ key: String, _ value: String) throws {
        try writerSession.withConnection { connection in
            try PostgresSession.run("INSERT INTO meta (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                    on: connection, logger: writerSession.logger)
        }
    }

    public func latestCheckpoint() throws -> String? {
        try rows("SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1").first?.string(0)
    }

    public func latestCheckpointInfo() throws -> (size: Int64, createdAt: Int64)? {
        try rows("SELECT size, created_at FROM checkpoints ORDER BY size DESC LIMIT 1").first.map { (try $0.int64(0), try $0.int64(1)) }
    }

    public func checkpointSignedAt(size: Int64) throws -> Int64? {
        try rows("SELECT created_at FROM checkpoints WHERE size = \(size)").first?.int64(0)
    }

    public func latestCheckpointSize() throws -> Int64 {
        try rows("SELECT COALESCE(MAX(size), 0) FROM checkpoints").first?.int64(0) ?? 0
    }

    public func checkpoint(size: Int64) throws -> String? {
        try rows("SELECT note FROM checkpoints WHERE size = \(size)").first?.string(0)
    }

    public func allCheckpoints() throws -> [StoredCheckpoint] {
        try rows("SELECT size, root, note FROM checkpoints ORDER BY size").map {
            StoredCheckpoint(size: try $0.int64(0), root: Hash(bytes: try $0.data(1)), note: try $0.string(2))
        }
    }

    public func latestCheckpointRoot() throws -> Hash? {
        try rows("SELECT root FROM checkpoints ORDER BY size DESC LIMIT 1").first.flatMap { Hash(bytes: try $0.data(0)) }
    }

    public func leaf(seq: Int64) throws -> StoredLeaf? {
        try leaves(from: seq, to: seq + 1).first
    }

    public func leaves(from: Int64, to: Int64) throws -> [StoredLeaf] {
        try rows("\(unescaped: PostgresStore.entries("seq >= \(from) AND seq < \(to)")) ORDER BY seq").map(PostgresStore.leaf)
    }

    public func leaves(seqs: [Int64]) throws -> [Int64: StoredLeaf] {
        if seqs.isEmpty { return [:] }
        return try Dictionary(rows("""
            WITH wanted AS (SELECT \(seqs)::bigint[] AS seqs) \(unescaped: PostgresStore.entries(PostgresStore.wantedSeqs))
            """).map(PostgresStore.leaf).map { ($0.seq, $0) },
                              uniquingKeysWith: { first, _ in first })
    }

    /// Reads stored hashes with one query over the leaves that stored them, or whose entries
    /// recompute them (`KeptHashReading`).
    public func readHashes(_ indexes: [Int64]) throws -> [Hash] {
        if indexes.isEmpty { return [] }
        let seqs = KeptHashReading.rows(for: indexes)
        var kept: [Int64: [Hash]] = [:]
        for row in try rows("""
            WITH wanted AS (SELECT \(seqs)::bigint[] AS seqs) \(unescaped: PostgresStore.entries(PostgresStore.wantedSeqs))
            """) {
            let leaf = try PostgresStore.leaf(row)
            kept[leaf.seq] = leaf.hashes
        }
        return try KeptHashReading.hashes(indexes, from: kept)
    }

    static func leaf(_ row: PostgresCells) throws -> StoredLeaf {
        let seq = try row.int64(0)
        let entry = try row.data(1)
        return StoredLeaf(seq: seq, entry: entry, hashes: try SQLiteStore.unpack(try row.data(2), seq: seq, entry: entry))
    }
}
