import Crypto
import Foundation
public import VaultCore
import VaultFormat

/// The sandbox's published test vectors: documents a regulator's client must accept, and documents
/// it must reject, each with the one reason a correct client reaches. Built from the sandbox log at
/// two fixed tree sizes (its initial size, and the first checkpoint at or past half of it), so a
/// scenario always gives the same vectors.
///
/// Every case is `{"id", "kind", "description", "input", "expect": "accept"|"reject", "reason"}`.
/// Kinds and the checks a client makes, in this order (the first that fails is the reason):
///
/// | kind | input | checks → reason |
/// |---|---|---|
/// | `checkpoint` | `checkpoint` (a signed note) | note syntax → `malformed_checkpoint`; a signature line of the trusted key (name and key id) → `no_trusted_signature`; that signature verifies → `bad_signature`; checkpoint body syntax (origin, canonical decimal size, 32-byte base64 root) → `malformed_checkpoint`; origin is the log's → `origin_mismatch` |
/// | `inclusion` | `checkpoint`, `entry` (base64), `index`, `treeSize`, `hashes` | the checkpoint as above; `treeSize` equals the checkpoint's size → `tree_size_mismatch`; RFC 9162 inclusion of `SHA-256(0x00 ‖ entry)` at `index` against the root → `inclusion_failed` |
/// | `consistency` | `oldCheckpoint`, `newCheckpoint`, `hashes` | both checkpoints as above; RFC 9162 consistency from the old size and root to the new → `consistency_failed` |
/// | `record` | `record`, `salt` (base64), `entry` (base64) | `SHA-256(salt ‖ record)` equals the entry's commitment (its last 32 bytes) → `commitment_mismatch` |
public enum NegativeVectors {
    public enum Reason: String, Sendable, CaseIterable {
        case malformedCheckpoint = "malformed_checkpoint"
        case noTrustedSignature = "no_trusted_signature"
        case badSignature = "bad_signature"
        case originMismatch = "origin_mismatch"
        case treeSizeMismatch = "tree_size_mismatch"
        case inclusionFailed = "inclusion_failed"
        case consistencyFailed = "consistency_failed"
        case commitmentMismatch = "commitment_mismatch"
    }

    /// The vectors of a sandbox generation, as the JSON document `/sandbox/regulator/vectors` serves.
    public static func document(for generation: SandboxLog.Generation) throws -> JSONValue {
        let vault = generation.vault
        let origin = generation.source.scenario.origin
        let signer = try SandboxKey.signer(for: generation.source)
        let newSize = generation.initialSize
        guard let newNote = try vault.store.checkpoint(size: newSize),
              let old = try vault.store.allCheckpoints().first(where: { $0.size >= max(3, newSize / 2) && $0.size < newSize }) else {
            throw VaultError(.notFound, "the vectors need two checkpoints of this scenario's initial records, at least half of them "
                + "apart; its initial records are too few (replay.initialRecords)")
        }
        let oldSize = old.size, oldNote = old.note
        var cases: [JSONValue] = []
        cases += try checkpointCases(note: newNote, origin: origin, signer: signer, size: newSize)
        cases += try inclusionCases(vault: vault, note: newNote, oldSize: oldSize, newSize: newSize)
        cases += try consistencyCases(vault: vault, old: oldNote, new: newNote, origin: origin, signer: signer,
                                      oldSize: oldSize, newSize: newSize)
        cases += try recordCases(vault: vault, seq: oldSize / 2)
        return .object([
            "origin": .string(origin),
            "verifierKey": .string(signer.verifierKey.description),
            "scenario": .string(generation.source.scenario.name),
            "reasons": .array(Reason.allCases.map { .string($0.rawValue) }),
            "vectors": .array(cases),
        ])
    }

    // MARK: checkpoints

