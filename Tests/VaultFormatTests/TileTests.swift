import Foundation
import Testing
import VaultFormat

/// C2SP tlog-tiles against transparency-dev/tessera's path tests and its 15-entry test log
/// (shared/vectors/tessera_testdata_log.json, copied to Vectors/).
@Suite("C2SP tlog-tiles")
struct TileTests {
    let paths = TestVectors.group("L-tessera")

    @Test("tile and entry-bundle paths are written as tessera writes them")
    func pathsFormat() {
        for vector in paths["TESSERA_TILE_PATHS"] as! [[Any]] {
            let tile = Tiles.ID(level: vector[0] as! Int, index: Int64(vector[1] as! Int), width: vector[2] as! Int)
            #expect(Tiles.hashTilePath(tile) == vector[3] as! String)
        }
        for vector in paths["TESSERA_ENTRY_PATHS"] as! [[Any]] {
            #expect(Tiles.entryBundlePath(index: Int64(vector[0] as! Int), width: vector[1] as! Int) == vector[2] as! String)
        }
        for vector in paths["TESSERA_ENTRIES_FOR_INDEX"] as! [[Any]] {
            let entry = Int64((vector[0] as! NSNumber).int64Value), size = Int64((vector[1] as! NSNumber).int64Value)
            #expect(Tiles.entryBundlePath(containing: entry, treeSize: size) == vector[2] as! String)
        }
        let spec = TestVectors.group("L-c2sp")["TILES_SPEC_INDEX"] as! [Any]
        #expect(Tiles.indexPath(Int64(spec[0] as! Int), width: 256) == spec[1] as! String)
    }

    @Test("tile paths parse, and every non-canonical or out-of-range path is refused")
    func pathsParse() {
        for vector in paths["TESSERA_PARSE"] as! [[Any]] {
            let level = vector[0] as! String, path = vector[1] as! String
            let parsed = Tiles.parse(level: Substring(level), indexPath: Substring(path))
            if let expected = vector[2] as? [Any] {
                #expect(parsed == Tiles.ID(level: expected[0] as! Int, index: Int64((expected[1] as! NSNumber).int64Value),
                                           width: expected[2] as! Int), "\(level) \(path)")
            } else {
                #expect(parsed == nil, "\(level) \(path) must be refused")
            }
        }
    }

    @Test("the right-edge tiles of the C2SP examples")
    func rightEdge() {
        let c2sp = TestVectors.group("L-c2sp")
        for name in ["TILES_SPEC_70000", "TILES_SPEC_256"] {
            let vector = c2sp[name] as! [Any]
            let expected = (vector[1] as! [[Int]]).map { Tiles.ID(level: $0[0], index: Int64($0[1]), width: $0[2]) }
            #expect(Tiles.rightEdge(treeSize: Int64(vector[0] as! Int)) == expected, "\(name)")
        }
    }

    @Test("tessera's 15-entry log: every checkpoint, hash tile and entry bundle is reproduced")
    func tesseraLog() throws {
        let log = TestVectors.tessera
        let key = try NoteVerifierKey(log["log_public_key"] as! String)
        let files = log["files"] as! [String: String]
        let leaves = (log["leaves"] as! [String]).map { Array($0.utf8) }
        var reader = ArrayHashReader()
        for size in 0...leaves.count {
            if size > 0 { try reader.append(leafHash: MerkleHashing.leafHash(leaves[size - 1])) }
            let note = files["checkpoint.\(size)"]!
            let checkpoint = try SignedCheckpoint(verifying: Array(note.utf8), verifierKeys: [key]).checkpoint
            #expect(checkpoint.size == UInt64(size))
            #expect(checkpoint.rootHash == (try MerkleTree.rootHash(size: Int64(size), reader: reader)))
            guard size > 0 else { continue }
            let tile = Tiles.ID(level: 0, index: 0, width: size)
            let expectedTile = Data(base64Encoded: files[Tiles.hashTilePath(tile)]!)!
            #expect(Data(try Tiles.hashTile(tile, treeSize: Int64(size), reader: reader)) == expectedTile)
            let expectedBundle = Data(base64Encoded: files[Tiles.entryBundlePath(index: 0, width: size)]!)!
            #expect(Data(Tiles.entryBundle(Array(leaves[0..<size]))) == expectedBundle)
        }
        // A tile wider than the tree has completed is refused.
        #expect(throws: VaultFormatError.self) {
            try Tiles.hashTile(Tiles.ID(level: 0, index: 0, width: 16), treeSize: 15, reader: reader)
        }
    }

    @Test("a tile index beyond any tree is refused by the parser and by every conversion, never trapping")
    func hugeIndexes() throws {
        // 100,000,000,000,000,000 parses (it is canonical), but 256 times it overflows Int64.
        let huge = try #require(Tiles.parseIndexPath("x100/x000/x000/x000/x000/000"))
        #expect(Tiles.nodeRange(index: huge.index, width: huge.width) == nil)
        #expect(Tiles.entryRange(index: huge.index, width: huge.width, treeSize: Int64.max) == nil)
        #expect(Tiles.width(level: 0, index: huge.index, treeSize: Int64.max) == 0)
        let beyond = try #require(Tiles.parseIndexPath("x036/x028/x797/x018/x963/968"))  // maxIndex + 1
        #expect(Tiles.nodeRange(index: beyond.index, width: 1) == nil)
        let largest = try #require(Tiles.parseIndexPath("x036/x028/x797/x018/x963/967"))
        #expect(largest.index == Tiles.maxIndex)
        #expect(Tiles.nodeRange(index: Tiles.maxIndex, width: 256) == nil)  // its end does not fit either
        #expect(Tiles.nodeRange(index: Tiles.maxIndex, width: 255) == (Tiles.maxIndex * 256)..<(Int64.max))
        #expect(Tiles.nodeRange(index: -1, width: 1) == nil)
        #expect(Tiles.nodeRange(index: 0, width: 0) == nil)
        #expect(Tiles.nodeRange(index: 0, width: 257) == nil)
        #expect(Tiles.entryRange(index: Tiles.maxIndex, width: 1, treeSize: Int64.max) == (Tiles.maxIndex * 256)..<(Tiles.maxIndex * 256 + 1))
        #expect(Tiles.entryRange(index: 1, width: 1, treeSize: 256) == nil)
        for level in [-1, 0, 1, 7, 8, 63, Int.max / 8] {
            for index in [-1, 0, Tiles.maxIndex, Int64.max] {
                #expect(Tiles.width(level: level, index: index, treeSize: Int64.max) >= 0)
            }
        }
        #expect(throws: VaultFormatError.self) {
            try Tiles.hashTile(Tiles.ID(level: 0, index: Int64.max, width: 1), treeSize: Int64.max, reader: ArrayHashReader())
        }
    }
}
