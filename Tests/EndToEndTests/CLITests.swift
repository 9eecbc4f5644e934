import Foundation
import Testing
import VaultFormat
import VaultSandbox

/// The CLI as an operator uses it: real processes, real files.
@Suite("regvault CLI")
struct CLITests {
    let data = RegVaultBinary.temporaryDirectory("cli")

    func json(_ line: Substring) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
    }

    func records(_ count: Int, seed: UInt64 = 11) -> String {
        SyntheticRecords(seed: seed, count: count).map { $0 + "\n" }.joined()
    }

    @Test("init, append, checkpoint, entry, proofs and history work together, and the proofs verify")
    func happyPath() throws {
        let initResult = try RegVaultBinary.run(["init", "--data", data, "--origin", "cli.test/log"])
        #expect(initResult.status == 0)
        let key = try NoteVerifierKey(initResult.stdout.trimmingCharacters(in: .newlines))
        #expect(try RegVaultBinary.run(["keys", "public", "--data", data]).stdout == key.description + "\n")

        let append = try RegVaultBinary.run(["append", "--data", data, "-"], input: records(400))
        #expect(append.status == 0, "\(append.stderr)")
        let acks = try append.stdout.split(separator: "\n").map(json)
        // Seq 0 is the entry of the retention policy, which the first batch records first.
        #expect(acks.map { $0["seq"] as! Int } == Array(1...400))

        let note = try RegVaultBinary.run(["checkpoint", "--data", data]).stdout
        let checkpoint = try SignedCheckpoint(verifying: Array(note.utf8), verifierKeys: [key]).checkpoint
        #expect(checkpoint.size == 401)

        let entry = try json(RegVaultBinary.run(["entry", "--data", data, "--seq", "123"]).stdout.dropLast())
        let entryBytes = Data(base64Encoded: entry["entry"] as! String)!
        #expect(MerkleHashing.leafHash(entryBytes).base64 == entry["leafHash"] as! String)

        let inclusion = try json(RegVaultBinary.run(["prove", "inclusion", "--data", data, "--seq", "123"]).stdout.dropLast())
        #expect(inclusion["treeSize"] as! Int == 401 && inclusion["index"] as! Int == 123)
        try ProofCheck.checkInclusion(leafHash: MerkleHashing.leafHash(entryBytes), index: 123, size: 401,
                                      proof: (inclusion["hashes"] as! [String]).map { Hash(base64: $0)! },
                                      root: checkpoint.rootHash)

        _ = try RegVaultBinary.run(["append", "--data", data, "-"], input: records(100, seed: 12))
        let newNote = try RegVaultBinary.run(["checkpoint", "--data", data]).stdout
        let newCheckpoint = try SignedCheckpoint(verifying: Array(newNote.utf8), verifierKeys: [key]).checkpoint
        let consistency = try json(RegVaultBinary.run(["prove", "consistency", "--data", data, "--from", "401", "--to", "501"])
            .stdout.dropLast())
        try ProofCheck.checkConsistency(oldSize: 401, newSize: 501, oldRoot: checkpoint.rootHash, newRoot: newCheckpoint.rootHash,
                                        proof: (consistency["hashes"] as! [String]).map { Hash(base64: $0)! })

        let history = try RegVaultBinary.run(["history", "--data", data, "--entity", "bonusRule", "--id", "123"])
        let versions = try history.stdout.split(separator: "\n").map(json)
        #expect(!versions.isEmpty)
        #expect(versions.map { $0["version"] as! Int } == Array(1...versions.count))
        for version in versions {
            #expect(version["diff"] is [Any] && version["actor"] is [String: Any] && version["reason"] is String)
        }
    }

    @Test("a bad line refuses the whole input with its line and field, and stores nothing")
    func refusedInput() throws {
        try RegVaultBinary.run(["init", "--data", data, "--origin", "cli.test/log"])
        _ = try RegVaultBinary.run(["append", "--data", data, "-"], input: records(10))
        let before = try RegVaultBinary.run(["checkpoint", "--data", data]).stdout
        var lines = records(5, seed: 99).split(separator: "\n").map(String.init)
        lines[2] = lines[2].replacingOccurrences(of: #""jurisdiction":"#, with: #""jurisdiction":7,"x":"#)
        let result = try RegVaultBinary.run(["append", "--data", data, "-"], input: lines.joined(separator: "\n") + "\n")
        #expect(result.status == 65)
        #expect(result.stderr.contains("line 3"))
        #expect(result.stdout.isEmpty)
        #expect(try RegVaultBinary.run(["checkpoint", "--data", data]).stdout == before)

        // Re-using an event id with different content is refused the same way.
        let first = records(1).split(separator: "\n")[0]
        let changed = first.replacingOccurrences(of: "2026-01-01T00:00:00Z", with: "2026-01-01T00:00:01Z")
        #expect(changed != first)
        let conflict = try RegVaultBinary.run(["append", "--data", data, "-"], input: records(3, seed: 5) + changed + "\n")
        #expect(conflict.status == 65 && conflict.stderr.contains("line 4") && conflict.stderr.contains("different content"))
        #expect(try RegVaultBinary.run(["checkpoint", "--data", data]).stdout == before)
    }

    @Test("appending the same input twice is idempotent")
    func idempotentAppend() throws {
        try RegVaultBinary.run(["init", "--data", data, "--origin", "cli.test/log"])
        let first = try RegVaultBinary.run(["append", "--data", data, "-"], input: records(50))
        let second = try RegVaultBinary.run(["append", "--data", data, "-"], input: records(50))
        #expect(second.status == 0)
        let firstSeqs = try first.stdout.split(separator: "\n").map { try json($0)["seq"] as! Int }
        let secondAcks = try second.stdout.split(separator: "\n").map(json)
        #expect(secondAcks.map { $0["seq"] as! Int } == firstSeqs)
        #expect(secondAcks.allSatisfy { $0["duplicate"] as? Bool == true })
        #expect(try RegVaultBinary.run(["checkpoint", "--data", data]).stdout.split(separator: "\n")[1] == "51")
    }

    @Test("mistakes get clear errors and a non-zero status")
    func clearErrors() throws {
        let missing = try RegVaultBinary.run(["checkpoint", "--data", data])
        #expect(missing.status != 0 && missing.stderr.contains("no vault"))
        try RegVaultBinary.run(["init", "--data", data, "--origin", "cli.test/log"])
        let again = try RegVaultBinary.run(["init", "--data", data, "--origin", "cli.test/log"])
        #expect(again.status != 0 && again.stderr.contains("already holds a vault"))
        let noEntry = try RegVaultBinary.run(["entry", "--data", data, "--seq", "5"])
        #expect(noEntry.status != 0 && noEntry.stderr.contains("no entry 5"))
        let badProof = try RegVaultBinary.run(["prove", "consistency", "--data", data, "--from", "3", "--to", "2"])
        #expect(badProof.status != 0 && badProof.stderr.contains("from"))
        let noHistory = try RegVaultBinary.run(["history", "--data", data, "--entity", "bonusRule", "--id", "nope"])
        #expect(noHistory.status != 0 && noHistory.stderr.contains("no records"))
        let noFile = try RegVaultBinary.run(["append", "--data", data, "/nonexistent/records.jsonl"])
        #expect(noFile.status != 0 && noFile.stderr.contains("cannot read"))
    }
}
