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
}
