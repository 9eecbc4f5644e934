import Foundation
import VaultFormat

/// How every store keeps a record's erasable columns (body, diff, state-after): compressed (see
/// `ColumnCompressor`, with a dictionary per stream that `DictionaryTrainer` trains from the
/// stream's first records), then sealed (`RecordCipher`). Reading opens and decompresses them, so
/// the bytes read back are exactly the canonical bytes committed. Shared by `SQLiteStore` and
/// `PostgresStore`, which differ only in where the rows and dictionaries live.
final class ColumnSealer: Sendable {
    /// Nil keeps columns in the clear (the benchmark's baseline only).
    private let cipher: RecordCipher?
    private let compressor = ColumnCompressor()
    /// Gathers the first records of each stream to train its dictionary; used by the writer only.
    private let trainer = Locked(DictionaryTrainer())

    init(cipher: RecordCipher?) {
        self.cipher = cipher
    }

    /// Learns dictionaries already stored (oldest first); a stream that has one trains no other.
    func adoptStored(_ dictionaries: [StoredDictionary]) throws {
        for dictionary in dictionaries where !compressor.knows(dictionaryId: dictionary.id) {
            compressor.add(try compressor.prepare(dictionary))
            trainer.withLock { $0.settle(dictionary.stream) }
        }
    }

    /// Offers the bodies and diffs of the batches' records of streams without a dictionary to the
    /// trainer and returns the dictionaries it trains, digested. The caller stores each in the
    /// transaction that commits the batches and calls `adopt` once that commit is durable: a frame
    /// compressed with a dictionary the store lost would be unreadable.
    func dictionariesToStore(learningFrom batches: [LogBatch]) -> [PreparedDictionary] {
        var ready: Set<String> = []
        for batch in batches {
            for record in batch.records where !compressor.hasDictionary(forStream: record.stream) {
                let subject = record.playerId.map { "player " + $0 } ?? "entity " + record.entityType + "/" + record.entityId
                for column in [record.body, record.diff].compactMap({ $0 })
                where trainer.withLock({ $0.offer(column, stream: record.stream, subject: subject) }) {
                    ready.insert(record.stream)
                }
            }
        }
        var trained: [PreparedDictionary] = []
        for stream in ready.sorted() {
            let isTaken = { (id: UInt32) in self.compressor.knows(dictionaryId: id) || trained.contains { $0.stored.id == id } }
            guard let dictionary = trainer.withLock({ $0.train(stream: stream, isTaken: isTaken) }),
                  let prepared = try? compressor.prepare(dictionary) else { continue }
            trained.append(prepared)
        }
        return trained
    }

    /// Starts compressing with dictionaries that are now durable.
    func adopt(_ trained: [PreparedDictionary]) {
        for dictionary in trained { compressor.add(dictionary) }
    }

    /// The record as written: each erasable column compressed, then sealed.
    func sealed(_ record: StoredRecord) throws -> StoredRecord {
        try ColumnSealer.transformingErasableColumns(of: record) { plaintext, column in
            let compressed = compressor.compress(plaintext, stream: record.stream)
            return try cipher.map { try $0.seal(compressed, seq: record.seq, column: column) } ?? compressed
        }
    }

    /// The record as committed: each erasable column opened, then decompressed. `loadMissing` reads
    /// dictionaries stored since (by another process) when a frame needs one this one lacks.
    func opened(_ record: StoredRecord, loadMissing: () throws -> Void) throws -> StoredRecord {
        try ColumnSealer.transformingErasableColumns(of: record) { stored, column in
            try opened(stored, seq: record.seq, column: column, loadMissing: loadMissing)
        }
    }

    func opened(_ stored: Data, seq: Int64, column: RecordCipher.Column, loadMissing: () throws -> Void) throws -> Data {
        let compressed = try cipher.map { try $0.open(stored, seq: seq, column: column) } ?? stored
        return try compressor.decompress(compressed, what: "record \(seq)", loadMissing: loadMissing)
    }

    /// The record with its body, diff and state-after (those present) passed through `transform`.
    static func transformingErasableColumns(of record: StoredRecord,
                                            _ transform: (Data, RecordCipher.Column) throws -> Data) throws -> StoredRecord {
        var out = record
        out.body = try record.body.map { try transform($0, .body) }
        out.diff = try record.diff.map { try transform($0, .diff) }
        out.stateAfter = try record.stateAfter.map { try transform($0, .stateAfter) }
        return out
    }
}
