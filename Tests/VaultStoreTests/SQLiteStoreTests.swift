import Crypto
import Foundation
import GRDB
import Testing
import VaultFormat
@testable import VaultStore

@Suite("SQLite store")
struct SQLiteStoreTests {
    /// A store in a fresh directory, and a batch of `count` leaves and records starting at `start`.
    static func makeStore() throws -> (SQLiteStore, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/vault.sqlite"
        return (try SQLiteStore(path: path, cipher: RecordCipher(keys: [1: SymmetricKey(size: .bits256)])), path)
    }

    static func batch(start: Int64, count: Int, range: inout CompactRange) -> LogBatch {
        let previous = start == 0 ? nil : (size: range.size, root: range.rootHash)
        var leaves: [StoredLeaf] = []
        var records: [StoredRecord] = []
        for seq in start..<(start + Int64(count)) {
            let entry = Data("entry \(seq)".utf8)
            leaves.append(StoredLeaf(seq: seq, entry: entry, appended: range.append(leafHash: MerkleHashing.leafHash(entry))))
            records.append(StoredRecord(seq: seq, eventId: "evt-\(seq)", stream: "kyc", entityType: "player",
                                        entityId: "p-\(seq % 3)", playerId: "p-\(seq % 3)", occurredAt: 1000 * seq,
                                        recordedAt: 1000 * seq, version: seq / 3 + 1, body: Data("{\"n\":\(seq)}".utf8),
                                        salt: Data(repeating: 1, count: 32), diff: nil, stateAfter: nil))
        }
        return LogBatch(previous: previous, leaves: leaves, records: records, rootHash: range.rootHash,
                        checkpointNote: "note \(start + Int64(count))\n", checkpointTime: 0)
    }

