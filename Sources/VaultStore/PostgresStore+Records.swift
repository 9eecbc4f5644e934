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
        let occurredFrom = occurred?.lowerBound ?? Int64.min
        let occurredTo = occurred?.upperBound ?? Int64.max
        let everything = occurred == nil
        return try records("""
            WITH entity AS (SELECT \(entityType)::text AS type, \(entityId)::text AS id)
            \(unescaped: PostgresStore.entityVersions) WHERE seq >= \(seqs.lowerBound) AND seq < \(seqs.upperBound)
            AND (\(everything) OR (occurred_at >= \(occurredFrom) AND occurred_at < \(occurredTo)))
            ORDER BY seq \(unescaped: newestFirst ? "DESC" : "") LIMIT \(Int64(limit))
            """)
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
        try records("""
            \(unescaped: PostgresStore.recordColumns) WHERE regvault_key_digest(player_id) = regvault_key_digest(\(playerId))
            AND player_id = \(playerId) AND seq > \(after ?? -1) ORDER BY seq LIMIT \(Int64(limit))
            """)
    }

    public func latestRecord(entityType: String, entityId: String) throws -> StoredRecord? {
        try records("""
            WITH entity AS (SELECT \(entityType)::text AS type, \(entityId)::text AS id)
            \(unescaped: PostgresStore.entityVersions) ORDER BY seq DESC LIMIT 1
            """).first
    }

    public func latestRecords(entities: [(type: String, id: String)]) throws -> [String: StoredRecord] {
        if entities.isEmpty { return [:] }
        // One index seek per entity: a lateral join over the pairs, which reads the record's columns only.
        let found = try records("""
            SELECT r.* FROM unnest(\(entities.map(\.type))::text[], \(entities.map(\.id))::text[]) AS entity(type, id),
                 LATERAL (\(unescaped: PostgresStore.recordColumns) WHERE \(unescaped: PostgresStore.ofEntity) ORDER BY seq DESC LIMIT 1) r
            """)
        return Dictionary(found.map { ($0.entityType + "\u{0}" + $0.entityId, $0) }, uniquingKeysWith: { first, _ in first })
    }

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
