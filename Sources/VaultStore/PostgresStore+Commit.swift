import Foundation
import NIOCore
import PostgresNIO
import VaultFormat

/// The commit of batches to the log in PostgreSQL.
extension PostgresStore {
    public func commit(_ batch: LogBatch) throws {
        try commit(group: [batch])
    }

    /// Commits `batches` in one transaction on the writer's connection.
    ///
    /// What can go wrong, and what then holds:
    /// - This node lost the lease (another node took it over while this one was paused, cut off or
    ///   slow): the fence trigger refuses the first insert, the transaction rolls back, nothing of
    ///   the batches is stored, and `StorageError.fenced` says so. The new sequencer's commits
    ///   cannot interleave with this one's: its takeover waits for the share lock this commit's
    ///   fence check holds on the lease row.
    /// - The batches do not extend the latest stored checkpoint (another writer's commit landed
    ///   first): the compare-and-swap refuses them (`treeSizeMismatch`) before any insert.
    /// - The connection drops or the database fails before COMMIT: PostgreSQL rolls the
    ///   transaction back and the call throws; nothing was stored.
    /// - The connection drops after COMMIT was sent but before its answer arrived: the call throws
    ///   although the batches may be durable. The writer must then read the tree head again before
    ///   it writes more (the next commit's compare-and-swap refuses a stale head in any case), and a
    ///   client that resends is answered from the idempotency index (the event id is unique).
    /// - The server crashes after answering COMMIT: the commit is in its write-ahead log and
    ///   survives (with `synchronous_commit = on`).
    public func commit(group batches: [LogBatch]) throws {
        guard let token = lease.withLock({ $0?.token }) else {
            throw StorageError(.fenced, "this node does not hold the sequencer lease, so it may not write to the log")
        }
        let leaseSeconds = try PostgresStore.leaseSeconds()
        let trained = sealer.dictionariesToStore(learningFrom: batches)
        let sealedRecords = try batches.map { try $0.records.map(sealer.sealed) }
        do {
            try commit(batches, sealedRecords: sealedRecords, dictionaries: trained, token: token, leaseSeconds: leaseSeconds)
        } catch let error as StorageError where error.code == .fenced {
            leaseWasLost(token: token)
            throw error
        }
        sealer.adopt(trained)
    }

    private func commit(_ batches: [LogBatch], sealedRecords: [[StoredRecord]], dictionaries trained: [PreparedDictionary],
                        token: Int64, leaseSeconds: Int64) throws {
        try writerSession.transaction { connection in
            let logger = writerSession.logger
            try PostgresSession.run("SELECT set_config('regvault.fence', \(String(token)), true)", on: connection, logger: logger)
            for (batch, records) in zip(batches, sealedRecords) {
                try PostgresStore.commit(batch, records: records, on: connection, logger: logger)
            }
            for dictionary in trained {
                try PostgresSession.run("""
                    INSERT INTO dictionaries (id, stream, bytes)
                    VALUES (\(Int64(dictionary.stored.id)), \(dictionary.stored.stream), \(dictionary.stored.bytes))
                    """, on: connection, logger: logger)
            }
            // The commit extends the lease it was fenced by.
            try PostgresSession.run("""
                UPDATE sequencer SET expires_at = now() + \(leaseSeconds) * interval '1 second' WHERE token = \(token)
                """, on: connection, logger: logger)
        }
    }

    /// One batch's rows, inside the caller's transaction.
    private static func commit(_ batch: LogBatch, records: [StoredRecord], on connection: PostgresConnection, logger: Logger) throws {
        // Compare-and-swap on the signed tree head, as in SQLite: the batch must extend exactly the
        // tree of the latest stored checkpoint, and no leaf may lie beyond it.
        let head = try PostgresSession.run("""
            SELECT (SELECT size FROM checkpoints ORDER BY size DESC LIMIT 1),
                   (SELECT root FROM checkpoints ORDER BY size DESC LIMIT 1),
                   \(unescaped: PostgresStore.entryCount)
            """, on: connection, logger: logger).rows.first.map(PostgresCells.init)
        let storedSize = try head?.optionalInt64(0)
        let storedRoot = try head?.optionalData(1).flatMap { Hash(bytes: $0) }
        let leafCount = try head?.int64(2) ?? 0
        switch (batch.previous, storedSize) {
        case (nil, nil) where leafCount == 0:
            break
        case let (previous?, size?) where previous.size == size && previous.root == storedRoot && leafCount == size:
            break
        default:
            throw StorageError(.treeSizeMismatch, "batch extends the tree of size \(batch.startSize), which is not the "
                + "latest stored checkpoint (size \(storedSize ?? 0), \(leafCount) leaves)")
        }
        try insert(batch.leaves, records: records, on: connection, logger: logger)
        for erasure in batch.erasures {
            guard erasure.erasedBy >= batch.startSize, erasure.erasedBy < batch.endSize else {
                throw StorageError(.corrupt, "record \(erasure.seq) would be erased by \(erasure.erasedBy), not an entry of this batch")
            }
            // The erasures row first: the schema's triggers allow nulling a record only when it has one.
            try PostgresSession.run("INSERT INTO erasures (seq, erased_by) VALUES (\(erasure.seq), \(erasure.erasedBy))",
                                    on: connection, logger: logger)
            let erased = try PostgresSession.run("""
                UPDATE records SET body = NULL, salt = NULL, diff = NULL, state_after = NULL WHERE seq = \(erasure.seq) AND salt IS NOT NULL
                """, on: connection, logger: logger)
            guard erased.metadata.rows == 1 else {
                throw StorageError(.notFound, "record \(erasure.seq) does not exist or is already erased")
            }
        }
        try PostgresSession.run("""
            INSERT INTO checkpoints (size, root, note, created_at)
            VALUES (\(batch.endSize), \(batch.rootHash.data), \(batch.checkpointNote), \(batch.checkpointTime))
            """, on: connection, logger: logger)
    }