    private static func checkpointCases(note: String, origin: String, signer: NoteSigner, size: Int64) throws -> [JSONValue] {
        let parsed = try SignedNote(parsing: Array(note.utf8))
        let body = parsed.text
        let genuine = parsed.signatures[0]
        let stranger = try NoteSigner(name: origin, publicSeed: Array(SHA256.hash(data: Array("RegVault sandbox vector: unknown key".utf8))))
        var flipped = genuine.signature
        flipped[10] ^= 0x01
        let root = try Checkpoint(parsing: body).rootHash
        func signed(_ text: String) throws -> String { try SignedNote.sign(text: text, signers: [signer]).serialized }
        return [
            make("checkpoint-valid", "checkpoint", "The sandbox's genuine checkpoint at tree size \(size).",
                 ["checkpoint": .string(note)], nil),
            make("checkpoint-unknown-key", "checkpoint",
                 "The same checkpoint signed by another Ed25519 key under the sandbox key's name: its key id is not the trusted key's.",
                 ["checkpoint": .string(try SignedNote.sign(text: body, signers: [stranger]).serialized)], .noTrustedSignature),
            make("checkpoint-wrong-key-id", "checkpoint",
                 "The genuine signature on a line whose 4-byte key id is not the trusted key's.",
                 ["checkpoint": .string(noteText(body, genuine.name, genuine.keyID ^ 1, genuine.signature))], .noTrustedSignature),
            make("checkpoint-bad-signature", "checkpoint",
                 "The trusted key's name and key id, with one bit of the Ed25519 signature flipped.",
                 ["checkpoint": .string(noteText(body, genuine.name, genuine.keyID, flipped))], .badSignature),
            make("checkpoint-non-canonical-size", "checkpoint",
                 "A correctly signed checkpoint whose size is written with a leading zero.",
                 ["checkpoint": .string(try signed("\(origin)\n0\(size)\n\(root.base64)\n"))], .malformedCheckpoint),
            make("checkpoint-short-root", "checkpoint",
                 "A correctly signed checkpoint whose root hash is 31 bytes.",
                 ["checkpoint": .string(try signed("\(origin)\n\(size)\n\(Data(root.bytes.dropLast()).base64EncodedString())\n"))],
                 .malformedCheckpoint),
            make("checkpoint-missing-blank-line", "checkpoint",
                 "The genuine checkpoint without the blank line that separates the text from its signatures.",
                 ["checkpoint": .string(note.replacingOccurrences(of: "\n\n", with: "\n"))], .malformedCheckpoint),
            make("checkpoint-other-origin", "checkpoint",
                 "A checkpoint correctly signed by the sandbox key whose first line names another log.",
                 ["checkpoint": .string(try signed("\(origin)-other\n\(size)\n\(root.base64)\n"))], .originMismatch),
        ]
    }

    /// A note with one signature line, as C2SP signed-note writes it.
    private static func noteText(_ text: String, _ name: String, _ keyID: UInt32, _ signature: [UInt8]) -> String {
        text + "\n\u{2014} \(name) " + Data(withUnsafeBytes(of: keyID.bigEndian, Array.init) + signature).base64EncodedString() + "\n"
    }

    // MARK: inclusion

    private static func inclusionCases(vault: Vault, note: String, oldSize: Int64, newSize: Int64) throws -> [JSONValue] {
        let index = oldSize / 2
        let entry = try vault.entry(seq: index).bytes
        let proof = try vault.inclusionProof(seq: index, size: newSize)
        let oldProof = try vault.inclusionProof(seq: index, size: oldSize)
        func input(_ entry: Data, _ index: Int64, _ size: Int64, _ hashes: [Hash]) -> [String: JSONValue] {
            ["checkpoint": .string(note), "entry": .base64(entry), "index": .int(index), "treeSize": .int(size),
             "hashes": .hashes(hashes)]
        }
        var changed = entry
        changed[changed.count - 1] ^= 0x01
        var flipped = proof.hashes
        var bytes = flipped[0].bytes
        bytes[0] ^= 0x80
        flipped[0] = Hash(bytes: bytes)!
        return [
            make("inclusion-valid", "inclusion", "Entry \(index) with its inclusion proof against the checkpoint.",
                 input(entry, index, newSize, proof.hashes), nil),
            make("inclusion-entry-changed", "inclusion", "Entry \(index) with one bit of its commitment changed, and the genuine proof.",
                 input(changed, index, newSize, proof.hashes), .inclusionFailed),
            make("inclusion-hash-flipped", "inclusion", "Entry \(index) with one bit of the first proof hash flipped.",
                 input(entry, index, newSize, flipped), .inclusionFailed),
            make("inclusion-wrong-index", "inclusion", "Entry \(index) and its genuine proof, claimed for index \(index + 1).",
                 input(entry, index + 1, newSize, proof.hashes), .inclusionFailed),
            make("inclusion-wrong-tree-size", "inclusion",
                 "A genuine proof of entry \(index) in the tree of size \(oldSize), presented with the checkpoint of size \(newSize).",
                 input(entry, index, oldSize, oldProof.hashes), .treeSizeMismatch),
        ]
    }

