import Foundation
import Testing
import VaultFormat

/// Signed notes against golang.org/x/mod/sumdb/note's keys and notes and the C2SP examples.
@Suite("C2SP signed notes")
struct SignedNoteTests {
    let go = TestVectors.group("F")
    var peter: NoteVerifierKey { try! NoteVerifierKey(go["PETER_VKEY"] as! String) }
    var enoch: NoteVerifierKey { try! NoteVerifierKey(go["ENOCH_VKEY"] as! String) }
    var text: String { go["GO_TEXT"] as! String }
    var peterNote: String { text + "\n" + (go["PETER_SIG"] as! String) }

    @Test("verifier keys parse, and key ids are SHA-256(name || 0x0A || 0x01 || key)[:4]")
    func verifierKeys() throws {
        #expect(peter.name == "PeterNeumann")
        #expect(String(peter.keyID, radix: 16) == go["PETER_KEY_ID"] as! String)
        #expect(peter.description == go["PETER_VKEY"] as! String)
        for bad in go["GO_BAD_VKEYS"] as! [String] {
            #expect(throws: VaultFormatError.self) { try NoteVerifierKey(bad) }
        }
        for bad in ["", "a+b", "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                    "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW+",
                    // An upper-case key id is not the key's canonical text (found by the note fuzz target).
                    "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"] {
            #expect(throws: VaultFormatError.self) { try NoteVerifierKey(bad) }
        }
    }

    @Test("signing with the published private keys reproduces the published signatures")
    func signingReproducesVectors() throws {
        let signer = try NoteSigner(privateKeyText: go["PETER_SKEY"] as! String)
        #expect(signer.verifierKey == peter)
        #expect(signer.privateKeyText == go["PETER_SKEY"] as! String)
        let note = try SignedNote.sign(text: text, signers: [signer])
        #expect(note.serialized == peterNote)

        // Enoch's key is the all-zero seed.
        let seed = Data(hexBytes(go["ENOCH_SEED"] as! String))
        let enochText = "PRIVATE+KEY+EnochRoot+af0cfe78+" + (Data([1]) + seed).base64EncodedString()
        let enochSigner = try NoteSigner(privateKeyText: enochText)
        #expect(enochSigner.verifierKey == enoch)
        let both = try SignedNote.sign(text: text, signers: [signer, enochSigner])
        #expect(both.serialized == peterNote + (go["ENOCH_SIG"] as! String))
    }

    @Test("a note verifies with a known key; unknown keys are ignored; none known is refused")
    func verification() throws {
        let note = try SignedNote(parsing: Array(peterNote.utf8))
        #expect(try note.verify(against: [peter]) == [peter])
        #expect(try note.verify(against: [enoch, peter]) == [peter])
        #expect(throws: VaultFormatError(.noKnownSignature, "")) { try note.verify(against: [enoch]) }
        #expect(throws: VaultFormatError(.noKnownSignature, "")) { try note.verify(against: []) }

        let twoSigned = try SignedNote(parsing: Array((peterNote + (go["ENOCH_SIG"] as! String)).utf8))
        #expect(try twoSigned.verify(against: [peter, enoch]).count == 2)
        #expect(try twoSigned.verify(against: [enoch]) == [enoch])
    }

    @Test("an invalid signature from a known key rejects the note")
    func corruptedSignature() throws {
        var bytes = Array(peterNote.utf8)
        let at = go["GO_CORRUPT_AT"] as! Int
        let with = Array((go["GO_CORRUPT_WITH"] as! String).utf8)
        // Corrupt inside the signature's base64, keeping it valid base64 (as upstream does).
        let sigStart = Array(text.utf8).count + 1
        bytes.replaceSubrange((sigStart + at)..<(sigStart + at + with.count), with: with)
        let note = try SignedNote(parsing: bytes)
        #expect(throws: VaultFormatError(.invalidSignature, "")) { try note.verify(against: [peter]) }

        // So does a signed text changed after signing.
        let changed = try SignedNote(parsing: Array(peterNote.replacingOccurrences(of: "problem", with: "prob1em").utf8))
        #expect(throws: VaultFormatError(.invalidSignature, "")) { try changed.verify(against: [peter]) }
    }

    @Test("a signature line with a wrong key id is treated as from an unknown key")
    func wrongKeyID() throws {
        let edit = go["GO_WRONG_KEY_ID_EDIT"] as! [String]
        let note = try SignedNote(parsing: Array(peterNote.replacingOccurrences(of: edit[0], with: edit[1]).utf8))
        #expect(throws: VaultFormatError(.noKnownSignature, "")) { try note.verify(against: [peter]) }
    }

    @Test("malformed notes are refused before any signature is checked")
    func malformedNotes() {
        let sig = go["PETER_SIG"] as! String
        let tooMany = text + "\n" + String(repeating: sig, count: go["GO_TOO_MANY_SIGS"] as! Int)
        var cases: [[UInt8]] = [
            Array(tooMany.utf8),
            Array(("If you think " + (go["GO_BAD_MSG_CTRL"] as! String) + "\n\n" + sig).utf8),
            Array("bad \n".utf8) + hexBytes(go["GO_BAD_MSG_UTF8"] as! String) + Array(("\n\n" + sig).utf8),
            Array((text + "\n" + (go["GO_BAD_NAME_SIG"] as! String) + "\n").utf8),
            Array((peterNote + (go["GO_UNEXPECTED_LINE"] as! String)).utf8),
            Array((text + "\n").utf8),                       // no signatures
            Array(text.utf8),                                // no blank line
            Array(peterNote.dropLast().utf8),                // no final newline
            Array(("no newline at end of text" + "\n" + sig).utf8),
            Array((text + "\n" + sig.replacingOccurrences(of: "\u{2014}", with: "-")).utf8),
        ]
        cases.append([UInt8](repeating: 0x41, count: SignedNote.maxSize + 1))
        for (i, bytes) in cases.enumerated() {
            #expect(throws: VaultFormatError(.malformedNote, ""), "case \(i)") { try SignedNote(parsing: bytes) }
        }
    }

    @Test("the C2SP signed-note example verifies, and the quasimodo example parses")
    func c2spExamples() throws {
        let c2sp = TestVectors.group("G")
        let key = try NoteVerifierKey(c2sp["C2SP_FOO_VKEY"] as! String)
        let note = try SignedNote(parsing: Array((c2sp["C2SP_FOO_NOTE"] as! String).utf8))
        #expect(note.text == c2sp["C2SP_FOO_TEXT"] as! String)
        #expect(try note.verify(against: [key]) == [key])
        #expect(note.serialized == c2sp["C2SP_FOO_NOTE"] as! String)
        let poem = try SignedNote(parsing: Array((c2sp["C2SP_QUASIMODO"] as! String).utf8))
        #expect(poem.text.hasSuffix("ed è subito sera.\n"))
        #expect(poem.signatures.map(\.name) == ["quasimodo.example/salvatore"])
    }
}
