import Foundation
import PostgresNIO

/// `RecordStorage` in PostgreSQL: the same queries as SQLite's, each one statement (one snapshot).
extension PostgresStore {
    static let recordColumns = """
        SELECT seq, event_id, stream, entity_type, entity_id, player_id, occurred_at, recorded_at, version,
               body, salt, diff, state_after FROM records
        """

    /// The condition that a row of `records` is a version of `entity`, a row (`type`, `id`) the
    /// query names: its digest first, as `records_by_entity_digest` is keyed
    /// (`PostgresSchema.digests`), so the index is sought, then the type and id themselves, so a
    /// digest two entities share never mixes their versions.
    static let ofEntity = """
        regvault_key_digest(records.entity_type || '/' || records.entity_id) = regvault_key_digest(entity.type || '/' || entity.id)
        AND records.entity_type = entity.type AND records.entity_id = entity.id
        """

    /// The versions of the entity a query binds first, as `WITH entity AS (SELECT <type> AS type,
    /// <id> AS id)`: `recordColumns` with the join by `ofEntity`.
    static let entityVersions = "\(recordColumns) JOIN entity ON \(ofEntity)"

    /// The records of one query, opened.
    func records(_ query: PostgresQuery) throws -> [StoredRecord] {
        try rows(query).map { try opened(try PostgresStore.record($0)) }
    }

