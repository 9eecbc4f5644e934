import Foundation
import PostgresNIO

/// `IntegrityStorage` in PostgreSQL: the check's reads, and the database's protections as
/// `PostgresSchema` installs them.
extension PostgresStore {
    public func leavesForCheck(from: Int64, to: Int64) throws -> [(leaf: StoredLeaf, malformed: String?)] {
        try rows("\(unescaped: PostgresStore.entries("seq >= \(from) AND seq < \(to)")) ORDER BY seq").map { row in
            let seq = try row.int64(0)
            let entry = try row.data(1)
            do {
                return (StoredLeaf(seq: seq, entry: entry, hashes: try SQLiteStore.unpack(try row.data(2), seq: seq, entry: entry)), nil)
            } catch {
                return (StoredLeaf(seq: seq, entry: entry, hashes: []), "\(error)")
            }
        }
    }

    public func recordsForCheck(from: Int64, to: Int64) throws -> [(record: StoredRecord, unreadable: String?)] {
        try rows("\(unescaped: PostgresStore.recordColumns) WHERE seq >= \(from) AND seq < \(to) ORDER BY seq").map { row in
            let stored = try PostgresStore.record(row)
            do {
                return (try opened(stored), nil)
            } catch {
                return (stored, "\(error)")
            }
        }
    }

    /// The triggers `PostgresSchema` installs that are missing or disabled. (Only the tables'
    /// owner can drop or disable them; the vault never connects as it.)
    public func protectionProblems() throws -> [String] {
        let present = Dictionary(try rows("""
            SELECT t.tgname, t.tgenabled <> 'D' FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal
            """).map { (try $0.string(0), try $0.bool(1)) }, uniquingKeysWith: { first, _ in first })
        return PostgresSchema.triggerNames.compactMap { name in
            switch present[name] {
            case nil: return "trigger \(name) is missing"
            case false?: return "trigger \(name) is disabled"
            default: return nil
            }
        }
    }

    /// Refused: the application role cannot change the schema, by design. The database's owner
    /// reinstalls it.
    public func restoreProtections() throws {
        throw StorageError(.configuration, "the vault's PostgreSQL role cannot change the schema; the database's owner restores "
            + "the triggers from: regvault postgres schema --role \(location.username)")
    }

    /// One statement: one snapshot.
    public func logCounts() throws -> LogCounts {
        guard let row = try rows("""
            SELECT \(unescaped: PostgresStore.entryCount), (SELECT COALESCE(MAX(size), 0) FROM checkpoints),
                   (SELECT count(*) FROM leaves) + entries, records FROM (SELECT count(entry) AS entries, count(*) AS records FROM records) AS r
            """).first else { throw StorageError(.corrupt, "the log's counts could not be read") }
        return LogCounts(treeSize: try row.int64(0), latestCheckpointSize: try row.int64(1), leafRows: try row.int64(2),
                         recordRows: try row.int64(3))
    }
}