    @Test("the database is in WAL mode with STRICT tables")
    func pragmas() throws {
        let (store, path) = try Self.makeStore()
        _ = store
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
            let strict = try Row.fetchAll(db, sql: "PRAGMA table_list").filter { ($0["strict"] as Int?) == 1 }
                .map { $0["name"] as String }
            #expect(Set(["leaves", "records", "checkpoints", "meta"]).isSubset(of: Set(strict)))
        }
    }

    @Test("a committed batch reads back: leaves, records, hashes in one read, history by entity")
    func commitAndRead() throws {
        let (store, _) = try Self.makeStore()
        var range = CompactRange()
        var reference = ArrayHashReader()
        for start in stride(from: Int64(0), to: 300, by: 100) {
            let batch = Self.batch(start: start, count: 100, range: &range)
            try store.commit(batch)
            for leaf in batch.leaves { try reference.append(leafHash: MerkleHashing.leafHash(leaf.entry)) }
        }
        #expect(try store.treeSize() == 300)
        #expect(try store.latestCheckpoint() == "note 300\n")
        #expect(try store.checkpoint(size: 200) == "note 200\n")
        let all = Array(Int64(0)..<StoredHashes.count(treeSize: 300))
        #expect(try store.readHashes(all) == reference.readHashes(all))
        #expect(try MerkleTree.rootHash(size: 300, reader: store) == range.rootHash)
        #expect(try store.history(entityType: "player", entityId: "p-1").map(\.seq) == Array(stride(from: 1, to: 300, by: 3)))
        #expect(try store.latestRecord(entityType: "player", entityId: "p-2")?.seq == 299)
        #expect(try store.records(eventIds: ["evt-5", "evt-250", "evt-999"]).keys.sorted() == ["evt-250", "evt-5"])
        #expect(try store.leaves(from: 10, to: 13).map(\.seq) == [10, 11, 12])
        #expect(try store.leaves(seqs: [5, 299, 300]).keys.sorted() == [5, 299])
        let latest = try store.latestRecords(entities: [("player", "p-0"), ("player", "p-1"), ("player", "nobody")])
        #expect(latest.mapValues(\.seq) == ["player\u{0}p-0": 297, "player\u{0}p-1": 298])
    }

    @Test("a database a later release migrated is refused, and left as it was")
    func laterReleaseRefused() throws {
        let (store, path) = try Self.makeStore()
        var range = CompactRange()
        try store.commit(Self.batch(start: 0, count: 3, range: &range))
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v10: from a later release')")
        }
        let error = try #require(throws: StorageError.self) {
            try SQLiteStore(path: path, cipher: RecordCipher(keys: [1: SymmetricKey(size: .bits256)]))
        }
        #expect(error.code == .configuration)
        #expect(error.reason.contains("later release of RegVault"))
        #expect(try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM leaves") } == 3)
    }

    @Test("a batch that does not extend the stored tree is refused and stores nothing")
    func compareAndSwap() throws {
        let (store, _) = try Self.makeStore()
        var range = CompactRange()
        try store.commit(Self.batch(start: 0, count: 10, range: &range))
        var stale = CompactRange()
        #expect(throws: StorageError.self) { try store.commit(Self.batch(start: 0, count: 5, range: &stale)) }
        var gap = range
        gap.append(leafHash: MerkleHashing.leafHash([1]))
        #expect(throws: StorageError.self) { try store.commit(Self.batch(start: 11, count: 5, range: &gap)) }
        // Same size, different tree: a batch hashed onto leaves that were never stored.
        var fork = CompactRange()
        for i in 0..<10 { fork.append(leafHash: MerkleHashing.leafHash([UInt8(i)])) }
        #expect(throws: StorageError.self) { try store.commit(Self.batch(start: 10, count: 5, range: &fork)) }
        #expect(try store.treeSize() == 10)
        #expect(try store.latestCheckpoint() == "note 10\n")
    }

    @Test("a batch that fails half way (duplicate event id) stores none of it")
    func atomicBatch() throws {
        let (store, _) = try Self.makeStore()
        var range = CompactRange()
        try store.commit(Self.batch(start: 0, count: 10, range: &range))
        var batch = Self.batch(start: 10, count: 10, range: &range)
        batch.records[7].eventId = "evt-3"
        #expect(throws: (any Error).self) { try store.commit(batch) }
        #expect(try store.treeSize() == 10)
        #expect(try store.records(eventIds: ["evt-10"]).isEmpty)
    }

    @Test("SQL cannot rewrite history: leaves and checkpoints are append-only, records can only be erased")
    func triggersRefuseRewrites() throws {
        let (store, path) = try Self.makeStore()
        var range = CompactRange()
        try store.commit(Self.batch(start: 0, count: 5, range: &range))
        // A connection with the vault's pragmas, as every connection of the vault has.
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: SQLiteStore.connectionPragmas) }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        let refused = [
            "UPDATE leaves SET entry = x'00' WHERE seq = 1",
            "DELETE FROM leaves WHERE seq = 4",
            "UPDATE checkpoints SET note = 'forged' WHERE size = 5",
            "DELETE FROM checkpoints",
            "DELETE FROM records WHERE seq = 2",
            "UPDATE records SET body = x'7b7d' WHERE seq = 2",
            "UPDATE records SET entity_id = 'someone-else' WHERE seq = 2",
            "UPDATE records SET body = NULL WHERE seq = 2",  // erasing the body but keeping the salt
            // REPLACE deletes rows: the insert triggers and recursive delete triggers stop it.
            "REPLACE INTO leaves (seq, entry, hashes) VALUES (3, x'00', x'00')",
            "INSERT OR REPLACE INTO records (seq, event_id, stream, entity_type, entity_id, occurred_at, recorded_at, version) VALUES (2, 'evt-2', 'kyc', 'player', 'p', 0, 0, 1)",
            "INSERT OR REPLACE INTO records (seq, event_id, stream, entity_type, entity_id, occurred_at, recorded_at, version) VALUES (9, 'evt-3', 'kyc', 'player', 'p', 0, 0, 1)",
            "INSERT INTO leaves (seq, entry, hashes) VALUES (9, x'00', x'00')",  // a gap
            "REPLACE INTO checkpoints (size, root, note, created_at) VALUES (5, x'00', 'forged', 0)",
        ]
        for sql in refused {
            #expect(throws: DatabaseError.self, "\(sql)") { try queue.write { try $0.execute(sql: sql) } }
        }
        // Erasure (body, salt, diff and state together) is the one change allowed, and only with an
        // erasures row naming an erasure entry in the log, which these batches do not hold: refused.
        let erasures = [
            "UPDATE records SET body = NULL, salt = NULL, diff = NULL, state_after = NULL WHERE seq = 2",
            "INSERT INTO erasures (seq, erased_by) VALUES (2, 3)",  // leaf 3 is a record entry, not an erasure
            "INSERT INTO erasures (seq, erased_by) VALUES (2, 99)",  // no such leaf
        ]
        for sql in erasures {
            #expect(throws: DatabaseError.self, "\(sql)") { try queue.write { try $0.execute(sql: sql) } }
        }
        #expect(try store.records(eventIds: ["evt-2"])["evt-2"]?.body != nil)
        #expect(try store.treeSize() == 5)
    }

    @Test("v8 replaces the erasure rule only as v4 made it; a rule dropped before stays dropped for the check to name")
    func erasureRuleMigration() throws {
        let (store, path) = try Self.makeStore()
        _ = store
        let queue = try DatabaseQueue(path: path)
        let key = RecordCipher(keys: [1: SymmetricKey(size: .bits256)])
        // A file as v7 left it: v4's rule, v8 not applied. Opening it applies v8.
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER erasures_precede_erasure")
            try db.execute(sql: SQLiteSchema.v4ErasureRule)
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'v8:%'")
        }
        let upgraded = try SQLiteStore(path: path, cipher: key)
        #expect(try upgraded.protectionProblems().isEmpty)
        let rule = try queue.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'erasures_precede_erasure'")
        }
        #expect(rule?.contains("NEW.erased_by < COALESCE((SELECT max(size) FROM checkpoints), 0)") == true)
        // The same file with the rule dropped while it was at v7: opening it leaves it dropped.
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER erasures_precede_erasure")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'v8:%'")
        }
        let tampered = try SQLiteStore(path: path, cipher: key)
        #expect(try tampered.protectionProblems() == ["trigger erasures_precede_erasure is missing"])
        try tampered.restoreProtections()
        #expect(try tampered.protectionProblems().isEmpty)
    }

    @Test("STRICT tables refuse values of the wrong type")
    func strictTypes() throws {
        let (_, path) = try Self.makeStore()
        let queue = try DatabaseQueue(path: path)
        #expect(throws: DatabaseError.self) {
            try queue.write { try $0.execute(sql: "INSERT INTO leaves (seq, entry, hashes) VALUES ('seven', x'00', x'00')") }
        }
    }
}