    /// Inserts log entries with their records, with one statement: each record's row carries its
    /// entry (`PostgresSchema.entriesInRecords`). Both come in seq order, entry i with record i, as
    /// a batch and the rows read for an import hold them.
    /// - Throws: `StorageError.corrupt` when their seqs differ (the vault stores every entry with a
    ///   record, and the database takes no entry without one).
    static func insert(_ leaves: [StoredLeaf], records: [StoredRecord], on connection: PostgresConnection, logger: Logger) throws {
        guard leaves.map(\.seq) == records.map(\.seq) else {
            let unmatched = Set(leaves.map(\.seq)).symmetricDifference(records.map(\.seq)).sorted().prefix(5)
            throw StorageError(.corrupt, "log entries and records come in pairs, in seq order, but \(leaves.count) entries and "
                + "\(records.count) records do not pair up (seqs with one and not the other: \(Array(unmatched)))")
        }
        guard !records.isEmpty else { return }
        try insert(records, entries: leaves, on: connection, logger: logger)
    }

    /// Inserts record rows with one statement, each with its entry (`entries[i]` is `records[i]`'s,
    /// kept as `PostgresSchema.wholeEntries` says): a column array each, and for the player,
    /// body and salt a flag array saying where each is present (postgres-nio's arrays hold no
    /// NULL). An absent diff or state is stored as an empty value, never a sealed one: a row with
    /// no NULL has no null bitmap, 8 bytes less of header, and nearly every record lacks one of
    /// the two (`record(_:)` reads an empty one as absent; an erasure still sets them to NULL).
    private static func insert(_ records: [StoredRecord], entries: [StoredLeaf], on connection: PostgresConnection,
                               logger: Logger) throws {
        func bytes(_ values: [Data?]) -> [ByteBuffer] { values.map { ByteBuffer(bytes: $0 ?? Data()) } }
        try PostgresSession.run("""
            INSERT INTO records (seq, event_id, stream, entity_type, entity_id, player_id, occurred_at, recorded_at, version,
                                 body, salt, diff, state_after, entry, hashes)
            SELECT seq, event_id, stream, entity_type, entity_id, CASE WHEN has_player THEN player_id END, occurred_at,
                   recorded_at, version, CASE WHEN has_body THEN body END, CASE WHEN has_salt THEN salt END,
                   diff, state_after, entry, hashes
            FROM unnest(\(records.map(\.seq))::bigint[], \(records.map(\.eventId))::text[], \(records.map(\.stream))::text[],
                        \(records.map(\.entityType))::text[], \(records.map(\.entityId))::text[],
                        \(records.map { $0.playerId ?? "" })::text[], \(records.map { $0.playerId != nil })::boolean[],
                        \(records.map(\.occurredAt))::bigint[], \(records.map(\.recordedAt))::bigint[], \(records.map(\.version))::bigint[],
                        \(bytes(records.map(\.body)))::bytea[], \(records.map { $0.body != nil })::boolean[],
                        \(bytes(records.map(\.salt)))::bytea[], \(records.map { $0.salt != nil })::boolean[],
                        \(bytes(records.map(\.diff)))::bytea[], \(bytes(records.map(\.stateAfter)))::bytea[],
                        \(zip(entries, records).map { ByteBuffer(bytes: rowEntry($0.entry, seq: $1.seq, recordedAt: $1.recordedAt)) })::bytea[],
                        \(entries.map { ByteBuffer(bytes: SQLiteStore.pack($0)) })::bytea[])
                 AS r(seq, event_id, stream, entity_type, entity_id, player_id, has_player, occurred_at, recorded_at, version,
                      body, has_body, salt, has_salt, diff, state_after, entry, hashes)
            ORDER BY seq
            """, on: connection, logger: logger)
    }

    /// The entry as a record's row keeps it (`PostgresSchema.wholeEntries`): a well-formed entry
    /// whose seq and recording time are the row's, without those (`entry[2..<18]`) behind a first
    /// byte of `0x81`; any other entry whole, behind an extra `0x80` if its own first byte would
    /// read as one of those two marks (only a damaged entry has such a byte, and `regvault
    /// migrate` must copy even a damaged one exactly).
    static func rowEntry(_ entry: Data, seq: Int64, recordedAt: Int64) -> Data {
        let bytes = [UInt8](entry)
        if let header = try? EntryHeader(parsing: bytes), Int64(exactly: header.seq) == seq, header.recordedAt == recordedAt {
            return Data([0x81, bytes[1]] + bytes[18...])
        }
        return bytes.first.map { 0x80...0x81 ~= $0 } == true ? Data([0x80] + bytes) : entry
    }
}