    public func records(eventIds: [String]) throws -> [String: StoredRecord] {
        if eventIds.isEmpty { return [:] }
        let found = try records(PostgresStore.eventIdLookup(eventIds))
        return Dictionary(found.map { ($0.eventId, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The records of `eventIds`: one index seek per event id, by its digest
    /// (`PostgresSchema.digests`). The lateral subquery's LIMIT keeps it from being flattened into
    /// a join, so the planner cannot choose a hash join over the whole table instead. It did: it
    /// costs the digest of each stored row as one operator, so for a batch of 10,000 ids and a
    /// table of 200,000 records, or of 500 ids and 5,000 records, it hashed every stored event id
    /// once per batch.
    static func eventIdLookup(_ eventIds: [String]) -> PostgresQuery {
        """
        SELECT r.* FROM unnest(\(eventIds)::text[]) AS e(event_id),
             LATERAL (\(unescaped: PostgresStore.recordColumns)
                      WHERE regvault_event_digest(records.event_id) = regvault_event_digest(e.event_id)
                      AND records.event_id = e.event_id LIMIT 1) r
        """
    }

    /// The text of `records(eventIds:)`'s query, the ids bound as `$1`, for tests to EXPLAIN.
    public static var eventIdLookupSQL: String { eventIdLookup([]).sql }

    public func history(entityType: String, entityId: String) throws -> [StoredRecord] {
        try records("""
            WITH entity AS (SELECT \(entityType)::text AS type, \(entityId)::text AS id)
            \(unescaped: PostgresStore.entityVersions) ORDER BY seq
            """)
    }

    public func histories(entityType: String, idPrefix: String) throws -> [StoredRecord] {
        // Ids compare byte by byte (the column is COLLATE "C"), as in SQLite: the range [prefix, prefix + U+10FFFF).
        // Served by an index for the stored objects' type only (`records_by_object_key`), S3's listings.
        try records("""
            \(unescaped: PostgresStore.recordColumns) WHERE entity_type = \(entityType)
            AND entity_id >= \(idPrefix) AND entity_id < \(idPrefix + "\u{10FFFF}") ORDER BY seq
            """)
    }

    public func history(entityType: String, entityId: String, seqs: Range<Int64>, occurred: Range<Int64>?, newestFirst: Bool,
                        limit: Int) throws -> [StoredRecord] {
        try recordsByDigest(isTheKeys: { $0.entityType == entityType && $0.entityId == entityId }) { comparingKeys in
            PostgresStore.historyPage(entityType: entityType, entityId: entityId, seqs: seqs, occurred: occurred,
                                      newestFirst: newestFirst, limit: limit, comparingKeys: comparingKeys)
        }
    }

    /// A page of an entity's versions with seqs in `seqs` (and occurred in `occurred`), sought by
    /// the entity's digest and, with `comparingKeys`, its type and id as well (`recordsByDigest`).
    static func historyPage(entityType: String, entityId: String, seqs: Range<Int64>, occurred: Range<Int64>?,
                            newestFirst: Bool, limit: Int, comparingKeys: Bool) -> PostgresQuery {
        """
        \(unescaped: PostgresStore.recordColumns)
        WHERE regvault_key_digest(entity_type || '/' || entity_id) = regvault_key_digest(\(entityType) || '/' || \(entityId))
        AND (NOT \(comparingKeys) OR (entity_type = \(entityType) AND entity_id = \(entityId)))
        AND seq >= \(seqs.lowerBound) AND seq < \(seqs.upperBound)
        AND (\(occurred == nil) OR (occurred_at >= \(occurred?.lowerBound ?? 0) AND occurred_at < \(occurred?.upperBound ?? 0)))
        ORDER BY seq \(unescaped: newestFirst ? "DESC" : "") LIMIT \(Int64(limit))
        """
    }

    public func versionCount(entityType: String, entityId: String, below: Int64) throws -> Int64 {
        try rows("""
            WITH entity AS (SELECT \(entityType)::text AS type, \(entityId)::text AS id)
            SELECT count(*) FROM records JOIN entity ON \(unescaped: PostgresStore.ofEntity) WHERE seq < \(below)
            """)
            .first?.int64(0) ?? 0
    }

    public func records(stream: String, from: Int64, to: Int64, after: (recordedAt: Int64, seq: Int64)?, limit: Int,
                        entityId: String?) throws -> [StoredRecord] {
        try records(PostgresStore.streamPage(stream: stream, from: from, to: to, after: after, limit: limit, entityId: entityId))
    }

    /// A page of `stream`'s records recorded in `[from, to)` after `after`, in (recorded-at, seq)
    /// order: sought by `records_by_stream_digest` from the later of `from` and the cursor's time
    /// (`PostgresSchema.recordIndexes`), the stream itself compared as well, as for every digest.
    static func streamPage(stream: String, from: Int64, to: Int64, after: (recordedAt: Int64, seq: Int64)?, limit: Int,
                           entityId: String?) -> PostgresQuery {
        let start = after ?? (from, -1)
        return """
            \(unescaped: PostgresStore.recordColumns)
            WHERE regvault_key_digest(stream) = regvault_key_digest(\(stream)) AND stream = \(stream)
            AND recorded_at >= \(max(from, start.0)) AND recorded_at < \(to) AND (recorded_at, seq) > (\(start.0), \(start.1))
            AND (\(entityId == nil) OR entity_id = \(entityId ?? ""))
            ORDER BY recorded_at, seq LIMIT \(Int64(limit))
            """
    }

    /// The text of `records(stream:from:to:after:limit:entityId:)`'s query, its values bound as
    /// `$1` to `$9` (stream, stream, start time, end time, cursor time, cursor seq, whether any
    /// entity, entity, limit), for tests to EXPLAIN.
    public static var streamPageSQL: String { streamPage(stream: "", from: 0, to: 0, after: nil, limit: 0, entityId: nil).sql }

    public func records(playerId: String, after: Int64?, limit: Int) throws -> [StoredRecord] {
        try recordsByDigest(isTheKeys: { $0.playerId == playerId }) { comparingKeys in
            PostgresStore.playerPage(playerId: playerId, after: after, limit: limit, comparingKeys: comparingKeys)
        }
    }

    /// A page of a player's records after seq `after`, sought by the player's digest and, with
    /// `comparingKeys`, the player id as well (`recordsByDigest`). The planner has no statistics
    /// for the digest of a partial index, so it still expects few rows of any player and sorts them
    /// on a small table; on a large one its default guess is large enough to walk the index.
    static func playerPage(playerId: String, after: Int64?, limit: Int, comparingKeys: Bool) -> PostgresQuery {
        """
        \(unescaped: PostgresStore.recordColumns) WHERE regvault_key_digest(player_id) = regvault_key_digest(\(playerId))
        AND (NOT \(comparingKeys) OR player_id = \(playerId)) AND seq > \(after ?? -1) ORDER BY seq LIMIT \(Int64(limit))
        """
    }

    /// The rows of `page(false)`, a page sought by a key's 64-bit digest alone, when each of them is
    /// the key's own (`isTheKeys`); else, when another key that shares the digest has rows in the
    /// page (rare, but possible), the rows of `page(true)`, the same page with the key compared.
    ///
    /// Why not always compare: with the key in the query, the planner takes the digest and the key
    /// for independent conditions, expects a few rows at most, and reads every row of the digest
    /// and sorts them rather than walk the index in order and stop at the page's end. For an entity
    /// of 5,629 versions a page of 100 took 30 ms that way, and a hot entity (a jackpot pool updated
    /// on every round) has millions. The writer's lookup of entities' latest versions
    /// (`latestRecords`) is kept apart the same way.
    func recordsByDigest(isTheKeys: (StoredRecord) -> Bool,
                         page: (_ comparingKeys: Bool) -> PostgresQuery) throws -> [StoredRecord] {
        let found = try rows(page(false)).map(PostgresStore.record)
        guard found.allSatisfy(isTheKeys) else { return try records(page(true)) }
        return try found.map(opened)
    }

    /// The text of the history page's query by digest, its values bound as `$1` to `$11` in order,
    /// for tests to EXPLAIN.
    public static var historyPageSQL: String {
        historyPage(entityType: "", entityId: "", seqs: 0..<1, occurred: nil, newestFirst: true, limit: 1,
                    comparingKeys: false).sql
    }

    public func latestRecord(entityType: String, entityId: String) throws -> StoredRecord? {
        try latestRecords(entities: [(entityType, entityId)])[entityType + "\u{0}" + entityId]
    }

    /// The latest record of `entity` read by the type and id themselves as well as the digest: the
    /// plan `latestRecords` avoids, which reads every version of the entity and sorts them. Only for
    /// an entity whose digest another entity's newer record shares.
    func latestRecordComparingKeys(entityType: String, entityId: String) throws -> StoredRecord? {
        try records("""
            WITH entity AS (SELECT \(entityType)::text AS type, \(entityId)::text AS id)
            \(unescaped: PostgresStore.entityVersions) ORDER BY seq DESC LIMIT 1
            """).first
    }

    /// Reads, for each entity, the newest record whose entity key has the entity's digest, and takes
    /// it when it is the entity's own; for an entity whose digest another entity's newer record
    /// shares (64-bit digests: rare, but possible), it reads again comparing the keys themselves.
    public func latestRecords(entities: [(type: String, id: String)]) throws -> [String: StoredRecord] {
        if entities.isEmpty { return [:] }
        var latest: [String: StoredRecord] = [:]
        var sharedDigests: [(type: String, id: String)] = []
        for row in try rows(PostgresStore.latestByDigest(entities)) {
            let record = try PostgresStore.record(row)
            let wanted = (type: try row.string(13), id: try row.string(14))
            if record.entityType == wanted.type, record.entityId == wanted.id {
                latest[wanted.type + "\u{0}" + wanted.id] = try opened(record)
            } else {
                sharedDigests.append(wanted)
            }
        }
        for entity in sharedDigests {
            latest[entity.type + "\u{0}" + entity.id] = try latestRecordComparingKeys(entityType: entity.type,
                                                                                     entityId: entity.id)
        }
        return latest
    }

    /// For each entity, the newest record whose entity key has its digest, then the entity's type
    /// and id: one backward seek of `records_by_entity_digest` per entity, whatever its number of
    /// versions. The keys themselves are compared by the caller, not here: with them in the query,
    /// the planner takes the digest and the keys for independent conditions, expects almost no row
    /// to match and a walk of the index to read every row of the digest before it finds one, and
    /// reads them all and sorts them instead (the writer's lookups took 237 ms a batch of 10,000
    /// that way, 0.3 ms an entity).
    static func latestByDigest(_ entities: [(type: String, id: String)]) -> PostgresQuery {
        """
        SELECT r.*, entity.type, entity.id
        FROM unnest(\(entities.map(\.type))::text[], \(entities.map(\.id))::text[]) AS entity(type, id),
             LATERAL (\(unescaped: PostgresStore.recordColumns)
                      WHERE regvault_key_digest(records.entity_type || '/' || records.entity_id)
                          = regvault_key_digest(entity.type || '/' || entity.id)
                      ORDER BY seq DESC LIMIT 1) r
        """
    }

    /// The text of `latestRecords(entities:)`'s query, the types and ids bound as `$1` and `$2`,
    /// for tests to EXPLAIN.
    public static var latestByDigestSQL: String { latestByDigest([]).sql }

    public func committedRecords(from: Int64, to: Int64, streams: Set<String>) throws -> [CommittedRecord] {
        try rows("""
            SELECT r.seq, r.salt, r.body, \(unescaped: PostgresStore.recordEntry) FROM \(unescaped: PostgresStore.recordsWithEntries)
            WHERE r.seq >= \(from) AND r.seq < \(to) AND r.body IS NOT NULL AND r.salt IS NOT NULL AND r.stream = ANY(\(streams.sorted()))
            ORDER BY r.seq
            """).map { row in
            let seq = try row.int64(0)
            guard let entry = try row.optionalData(3) else { throw StorageError(.corrupt, "record \(seq) has no log entry") }
            let body = try opened(try row.data(2), seq: seq, column: .body)
            return CommittedRecord(seq: seq, salt: [UInt8](try row.data(1)), body: [UInt8](body), entry: [UInt8](entry))
        }
    }

    static func record(_ row: PostgresCells) throws -> StoredRecord {
        StoredRecord(seq: try row.int64(0), eventId: try row.string(1), stream: try row.string(2), entityType: try row.string(3),
                     entityId: try row.string(4), playerId: try row.optionalString(5), occurredAt: try row.int64(6),
                     recordedAt: try row.int64(7), version: try row.int64(8), body: try row.optionalData(9),
                     salt: try row.optionalData(10), diff: try row.presentData(11),
                     stateAfter: try row.presentData(12))
    }
}
