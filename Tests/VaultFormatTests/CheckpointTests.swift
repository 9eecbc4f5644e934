import Foundation
import Testing
import VaultFormat

@Suite("C2SP tlog-checkpoint")
struct CheckpointTests {
    @Test("the real sum.golang.org checkpoint verifies and parses")
    func sumdbCheckpoint() throws {
        let h = TestVectors.group("H")
        let key = try NoteVerifierKey(h["SUMDB_VKEY"] as! String)
        // The sumdb log's key is named sum.golang.org while its origin is "go.sum database tree", so
        // check the note and the body separately here; RegVault's own checkpoints use one name.
        let note = try SignedNote(parsing: Array((h["SUMDB_NOTE"] as! String).utf8))
        #expect(try note.verify(against: [key]) == [key])
        let checkpoint = try Checkpoint(parsing: note.text)
        #expect(checkpoint.origin == h["SUMDB_ORIGIN"] as! String)
        #expect(checkpoint.size == UInt64(h["SUMDB_SIZE"] as! Int))
        #expect(checkpoint.rootHash == hexHash(h["SUMDB_ROOT"] as! String))
        #expect(checkpoint.text == note.text)
        // ... and the origin rule refuses it as a checkpoint of a log with a differently named key.
        #expect(throws: VaultFormatError(.noKnownSignature, "")) {
            try SignedCheckpoint(verifying: Array((h["SUMDB_NOTE"] as! String).utf8), verifierKeys: [key])
        }
    }

    @Test("golang tlog's golden tree text parses; its bad variants do not")
    func goTreeText() throws {
        let e = TestVectors.group("E")
        let checkpoint = try Checkpoint(parsing: e["GO_TREE_GOLDEN"] as! String)
        #expect(checkpoint.origin == e["GO_TREE_ORIGIN"] as! String)
        #expect(checkpoint.size == UInt64(e["GO_TREE_SIZE"] as! Int))
        #expect(checkpoint.text == e["GO_TREE_GOLDEN"] as! String)
        for bad in e["GO_TREE_BAD"] as! [String] + [e["GO_TREE_JUNK"] as! String] {
            #expect(throws: VaultFormatError(.malformedCheckpoint, "")) { try Checkpoint(parsing: bad) }
        }
    }

    @Test("transparency-dev/formats unmarshal cases, with roots held to 32 bytes")
    func formatsCases() throws {
        let h = TestVectors.group("H")
        for pair in h["FMT_UNMARSHAL"] as! [[Any]] {
            let text = pair[0] as! String
            if let expected = pair[1] as? [Any] {
                let root = hexBytes(expected[2] as! String)
                if root.count == 32 {
                    let checkpoint = try Checkpoint(parsing: text)
                    #expect(checkpoint.origin == expected[0] as! String)
                    #expect(checkpoint.extensions == expected[3] as! [String])
                } else {
                    // Upstream accepts roots of any length; a checkpoint root here is always 32 bytes.
                    #expect(throws: VaultFormatError(.malformedCheckpoint, "")) { try Checkpoint(parsing: text) }
                }
            } else {
                #expect(throws: VaultFormatError(.malformedCheckpoint, "")) { try Checkpoint(parsing: text) }
            }
        }
        #expect(throws: VaultFormatError(.malformedCheckpoint, "")) {
            try Checkpoint(parsing: h["FMT_TRAILING_NEWLINES"] as! String)
        }
    }

    @Test("sizes are canonical decimals no larger than 2^64-1")
    func sizeParsing() throws {
        let root = MerkleHashing.emptyTreeHash.base64
        for good in ["0", "7", "18446744073709551615"] {
            #expect(try Checkpoint(parsing: "log\n\(good)\n\(root)\n").size == UInt64(good)!)
        }
        for bad in ["007", "+7", "-7", " 7", "7 ", "0x7", "", "18446744073709551616", "99999999999999999999999", "٧"] {
            #expect(throws: VaultFormatError(.malformedCheckpoint, ""), "\(bad)") {
                try Checkpoint(parsing: "log\n\(bad)\n\(root)\n")
            }
        }
        let nonCanonicalRoot = String(root.dropLast(2)) + "5="
        for bad in ["log\n7\n\(root)", "\n7\n\(root)\n", "log\n7\n\(nonCanonicalRoot)\n", "log\n7\n\(root)\n\n",
                    "log\n7\n\(root.dropLast())\n", String(repeating: "x", count: SignedNote.maxSize) + "\n7\n\(root)\n"] {
            #expect(throws: VaultFormatError(.malformedCheckpoint, "")) { try Checkpoint(parsing: bad) }
        }
    }

    @Test("a signed checkpoint round-trips and is bound to a key named after its origin")
    func signedCheckpointRoundTrip() throws {
        let signer = try NoteSigner(generatingKeyFor: "vault.example/log")
        let checkpoint = Checkpoint(origin: "vault.example/log", size: 42, rootHash: MerkleHashing.leafHash([1, 2, 3]))
        let signed = try SignedCheckpoint(signing: checkpoint, with: signer)
        let parsed = try SignedCheckpoint(verifying: Array(signed.serialized.utf8), verifierKeys: [signer.verifierKey])
        #expect(parsed.checkpoint == checkpoint)
        #expect(parsed.serialized == signed.serialized)

        let other = try NoteSigner(generatingKeyFor: "vault.example/log")
        #expect(throws: VaultFormatError(.noKnownSignature, "")) {
            try SignedCheckpoint(verifying: Array(signed.serialized.utf8), verifierKeys: [other.verifierKey])
        }
        let imposter = try NoteSigner(generatingKeyFor: "someone.else/log")
        let forged = try SignedNote.sign(text: checkpoint.text, signers: [imposter])
        #expect(throws: VaultFormatError(.noKnownSignature, "")) {
            try SignedCheckpoint(verifying: Array(forged.serialized.utf8), verifierKeys: [imposter.verifierKey])
        }
    }
}
