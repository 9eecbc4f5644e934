import Foundation
import GRDB
import Testing
import VaultFormat
@testable import VaultStore

@Suite("Leaf rows keep a check of the leaf hash, not the hash")
struct LeafHashStorageTests {
    /// The `hashes` column of leaf `seq`, as stored.
    static func storedHashes(_ path: String, seq: Int64) throws -> Data {
        try DatabaseQueue(path: path).read { db in
            try #require(try Data.fetchOne(db, sql: "SELECT hashes FROM leaves WHERE seq = ?", arguments: [seq]))
        }
    }

    @Test("each leaf row holds 4 check bytes and the subtree hashes it completes, and reads back every hash")
    func packedLeafHashes() throws {
        let (store, path) = try SQLiteStoreTests.makeStore()
        var range = CompactRange()
        let batch = SQLiteStoreTests.batch(start: 0, count: 8, range: &range)
        try store.commit(batch)
        // Leaf 7 completes subtrees at levels 1, 2 and 3; leaf 6 none.
        #expect(try Self.storedHashes(path, seq: 6).count == 4)
        #expect(try Self.storedHashes(path, seq: 7).count == 4 + 3 * 32)
        #expect(try store.leaves(from: 0, to: 8) == batch.leaves)
        #expect(try store.leaves(seqs: [3, 6]) == [3: batch.leaves[3], 6: batch.leaves[6]])
        let indexes = (0..<StoredHashes.count(treeSize: 8)).map { $0 }
        #expect(try store.readHashes(indexes) == batch.leaves.flatMap(\.hashes))
    }

    @Test("a row holding the whole leaf hash, as rows written before the check did, reads the same")
    func wholeLeafHashStillReads() throws {
        var range = CompactRange()
        let leaves = SQLiteStoreTests.batch(start: 0, count: 4, range: &range).leaves
        let whole = leaves.map { leaf in leaf.hashes.reduce(into: Data()) { $0 += $1.withUnsafeBytes { Data($0) } } }
        #expect(try zip(leaves, whole).allSatisfy { leaf, data in
            try SQLiteStore.unpack(data, seq: leaf.seq, entry: leaf.entry) == leaf.hashes
        })
    }

    @Test("an entry changed without its check bytes reads with a leaf hash that is not its own; a short row is corrupt")
    func changedEntry() throws {
        var range = CompactRange()
        let leaf = SQLiteStoreTests.batch(start: 0, count: 2, range: &range).leaves[1]
        let packed = SQLiteStore.pack(leaf)
        let changed = Data("entry 9".utf8)
        let read = try SQLiteStore.unpack(packed, seq: 1, entry: changed)
        #expect(read.first != MerkleHashing.leafHash(changed))
        #expect(Array(read.dropFirst()) == Array(leaf.hashes.dropFirst()))
        #expect(throws: StorageError.self) { try SQLiteStore.unpack(packed.dropLast(), seq: 1, entry: leaf.entry) }
    }
}
