/// The records: each record's committed bytes and the columns it is found by (event id, entity,
/// stream and time, player).
///
/// Records are written only by `LogStorage.commit`, in the transaction of their leaves. Every read
/// here may run at any time, concurrently with a commit and with other reads, and sees whole
/// batches only. What a read returns is what was committed: the record's canonical bytes exactly
/// (decrypted and decompressed by the store); an erased record comes back with its body, salt,
/// diff and state nil, never as missing. A first version that carried its state has no stored
/// diff: its diff is that whole state added (`RecordDiff` in VaultCore recomputes it).
public protocol RecordStorage: Sendable {
    /// Existing records among `eventIds`, keyed by event id.
    func records(eventIds: [String]) throws -> [String: StoredRecord]
    /// Every record of one entity, oldest first.
    func history(entityType: String, entityId: String) throws -> [StoredRecord]
    /// Every record of the entities of `entityType` whose id starts with `idPrefix`, in seq order:
    /// one index range read (the objects of one bucket, say).
    func histories(entityType: String, idPrefix: String) throws -> [StoredRecord]
    /// One entity's records whose seq is in `seqs` and, with `occurred`, whose occurred-at is in it:
    /// at most `limit`, oldest first, or newest first when `newestFirst`. One index range read.
    func history(entityType: String, entityId: String, seqs: Range<Int64>, occurred: Range<Int64>?, newestFirst: Bool,
                 limit: Int) throws -> [StoredRecord]
    /// How many records one entity has with seq below `below` (read from the index alone).
    func versionCount(entityType: String, entityId: String, below: Int64) throws -> Int64
    /// The newest record of one entity, if any.
    func latestRecord(entityType: String, entityId: String) throws -> StoredRecord?
    /// The newest record of each of `entities` (type, id) that has any, keyed by `type + "\u{0}" + id`,
    /// read with one query per few hundred entities.
    func latestRecords(entities: [(type: String, id: String)]) throws -> [String: StoredRecord]
    /// Records of one stream recorded in `[from, to)` (milliseconds), ordered by recorded-at then
    /// seq, starting after `after` (a recorded-at and seq), at most `limit`; with `entityId`, only
    /// the records of entities with that id.
    func records(stream: String, from: Int64, to: Int64, after: (recordedAt: Int64, seq: Int64)?, limit: Int,
                 entityId: String?) throws -> [StoredRecord]
    /// Records about one player, by seq, starting after seq `after`, at most `limit`.
    func records(playerId: String, after: Int64?, limit: Int) throws -> [StoredRecord]
    /// The committed bytes of the records with seq in `[from, to)` whose stream is in `streams`, in
    /// seq order: each record's body (decrypted), its salt and its leaf's entry, so a reader can
    /// check the body against the entry's commitment. Erased records are left out. Reads nothing
    /// else (no diff, no state), for passes over many records such as reports.
    func committedRecords(from: Int64, to: Int64, streams: Set<String>) throws -> [CommittedRecord]
}
