import Foundation
import GRDB
import VaultFormat

/// `IntegrityStorage` in SQLite: the check's reads and the protective triggers.
extension SQLiteStore {
    public func leavesForCheck(from: Int64, to: Int64) throws -> [(leaf: StoredLeaf, malformed: String?)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, entry, hashes FROM leaves WHERE seq >= ? AND seq < ? ORDER BY seq",
                             arguments: [from, to]).map { row in
                let seq: Int64 = row[0]
                let entry = (row[1] as Data?) ?? Data()
                do {
                    return (StoredLeaf(seq: seq, entry: entry, hashes: try SQLiteStore.unpack((row[2] as Data?) ?? Data(), seq: seq, entry: entry)), nil)
                } catch {
                    return (StoredLeaf(seq: seq, entry: entry, hashes: []), "\(error)")
                }
            }
        }
    }

    public func recordsForCheck(from: Int64, to: Int64) throws -> [(record: StoredRecord, unreadable: String?)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "\(SQLiteStore.recordColumns) WHERE seq >= ? AND seq < ? ORDER BY seq",
                             arguments: [from, to]).map { row in
                let stored = SQLiteStore.record(row)
                do {
                    return (try opened(stored), nil)
                } catch {
                    return (stored, "\(error)")
                }
            }
        }
    }

    /// The protective triggers that are missing or differ from the schema's (each named), empty when
    /// all are in place. SQLite lets a client with write access drop them; the vault notices.
    public func protectionProblems() throws -> [String] {
        let present = try pool.read { db in
            try Dictionary(Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                .map { ($0[0] as String, $0[1] as String?) }, uniquingKeysWith: { first, _ in first })
        }
        var problems: [String] = []
        for (name, sql) in SQLiteSchema.expectedTriggers.sorted(by: { $0.key < $1.key }) {
            switch present[name] {
            case nil: problems.append("trigger \(name) is missing")
            case let found? where found != sql: problems.append("trigger \(name) was altered")
            default: break
            }
        }
        for name in present.keys.sorted() where SQLiteSchema.expectedTriggers[name] == nil {
            problems.append("trigger \(name) is not part of the vault's schema")
        }
        return problems
    }

    /// Puts every protective trigger back exactly as the schema defines it (and drops triggers the
    /// schema does not have), in one transaction.
    public func restoreProtections() throws {
        try pool.write { db in
            let present = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'")
            for name in present { try db.execute(sql: "DROP TRIGGER \"\(name.replacingOccurrences(of: "\"", with: "\"\""))\"") }
            for (_, sql) in SQLiteSchema.expectedTriggers.sorted(by: { $0.key < $1.key }) { try db.execute(sql: sql) }
        }
    }

    /// One read transaction of the pool: one WAL snapshot.
    public func logCounts() throws -> LogCounts {
        try pool.read { db in
            LogCounts(treeSize: try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq) + 1, 0) FROM leaves") ?? 0,
                      latestCheckpointSize: try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(size), 0) FROM checkpoints") ?? 0,
                      leafRows: try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM leaves") ?? 0,
                      recordRows: try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM records") ?? 0)
        }
    }
}
