import Foundation
import GRDB
import Testing
import VaultFormat
@testable import VaultStore

@Suite("Leaf rows keep a check of the leaf hash and the subtrees above level 3; reading recomputes the rest")
struct LeafHashStorageTests {
    /// The `hashes` column of leaf `seq`, as stored.
    static func storedHashes(_ path: String, seq: Int64) throws -> Data {
        try DatabaseQueue(path: path).read { db in
            try #require(try Data.fetchOne(db, sql: "SELECT hashes FROM leaves WHERE seq = ?", arguments: [seq]))
        }
    }

    /// Every hash each of leaves `0..<count` appended computed, as the writer has them.
    static func appended(count: Int) -> [(entry: Data, hashes: [Hash])] {
        var range = CompactRange()
        return (0..<count).map { seq in
            let entry = Data("entry \(seq)".utf8)
            return (entry, range.append(leafHash: MerkleHashing.leafHash(entry)))
        }
    }

    @Test("each leaf row holds 4 check bytes and the subtrees above level 3 it completes, and every hash reads back")
    func packedLeafHashes() throws {
        let (store, path) = try SQLiteStoreTests.makeStore()
        var range = CompactRange()
        let batch = SQLiteStoreTests.batch(start: 0, count: 40, range: &range)
        try store.commit(batch)
        // Leaf 7 completes subtrees at levels 1 to 3, leaf 15 at 1 to 4, leaf 31 at 1 to 5; leaf 6 none.
        #expect(try Self.storedHashes(path, seq: 6).count == 4)
        #expect(try Self.storedHashes(path, seq: 7).count == 4)
        #expect(try Self.storedHashes(path, seq: 15).count == 4 + 32)
        #expect(try Self.storedHashes(path, seq: 31).count == 4 + 2 * 32)
        #expect(try store.leaves(from: 0, to: 40) == batch.leaves)
        #expect(try store.leaves(seqs: [3, 31]) == [3: batch.leaves[3], 31: batch.leaves[31]])
        var reference = ArrayHashReader()
        for leaf in batch.leaves { try reference.append(leafHash: MerkleHashing.leafHash(leaf.entry)) }
        let indexes = Array(Int64(0)..<StoredHashes.count(treeSize: 40))
        #expect(try store.readHashes(indexes) == reference.readHashes(indexes))
        #expect(try store.readHashes(indexes.reversed()) == reference.readHashes(indexes.reversed()))
        // A recomputed hash whose leaves are not all in the log is missing, as a stored one would be.
        #expect(throws: VaultFormatError.self) { try store.readHashes([StoredHashes.index(level: 3, 5)]) }
    }

    @Test("rows holding every hash their append stored, with the whole leaf hash or its check, read as the kept hashes")
    func earlierLayoutsStillRead() throws {
        for (seq, leaf) in Self.appended(count: 32).enumerated() {
            let whole = leaf.hashes.reduce(into: Data()) { $0 += $1.withUnsafeBytes { Data($0) } }
            let checked = whole.prefix(SQLiteStore.leafHashCheckBytes) + whole.dropFirst(Hash.byteCount)
            let kept = StoredLeaf.kept(leaf.hashes)
            #expect(try SQLiteStore.unpack(whole, seq: Int64(seq), entry: leaf.entry) == kept)
            #expect(try SQLiteStore.unpack(checked, seq: Int64(seq), entry: leaf.entry) == kept)
        }
    }

    @Test("an entry changed without its check bytes reads with a leaf hash that is not its own; a short row is corrupt")
    func changedEntry() throws {
        let appended = Self.appended(count: 16)[15]
        let leaf = StoredLeaf(seq: 15, entry: appended.entry, appended: appended.hashes)
        #expect(leaf.hashes.count == 2)
        let packed = SQLiteStore.pack(leaf)
        let changed = Data("entry 99".utf8)
        let read = try SQLiteStore.unpack(packed, seq: 15, entry: changed)
        #expect(read.first != MerkleHashing.leafHash(changed))
        #expect(Array(read.dropFirst()) == Array(leaf.hashes.dropFirst()))
        #expect(throws: StorageError.self) { try SQLiteStore.unpack(packed.dropLast(), seq: 15, entry: leaf.entry) }
    }

    @Test("a leaf hash that is not its entry's, as a migration copies a damaged leaf, is kept whole and reads back as it was")
    func foreignLeafHashKeptWhole() throws {
        let foreign = Hash(bytes: Data(repeating: 7, count: Hash.byteCount))!
        for (seq, appended) in Self.appended(count: 16).enumerated() where [1, 7, 15].contains(seq) {
            var leaf = StoredLeaf(seq: Int64(seq), entry: appended.entry, appended: appended.hashes)
            leaf.hashes[0] = foreign
            let packed = SQLiteStore.pack(leaf)
            #expect(packed.count == leaf.hashes.count * Hash.byteCount)
            #expect(try SQLiteStore.unpack(packed, seq: leaf.seq, entry: leaf.entry) == leaf.hashes)
        }
    }
}
