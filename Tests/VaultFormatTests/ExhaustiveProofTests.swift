import Testing
import VaultFormat

/// Grows a tree leaf by leaf and proves every leaf at every size, as golang.org/x/mod/sumdb/tlog's
/// tests do, then corrupts every byte of every proof hash.
@Suite("every proof of every small tree")
struct ExhaustiveProofTests {
    static let maxSize = 64

    @Test("roots from stored hashes and from the compact range match the RFC definition at every size")
    func rootsAtEverySize() throws {
        let (reader, leaves) = try makeTree(leafCount: Self.maxSize)
        var range = CompactRange()
        for size in 1...Self.maxSize {
            range.append(leafHash: MerkleHashing.leafHash(leaves[size - 1]))
            let expected = referenceRoot(leaves[0..<size])
            #expect(try MerkleTree.rootHash(size: Int64(size), reader: reader) == expected)
            #expect(range.rootHash == expected)
            #expect(try CompactRange(size: Int64(size), reader: reader) == range)
        }
    }

    @Test("stored hash indexes and their inverse agree, and counts add up")
    func storedHashLayout() {
        var index: Int64 = 0
        for leaf in Int64(0)..<1000 {
            for level in 0..<StoredHashes.countStored(byLeaf: leaf) {
                #expect(StoredHashes.index(level: level, leaf >> level) == index)
                let split = StoredHashes.split(index)
                #expect(split.level == level && split.n == leaf >> level && split.leaf == leaf)
                index += 1
            }
            #expect(StoredHashes.count(treeSize: leaf + 1) == index)
        }
    }

    @Test("every inclusion proof verifies, and every single-byte corruption, wrong index and wrong size fails")
    func inclusionEverywhere() throws {
        let (reader, leaves) = try makeTree(leafCount: Self.maxSize)
        var corruptionsRejected = 0
        for size in 1...Self.maxSize {
            let root = referenceRoot(leaves[0..<size])
            for index in 0..<size {
                let leafHash = MerkleHashing.leafHash(leaves[index])
                let proof = try MerkleTree.proveInclusion(index: Int64(index), size: Int64(size), reader: reader)
                try ProofCheck.checkInclusion(leafHash: leafHash, index: Int64(index), size: Int64(size),
                                              proof: proof, root: root)
                for corrupted in singleByteCorruptions(of: proof) {
                    #expect(throws: VaultFormatError.self) {
                        try ProofCheck.checkInclusion(leafHash: leafHash, index: Int64(index), size: Int64(size),
                                                      proof: corrupted, root: root)
                    }
                    corruptionsRejected += 1
                }
                #expect(throws: VaultFormatError.self) {
                    try ProofCheck.checkInclusion(leafHash: leafHash, index: Int64((index + 1) % max(size, 2)),
                                                  size: Int64(size), proof: proof, root: root)
                } 
                if size > 1 {
                    #expect(throws: VaultFormatError.self) {
                        try ProofCheck.checkInclusion(leafHash: leafHash, index: Int64(index), size: Int64(size),
                                                      proof: proof.dropLast(), root: root)
                    }
                }
                #expect(throws: VaultFormatError.self) {
                    try ProofCheck.checkInclusion(leafHash: leafHash, index: Int64(index), size: Int64(size),
                                                  proof: proof + [root], root: root)
                }
            }
        }
        #expect(corruptionsRejected > 100_000)
    }

    @Test("every consistency proof verifies, and every single-byte corruption or wrong size fails")
    func consistencyEverywhere() throws {
        let (reader, leaves) = try makeTree(leafCount: Self.maxSize)
        let roots = (0...Self.maxSize).map { referenceRoot(leaves[0..<$0]) }
        for newSize in 1...Self.maxSize {
            for oldSize in 1...newSize {
                let proof = try MerkleTree.proveConsistency(oldSize: Int64(oldSize), newSize: Int64(newSize), reader: reader)
                try ProofCheck.checkConsistency(oldSize: Int64(oldSize), newSize: Int64(newSize),
                                                oldRoot: roots[oldSize], newRoot: roots[newSize], proof: proof)
                for corrupted in singleByteCorruptions(of: proof) {
                    #expect(throws: VaultFormatError.self) {
                        try ProofCheck.checkConsistency(oldSize: Int64(oldSize), newSize: Int64(newSize),
                                                        oldRoot: roots[oldSize], newRoot: roots[newSize], proof: corrupted)
                    }
                }
                if oldSize < newSize {
                    // A proof for one pair of sizes proves nothing about the roots of another.
                    #expect(throws: VaultFormatError.self) {
                        try ProofCheck.checkConsistency(oldSize: Int64(oldSize), newSize: Int64(newSize),
                                                        oldRoot: roots[oldSize], newRoot: roots[newSize - 1], proof: proof)
                    }
                    #expect(throws: VaultFormatError.self) {
                        try ProofCheck.checkConsistency(oldSize: Int64(oldSize), newSize: Int64(newSize),
                                                        oldRoot: roots[oldSize - 1], newRoot: roots[newSize], proof: proof)
                    }
                }
            }
        }
    }

    @Test("impossible proof requests are errors, not crashes")
    func impossibleRequests() throws {
        let (reader, _) = try makeTree(leafCount: 8)
        #expect(throws: VaultFormatError.self) { try MerkleTree.proveInclusion(index: 8, size: 8, reader: reader) }
        #expect(throws: VaultFormatError.self) { try MerkleTree.proveInclusion(index: -1, size: 8, reader: reader) }
        #expect(throws: VaultFormatError.self) { try MerkleTree.proveConsistency(oldSize: 0, newSize: 8, reader: reader) }
        #expect(throws: VaultFormatError.self) { try MerkleTree.proveConsistency(oldSize: 5, newSize: 4, reader: reader) }
        #expect(throws: VaultFormatError.self) { try MerkleTree.proveInclusion(index: 3, size: 20, reader: reader) }
    }
}
