import Foundation
import Testing
import VaultCore
import VaultFormat
@testable import VaultSandbox

/// Runs every published vector through a client written here from the checks the vectors document
/// states (VaultFormat's parsers and proof checks, no server code), and expects exactly the
/// stated verdict and reason.
@Suite("the sandbox's test vectors", .serialized)
struct NegativeVectorTests {
    struct Refused: Error { let reason: String }

    let key: NoteVerifierKey
    let origin: String

    func checkpoint(_ text: String) throws -> Checkpoint {
        guard let note = try? SignedNote(parsing: Array(text.utf8)) else { throw Refused(reason: "malformed_checkpoint") }
        let trusted = note.signatures.filter { $0.name == key.name && $0.keyID == key.keyID }
        guard !trusted.isEmpty else { throw Refused(reason: "no_trusted_signature") }
        guard trusted.allSatisfy({ key.isValidSignature($0.signature, for: Array(note.text.utf8)) }) else {
            throw Refused(reason: "bad_signature")
        }
        guard let checkpoint = try? Checkpoint(parsing: note.text) else { throw Refused(reason: "malformed_checkpoint") }
        guard checkpoint.origin == origin else { throw Refused(reason: "origin_mismatch") }
        return checkpoint
    }

    struct BadInput: Error {}

    func text(_ value: JSONValue?) throws -> String {
        guard let text = value?.stringValue else { throw BadInput() }
        return text
    }

    func bytes(_ value: JSONValue?) throws -> [UInt8] {
        guard let data = Data(base64Encoded: try text(value)) else { throw BadInput() }
        return [UInt8](data)
    }

    func hashes(_ value: JSONValue?) throws -> [Hash] {
        guard let array = value?.arrayValue else { throw BadInput() }
        return try array.map { guard let hash = Hash(base64: try text($0)) else { throw BadInput() }; return hash }
    }

    func int(_ value: JSONValue?) throws -> Int64 {
        guard let text = value?.numberText, let number = Int64(text) else { throw BadInput() }
        return number
    }

    /// nil if the client accepts the input, else the reason it refuses it.
    func verdict(kind: String, input: [String: JSONValue]) throws -> String? {
        do {
            switch kind {
            case "checkpoint":
                _ = try checkpoint(try text(input["checkpoint"]))
            case "inclusion":
                let tree = try checkpoint(try text(input["checkpoint"]))
                let size = try int(input["treeSize"])
                guard UInt64(size) == tree.size else { throw Refused(reason: "tree_size_mismatch") }
                do {
                    try ProofCheck.checkInclusion(leafHash: MerkleHashing.leafHash(try bytes(input["entry"])), index: try int(input["index"]),
                                                  size: size, proof: try hashes(input["hashes"]), root: tree.rootHash)
                } catch is VaultFormatError { throw Refused(reason: "inclusion_failed") }
            case "consistency":
                let old = try checkpoint(try text(input["oldCheckpoint"]))
                let new = try checkpoint(try text(input["newCheckpoint"]))
                do {
                    try ProofCheck.checkConsistency(oldSize: Int64(old.size), newSize: Int64(new.size), oldRoot: old.rootHash,
                                                    newRoot: new.rootHash, proof: try hashes(input["hashes"]))
                } catch is VaultFormatError { throw Refused(reason: "consistency_failed") }
            case "record":
                let entry = try bytes(input["entry"])
                let commitment = Entry.commitment(salt: try bytes(input["salt"]), record: try bytes(input["record"]))
                guard commitment.bytes == Array(entry.suffix(32)) else { throw Refused(reason: "commitment_mismatch") }
            default:
                Issue.record("unknown kind \(kind)")
            }
            return nil
        } catch let refused as Refused {
            return refused.reason
        }
    }

    init() throws {
        origin = SandboxLogTests.demo.scenario.origin
        key = try SandboxKey.signer(for: SandboxLogTests.demo).verifierKey
    }

    @Test("every vector gets exactly its stated verdict and reason from an independent client; every reason is exercised")
    func verdicts() async throws {
        let log = SandboxLog(root: SandboxLogTests.temporaryDirectory("vectors"))
        try await log.start(SandboxLogTests.demo)
        let document = try NegativeVectors.document(for: try #require(log.current()))
        #expect(document["verifierKey"]?.stringValue == key.description)
        let vectors = try #require(document["vectors"]?.arrayValue)
        var reasons: Set<String> = []
        var accepted = 0
        for vector in vectors {
            let id = try #require(vector["id"]?.stringValue)
            let kind = try #require(vector["kind"]?.stringValue), input = try #require(vector["input"]?.objectValue)
            let got = try verdict(kind: kind, input: input)
            let expected = vector["expect"]?.stringValue == "accept" ? nil : vector["reason"]?.stringValue
            #expect(got == expected, "\(id)")
            if let expected { reasons.insert(expected) } else { accepted += 1 }
        }
        #expect(accepted == 4, "a valid control for each kind")
        #expect(reasons == Set(NegativeVectors.Reason.allCases.map(\.rawValue)))

        // The vectors stay the same while the log grows, and are the same for every sandbox.
        try await log.tick()
        #expect(try NegativeVectors.document(for: try #require(log.current())) == document)
    }
}