    // MARK: consistency

    private static func consistencyCases(vault: Vault, old: String, new: String, origin: String, signer: NoteSigner,
                                         oldSize: Int64, newSize: Int64) throws -> [JSONValue] {
        let proof = try vault.consistencyProof(from: oldSize, to: newSize)
        var flipped = proof.hashes
        var bytes = flipped[flipped.count - 1].bytes
        bytes[31] ^= 0x01
        flipped[flipped.count - 1] = Hash(bytes: bytes)!
        // A fork: the same log with one entry before the old size changed, signed by the log's key.
        var fork = ArrayHashReader()
        let leaves = try vault.store.leaves(from: 0, to: newSize)
        for leaf in leaves {
            var entry = leaf.entry
            if leaf.seq == oldSize / 3 { entry[entry.count - 1] ^= 0x01 }
            try fork.append(leafHash: MerkleHashing.leafHash(entry))
        }
        let forkRoot = try MerkleTree.rootHash(size: newSize, reader: fork)
        let forkNote = try SignedCheckpoint(signing: Checkpoint(origin: origin, size: UInt64(newSize), rootHash: forkRoot),
                                            with: signer).serialized
        let forkProof = try MerkleTree.proveConsistency(oldSize: oldSize, newSize: newSize, reader: fork)
        func input(_ new: String, _ hashes: [Hash]) -> [String: JSONValue] {
            ["oldCheckpoint": .string(old), "newCheckpoint": .string(new), "hashes": .hashes(hashes)]
        }
        return [
            make("consistency-valid", "consistency", "The consistency proof from tree size \(oldSize) to \(newSize).",
                 input(new, proof.hashes), nil),
            make("consistency-fork", "consistency",
                 "A checkpoint correctly signed by the sandbox key for a forked log, in which entry \(oldSize / 3) differs, "
                     + "with the fork's own consistency proof.",
                 input(forkNote, forkProof), .consistencyFailed),
            make("consistency-hash-flipped", "consistency", "The genuine proof with one bit of its last hash flipped.",
                 input(new, flipped), .consistencyFailed),
        ]
    }

    // MARK: records

    private static func recordCases(vault: Vault, seq: Int64) throws -> [JSONValue] {
        guard let record = try vault.store.recordsForCheck(from: seq, to: seq + 1).first?.record,
              let body = record.body, let salt = record.salt else {
            throw VaultError(.notFound, "sandbox record \(seq) cannot be read")
        }
        let entry = try vault.entry(seq: seq).bytes
        var changed = body
        // Change a digit (or the last byte): still JSON-looking, no longer what was committed to.
        let at = changed.firstIndex(where: { $0 >= 0x30 && $0 <= 0x38 }) ?? changed.index(before: changed.endIndex)
        changed[at] += 1
        return [
            make("record-valid", "record", "Record \(seq)'s bytes and salt with its entry.",
                 ["record": .base64(body), "salt": .base64(salt), "entry": .base64(entry)], nil),
            make("record-changed", "record", "Record \(seq) with one digit changed, its genuine salt and entry.",
                 ["record": .base64(changed), "salt": .base64(salt), "entry": .base64(entry)], .commitmentMismatch),
        ]
    }

    private static func make(_ id: String, _ kind: String, _ description: String, _ input: [String: JSONValue],
                             _ reason: Reason?) -> JSONValue {
        var object: [String: JSONValue] = ["id": .string(id), "kind": .string(kind), "description": .string(description),
                                           "input": .object(input), "expect": .string(reason == nil ? "accept" : "reject")]
        if let reason { object["reason"] = .string(reason.rawValue) }
        return .object(object)
    }
}
