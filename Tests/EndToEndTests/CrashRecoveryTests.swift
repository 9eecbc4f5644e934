import Foundation
import Testing
import VaultCore
import VaultFormat
import VaultSandbox

/// Kills `regvault append` with SIGKILL at random points while it ingests, then checks that every
/// acknowledged record survived, that the tree matches the last signed checkpoint, and that each
/// new checkpoint is consistent with the one before the crash.
@Suite("crash recovery", .serialized)
struct CrashRecoveryTests {
    struct Ack: Hashable {
        let eventId: String
        let seq: Int64
    }

    static let recordCount = 40_000

    @Test("SIGKILL during ingest loses nothing acknowledged and keeps the log consistent")
    func killDuringIngest() throws {
        let data = RegVaultBinary.temporaryDirectory("crash")
        #expect(try RegVaultBinary.run(["init", "--data", data, "--origin", "crash.test/log"]).status == 0)
        let input = data + "-input.jsonl"
        try SyntheticRecords(seed: 21, count: Self.recordCount).map { $0 + "\n" }.joined()
            .write(toFile: input, atomically: true, encoding: .utf8)
        var rng = SystemRandomNumberGenerator()
        var acknowledged: [String: Int64] = [:]
        var previous: Checkpoint?

        for round in 1...5 {
            // Each round re-sends the whole input: what was stored comes back as duplicates.
            let killAfter = round == 5 ? nil : Int.random(in: 1...8, using: &rng) * 1_000 + Int.random(in: 0..<500, using: &rng)
            let acks = try appendAndMaybeKill(data: data, input: input, killAfterAcks: killAfter,
                                              delayMicros: UInt32.random(in: 0..<50_000, using: &rng))
            for ack in acks {
                if let earlier = acknowledged[ack.eventId] {
                    #expect(earlier == ack.seq, "event \(ack.eventId) changed seq")
                }
                acknowledged[ack.eventId] = ack.seq
            }

            // Reopening verifies the stored tree against the latest signed checkpoint.
            let vault = try Vault.open(at: data)
            let checkpoint = try #require(try vault.latestCheckpoint()).checkpoint
            let stored = try vault.store.records(eventIds: Array(acknowledged.keys))
            #expect(stored.count == acknowledged.count, "round \(round): acknowledged records missing")
            for (eventId, seq) in acknowledged { #expect(stored[eventId]?.seq == seq) }

            // Recompute the root from the stored entries alone.
            let size = Int64(checkpoint.size)
            var range = CompactRange()
            for leaf in try vault.store.leaves(from: 0, to: size) {
                range.append(leafHash: MerkleHashing.leafHash(leaf.entry))
            }
            #expect(range.rootHash == checkpoint.rootHash, "round \(round): root differs from the signed checkpoint")
            #expect(try vault.store.treeSize() == size)

            if let previous, previous.size > 0 {
                let proof = try vault.consistencyProof(from: Int64(previous.size), to: size)
                try ProofCheck.checkConsistency(oldSize: Int64(previous.size), newSize: size, oldRoot: previous.rootHash,
                                                newRoot: checkpoint.rootHash, proof: proof.hashes)
            }
            previous = checkpoint
        }
        #expect(acknowledged.count == Self.recordCount)
        // Seq 0 is the retention policy's entry; the records follow it.
        #expect(Set(acknowledged.values) == Set((1...Int64(Self.recordCount))))
    }

    /// Runs an append of `input`, killing it with SIGKILL a little after `killAfterAcks` acknowledgements
    /// (or letting it finish when nil), and returns every acknowledgement it printed.
    func appendAndMaybeKill(data: String, input: String, killAfterAcks: Int?, delayMicros: UInt32) throws -> [Ack] {
        let process = Process()
        process.executableURL = RegVaultBinary.url
        process.arguments = ["append", "--data", data, input, "--batch-size", "500"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var buffer = Data()
        var killed = false
        while true {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            if let killAfterAcks, !killed, buffer.reduce(0, { $1 == 0x0A ? $0 + 1 : $0 }) >= killAfterAcks {
                usleep(delayMicros)
                kill(process.processIdentifier, SIGKILL)
                killed = true
            }
        }
        process.waitUntilExit()
        if killAfterAcks == nil { #expect(process.terminationStatus == 0) }
        // Only whole lines are acknowledgements.
        let text = String(decoding: buffer, as: UTF8.self)
        let lines = text.hasSuffix("\n") ? text.split(separator: "\n") : text.split(separator: "\n").dropLast()
        return try lines.map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return Ack(eventId: object["eventId"] as! String, seq: Int64(object["seq"] as! Int))
        }
    }
}
