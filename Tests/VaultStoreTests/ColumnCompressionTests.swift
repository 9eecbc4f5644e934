import Crypto
import Foundation
import GRDB
import Testing
import VaultFormat
@testable import VaultStore

@Suite("Compressed record columns")
struct ColumnCompressionTests {
    /// `count` records of stream `kyc` from seq `start`, about 50 players, each holding a value no
    /// other record holds (`secret(seq)`) beside values every player shares.
    static func batch(start: Int64, count: Int, range: inout CompactRange) -> LogBatch {
        let previous = start == 0 ? nil : (size: range.size, root: range.rootHash)
        var leaves: [StoredLeaf] = []
        var records: [StoredRecord] = []
        for seq in start..<(start + Int64(count)) {
            let entry = Data("entry \(seq)".utf8)
            leaves.append(StoredLeaf(seq: seq, entry: entry, appended: range.append(leafHash: MerkleHashing.leafHash(entry))))
            let player = "p-\(seq % 50)"
            let body = #"{"entity":{"id":"\#(player)","type":"player"},"eventId":"evt-\#(seq)","jurisdiction":"MT","#
                + #""kind":"change","state":{"kycStatus":"verified","name":"\#(secret(seq))","riskBand":"low"},"stream":"kyc"}"#
            records.append(StoredRecord(seq: seq, eventId: "evt-\(seq)", stream: "kyc", entityType: "player",
                                        entityId: player, playerId: player, occurredAt: seq, recordedAt: seq,
                                        version: seq / 50 + 1, body: Data(body.utf8), salt: Data(repeating: 1, count: 32),
                                        diff: Data(#"[{"op":"replace","path":"/name","value":"\#(secret(seq))"}]"#.utf8),
                                        stateAfter: nil))
        }
        return LogBatch(previous: previous, leaves: leaves, records: records, rootHash: range.rootHash,
                        checkpointNote: "note \(start + Int64(count))\n", checkpointTime: 0)
    }

    /// A name no other record has and no other record's shares a prefix of more than a few
    /// characters with: 16 hex digits of SHA-256 of the seq.
    static func secret(_ seq: Int64) -> String {
        String(SHA256.hash(data: Data("\(seq)".utf8)).map { String(format: "%02x", $0) }.joined().prefix(16))
    }

    static func rawColumn(_ path: String, seq: Int64) throws -> Data {
        try DatabaseQueue(path: path).read { db in
            try #require(try Data.fetchOne(db, sql: "SELECT body FROM records WHERE seq = ?", arguments: [seq]))
        }
    }

    @Test("columns are stored as zstd frames and read back as the exact committed bytes")
    func roundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: dir + "/vault.sqlite", cipher: nil)
        var range = CompactRange()
        let batch = Self.batch(start: 0, count: 10, range: &range)
        try store.commit(batch)
        let stored = try Self.rawColumn(dir + "/vault.sqlite", seq: 3)
        #expect(ColumnCompressor.isFrame(stored))
        #expect(stored.count < batch.records[3].body!.count)
        let read = try store.records(eventIds: batch.records.map(\.eventId))
        for record in batch.records {
            #expect(read[record.eventId]?.body == record.body)
            #expect(read[record.eventId]?.diff == record.diff)
        }
    }

    @Test("a column stored before compression reads as it is")
    func uncompressedColumnsStillRead() throws {
        let json = Data(#"{"a":1}"#.utf8)
        #expect(try ColumnCompressor().decompress(json, what: "record 1") == json)
        // Too short to gain: kept as it is.
        #expect(ColumnCompressor().compress(json, stream: "kyc") == json)
    }

    @Test("a store written before compression opens with its records as they were, and its stream and player indexes without seq")
    func upgradeFromUncompressedStore() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString).sqlite").path
        var range = CompactRange()
        let old = Self.batch(start: 0, count: 120, range: &range).records
        let queue = try DatabaseQueue(path: path)
        try SQLiteSchema.migrator().migrate(queue, upTo: "v6: only delivery entities enter the outbox")
        try queue.write { db in try SQLiteStore.insertRecords(old, into: db) }
        try queue.close()

        let store = try SQLiteStore(path: path, cipher: nil)
        let read = try store.records(eventIds: old.map(\.eventId))
        #expect(old.allSatisfy { read[$0.eventId]?.body == $0.body && read[$0.eventId]?.diff == $0.diff })
        let byStream = try store.records(stream: "kyc", from: 0, to: 1_000, after: (recordedAt: 9, seq: 9), limit: 5, entityId: nil)
        #expect(byStream.map(\.seq) == [10, 11, 12, 13, 14])
        #expect(try store.records(playerId: "p-3", after: 3, limit: 5).map(\.seq) == [53, 103])
        let indexes = try DatabaseQueue(path: path).read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
                .map { ($0[0] as String, $0[1] as String) })
        }
        #expect(indexes["records_by_stream"] == "CREATE INDEX records_by_stream ON records(stream, recorded_at)")
        #expect(indexes["records_by_player"] == "CREATE INDEX records_by_player ON records(player_id) WHERE player_id IS NOT NULL")
    }

    @Test("values many entities share but one player holds (a player's IBAN on all their payments) stay out of the dictionary")
    func dictionaryCountsPlayersNotEntities() throws {
        let (store, path) = try SQLiteStoreTests.makeStore()
        var range = CompactRange()
        /// 40 players, each with an IBAN of their own on every one of their payments (each payment an entity).
        func iban(_ player: Int64) -> String { "GB29NWBK6016" + Self.secret(player).prefix(10).uppercased() }
        for start in stride(from: Int64(0), to: 2_400, by: 200) {
            var batch = SQLiteStoreTests.batch(start: start, count: 200, range: &range)
            batch.records = batch.records.map { record in
                var payment = record
                let player = record.seq % 40
                payment.stream = "payment"
                payment.entityType = "payment"
                payment.entityId = "pay-\(record.seq)"
                payment.playerId = "p-\(player)"
                payment.body = Data((#"{"entity":{"id":"pay-\#(record.seq)","type":"payment"},"playerId":"p-\#(player)","#
                    + #""state":{"amount":"10.00","currency":"EUR","iban":"\#(iban(player))","status":"approved"},"stream":"payment"}"#).utf8)
                return payment
            }
            try store.commit(batch)
        }
        let dictionary = try #require(try store.storedDictionaries().first { $0.stream == "payment" })
        let text = String(decoding: dictionary.bytes, as: UTF8.self)
        #expect(text.contains("approved") && text.contains("iban"))
        #expect((Int64(0)..<40).allSatisfy { !text.contains(iban($0).suffix(10).prefix(6)) })
        #expect(!text.contains("p-3") && !text.contains("p-1"))
        _ = path
    }

    @Test("a damaged frame, or one that needs a dictionary the store lacks, is an error that says so")
    func damagedFrames() throws {
        let compressor = ColumnCompressor()
        let frame = compressor.compress(Data(String(repeating: #"{"kycStatus":"verified"}"#, count: 20).utf8), stream: "kyc")
        #expect(ColumnCompressor.isFrame(frame))
        var damaged = frame
        damaged[damaged.count - 2] ^= 0xFF
        damaged.removeLast()
        #expect(throws: StorageError.self) { try compressor.decompress(damaged, what: "record 7") }

        let needsDictionary = ZstdDictionaryFixture.frameNeedingDictionary()
        let error = try #require(throws: StorageError.self) { try compressor.decompress(needsDictionary, what: "record 9") }
        #expect(error.code == .corrupt)
        #expect(error.reason.contains("dictionary") && error.reason.contains("record 9"))
    }

    @Test("a stream's dictionary holds only what many players share, is stored once, used from then on, and survives reopening")
    func dictionaryTraining() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/vault.sqlite"
        let cipher = RecordCipher(keys: [1: SymmetricKey(size: .bits256)])
        let store = try SQLiteStore(path: path, cipher: cipher)
        // Another process's store, opened before the dictionary existed (a reader beside the server).
        let earlierReader = try SQLiteStore(path: path, cipher: cipher)
        var range = CompactRange()
        var committed: [StoredRecord] = []
        for start in stride(from: Int64(0), to: 2_600, by: 200) {
            let batch = Self.batch(start: start, count: 200, range: &range)
            try store.commit(batch)
            committed += batch.records
        }
        let dictionaries = try store.storedDictionaries()
        #expect(dictionaries.count == 1)
        let dictionary = try #require(dictionaries.first)
        #expect(dictionary.stream == "kyc")
        let text = String(decoding: dictionary.bytes, as: UTF8.self)
        #expect(text.contains("verified") && text.contains("riskBand"))
        #expect(text.contains(#""path":"/name""#))  // a diff's vocabulary: diffs are samples too
        // No record's own value: at most a prefix that 16 players' records share, then its shape.
        #expect((Int64(0)..<2_000).allSatisfy { !text.contains(Self.secret($0).prefix(6)) })
        #expect(!text.contains("p-1") && !text.contains("p-2"))  // each the prefix of 11 players only

        // Records committed after training name the dictionary in their frames and read back exactly,
        // also through the store opened before it was trained.
        let early = try earlierReader.records(eventIds: committed.map(\.eventId))
        #expect(committed.allSatisfy { early[$0.eventId]?.body == $0.body && early[$0.eventId]?.diff == $0.diff })
        let reopened = try SQLiteStore(path: path, cipher: cipher)
        let read = try reopened.records(eventIds: committed.map(\.eventId))
        #expect(committed.allSatisfy { read[$0.eventId]?.body == $0.body && read[$0.eventId]?.diff == $0.diff })
        #expect(try reopened.storedDictionaries() == dictionaries)

        // The dictionaries table refuses changes, as the log does.
        let queue = try DatabaseQueue(path: path)
        for sql in ["UPDATE dictionaries SET stream = 'x'", "DELETE FROM dictionaries"] {
            #expect(throws: DatabaseError.self) { try queue.write { try $0.execute(sql: sql) } }
        }
        #expect(try reopened.protectionProblems().isEmpty)
    }
}

/// A zstd frame compressed with a dictionary no store has.
enum ZstdDictionaryFixture {
    static func frameNeedingDictionary() -> Data {
        var trainer = DictionaryTrainer()
        for n in 0..<DictionaryTrainer.sampleCount {
            let body = #"{"entity":{"id":"p-\#(n % 40)"},"kind":"change","state":{"kycStatus":"verified","riskBand":"low","tier":"gold"}}"#
            _ = trainer.offer(Data(body.utf8), stream: "other", subject: "p-\(n % 40)")
        }
        let dictionary = trainer.train(stream: "other", isTaken: { _ in false })!
        let compressor = ColumnCompressor()
        compressor.add(try! compressor.prepare(dictionary))
        return compressor.compress(Data(#"{"entity":{"id":"p-1"},"kind":"change","state":{"kycStatus":"verified","riskBand":"low","tier":"gold"}}"#.utf8),
                                   stream: "other")
    }
}
