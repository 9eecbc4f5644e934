public import Foundation
import NIOCore
import PostgresNIO

/// Writes a whole vault's stored rows (from another store, through `StoredRowReading`) into this
/// PostgreSQL vault database, inside the one transaction `PostgresStore.importVault` runs: the
/// database's own rules check every row as they check a commit (entries appended at the end, each
/// in its record's row, each checkpoint covering exactly the entries below it, erasures only by an
/// erasure entry after the record and not yet under a checkpoint, so the erasures come before the
/// checkpoints, the fence), and a failure anywhere leaves the database as empty as it was.
public final class PostgresImport {
    private let connection: PostgresConnection
    private let logger: Logger
    /// Erased records inserted with a placeholder salt, to be erased again by `insert(erasures:)`.
    private var awaitingErasure: Set<Int64> = []

    fileprivate init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    public func insert(metadata: [String: String]) throws {
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            try PostgresSession.run("INSERT INTO meta (key, value) VALUES (\(key), \(value))", on: connection, logger: logger)
        }
    }

    /// The compression dictionaries, in the order given (the order they were stored in).
    public func insert(dictionaries: [StoredDictionary]) throws {
        for dictionary in dictionaries {
            try PostgresSession.run("""
                INSERT INTO dictionaries (id, stream, bytes) VALUES (\(Int64(dictionary.id)), \(dictionary.stream), \(dictionary.bytes))
                """, on: connection, logger: logger)
        }
    }

    /// The next leaves and their records, in seq order, with every column as stored. An erased
    /// record goes in with a placeholder salt, so that its erasure can be recorded as the database
    /// requires (`insert(erasures:)` erases it again).
    public func insert(leaves: [StoredLeaf], records: [StoredRecord]) throws {
        let placeheld = records.map { record -> StoredRecord in
            guard record.salt == nil else { return record }
            var placeholder = record
            placeholder.salt = Data([0])
            return placeholder
        }
        awaitingErasure.formUnion(records.filter { $0.salt == nil }.map(\.seq))
        try PostgresStore.insert(leaves, records: placeheld, on: connection, logger: logger)
    }

    /// Every checkpoint, in size order.
    public func insert(checkpoints: [CheckpointRow]) throws {
        for checkpoint in checkpoints {
            try PostgresSession.run("""
                INSERT INTO checkpoints (size, root, note, created_at)
                VALUES (\(checkpoint.size), \(checkpoint.root), \(checkpoint.note), \(checkpoint.createdAt))
                """, on: connection, logger: logger)
        }
    }

    /// Every erasure, after every leaf and record: records them, then clears the erased records'
    /// columns, as a commit does.
    /// - Throws: when the erasures are not exactly the records that came in erased.
    public func insert(erasures: [Int64: Int64]) throws {
        guard Set(erasures.keys) == awaitingErasure else {
            throw StorageError(.corrupt, "the erased records (\(awaitingErasure.count)) and the erasures (\(erasures.count)) "
                + "do not match: records \(Set(erasures.keys).symmetricDifference(awaitingErasure).sorted().prefix(5)) differ")
        }
        let ordered = erasures.sorted { ($0.value, $0.key) < ($1.value, $1.key) }
        for chunk in stride(from: 0, to: ordered.count, by: 10_000).map({ ordered[$0..<min($0 + 10_000, ordered.count)] }) {
            let seqs = chunk.map(\.key)
            try PostgresSession.run("""
                INSERT INTO erasures (seq, erased_by) SELECT * FROM unnest(\(seqs)::bigint[], \(chunk.map(\.value))::bigint[])
                """, on: connection, logger: logger)
            try PostgresSession.run("""
                UPDATE records SET body = NULL, salt = NULL, diff = NULL, state_after = NULL WHERE seq = ANY(\(seqs))
                """, on: connection, logger: logger)
        }
        awaitingErasure = []
    }

    /// Makes the outbox exactly `items` (the deliveries still to be sent, with their attempts and
    /// when they are due), no lease held. Called after every record: inserting a delivery's first
    /// entry put it in the outbox, sent or not.
    public func replaceOutbox(with items: [OutboxItem]) throws {
        try PostgresSession.run("DELETE FROM outbox", on: connection, logger: logger)
        for item in items {
            try PostgresSession.run("""
                INSERT INTO outbox (delivery_id, due_at, attempts) VALUES (\(item.deliveryId), \(item.dueAt), \(Int64(item.attempts)))
                """, on: connection, logger: logger)
        }
    }

    /// A stored object version's sealed bytes.
    public func insert(objectBytes sealed: Data, versionId: String) throws {
        try PostgresSession.run("INSERT INTO objects (version_id, bytes) VALUES (\(versionId), \(ByteBuffer(bytes: sealed)))",
                                on: connection, logger: logger)
    }

    fileprivate func finish() throws {
        guard awaitingErasure.isEmpty else {
            throw StorageError(.corrupt, "\(awaitingErasure.count) erased records came without their erasures")
        }
    }
}

extension PostgresStore {
    /// Runs `body` in one transaction on the writer's connection, fenced by the sequencer lease
    /// this store holds, to fill this empty vault database with another vault's rows; commits
    /// when `body` returns. A takeover of the lease waits until it ends (the fence's share lock).
    /// - Throws: when this store does not hold the lease, the database already holds a vault, any
    ///   row is refused, or `body` throws; then nothing is stored.
    public func importVault(_ body: (PostgresImport) throws -> Void) throws {
        guard let token = lease.withLock({ $0?.token }) else {
            throw StorageError(.fenced, "this node does not hold the sequencer lease, so it may not write to the log")
        }
        let leaseSeconds = try PostgresStore.leaseSeconds()
        try writerSession.transaction { connection in
            let logger = writerSession.logger
            try PostgresSession.run("SELECT set_config('regvault.fence', \(String(token)), true)", on: connection, logger: logger)
            let occupied = try PostgresSession.run("""
                SELECT EXISTS (SELECT 1 FROM leaves) OR EXISTS (SELECT 1 FROM records) OR EXISTS (SELECT 1 FROM checkpoints)
                       OR EXISTS (SELECT 1 FROM meta)
                       OR EXISTS (SELECT 1 FROM objects)
                """, on: connection, logger: logger).rows.first.map { try PostgresCells($0).bool(0) } ?? true
            guard !occupied else {
                throw StorageError(.occupied, "the database \(location.database) already holds a vault (or part of one); "
                    + "a vault moves only into a new database that holds the empty schema")
            }
            let importer = PostgresImport(connection: connection, logger: logger)
            try body(importer)
            try importer.finish()
            try PostgresSession.run("""
                UPDATE sequencer SET expires_at = now() + \(leaseSeconds) * interval '1 second' WHERE token = \(token)
                """, on: connection, logger: logger)
        }
        try sealer.adoptStored(try storedDictionaries())
    }
}
