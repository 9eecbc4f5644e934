import Foundation
import Testing
import VaultCore
import VaultFormat
import VaultSandbox

@Suite("ingest: sequencing, checkpoints, idempotency")
struct LogWriterTests {
    @Test("a new vault has a signed checkpoint of the empty tree")
    func emptyCheckpoint() throws {
        let fixture = try VaultFixture()
        let checkpoint = try #require(try fixture.vault.latestCheckpoint())
        #expect(checkpoint.checkpoint.size == 0)
        #expect(checkpoint.checkpoint.rootHash == MerkleHashing.emptyTreeHash)
        #expect(checkpoint.checkpoint.origin == "test.regvault.local/log")
    }

    @Test("records get consecutive sequence numbers and each batch is covered by a signed checkpoint")
    func sequencingAndCheckpoints() async throws {
        let fixture = try VaultFixture()
        let first = try await fixture.append((0..<5).map { bonusRuleChange("evt-\($0)", state: #"{"maxBonus":\#($0)}"#) })
        // Seq 0 is the retention policy's entry, which the first batch records before its records.
        #expect(first.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(first.allSatisfy { !$0.duplicate })
        let second = try await fixture.append([bonusRuleChange("evt-5", state: "{}")])
        #expect(second.map(\.seq) == [6])

        let checkpoint = try #require(try fixture.vault.latestCheckpoint())
        #expect(checkpoint.checkpoint.size == 7)
        // The signed root is the RFC 9162 root of the stored entries, recomputed independently.
        var range = CompactRange()
        for seq in Int64(0)..<7 {
            let entry = try fixture.vault.entry(seq: seq)
            #expect(MerkleHashing.leafHash(entry.bytes) == entry.leafHash)
            let parsed = try Entry(parsing: entry.bytes)
            #expect(parsed.seq == UInt64(seq) && parsed.kind == (seq == 0 ? .policy : .record)
                && parsed.recordedAt == VaultFixture.now)
            range.append(leafHash: entry.leafHash)
        }
        #expect(range.rootHash == checkpoint.checkpoint.rootHash)
        // The checkpoint after the first batch was kept and is consistent with the latest.
        let earlier = try #require(try fixture.vault.store.checkpoint(size: 6))
        let old = try SignedCheckpoint(verifying: Array(earlier.utf8), verifierKeys: [fixture.vault.verifierKey])
        let proof = try fixture.vault.consistencyProof(from: 6, to: 7)
        try ProofCheck.checkConsistency(oldSize: 6, newSize: 7, oldRoot: old.checkpoint.rootHash,
                                        newRoot: checkpoint.checkpoint.rootHash, proof: proof.hashes)
    }

    @Test("the entry holds no personal data, only a salted commitment to the record")
    func entryCommitment() async throws {
        let fixture = try VaultFixture()
        try await fixture.append([bonusRuleChange("evt-1", state: #"{"note":"MARKER-PII-12345"}"#)])
        let entry = try fixture.vault.entry(seq: VaultFixture.firstRecordSeq)
        #expect(!String(decoding: entry.bytes, as: UTF8.self).contains("MARKER"))
        let item = try #require(try fixture.vault.history(entityType: "bonusRule", entityId: "123").first)
        let salt = try #require(item.record.salt)
        #expect(salt.count >= Entry.minimumSaltLength)
        let body = try #require(item.record.body)
        #expect(try Entry(parsing: entry.bytes).commitment == Entry.commitment(salt: salt, record: body))
        let parsed = try Entry(parsing: entry.bytes)
        #expect(parsed.retentionMode == .compliance && parsed.retentionClass == "default.all")
        #expect(parsed.retainUntil == Timestamp.addingYears(7, toMillis: VaultFixture.now))
    }

    @Test("the same event id with the same content returns the original seq and stores nothing new")
    func idempotentResubmission() async throws {
        let fixture = try VaultFixture()
        let record = bonusRuleChange("evt-1", state: #"{"maxBonus":200}"#)
        let original = try await fixture.append([record, bonusRuleChange("evt-2", state: "{}")])
        // Key order and white space do not matter: the canonical bytes are compared.
        let reordered = #"{ "state": {"maxBonus": 200}, "eventId": "evt-1", "stream": "audit.change", "entity": {"id": "123", "type": "bonusRule"}, "action": "update", "actor": {"ip": "10.0.0.5", "id": "bo-admin-7", "role": "bonus_manager"}, "occurredAt": "2026-11-20T10:00:00Z", "reason": "raise cap", "jurisdiction": "MT" }"#
        let again = try await fixture.append([reordered, record])
        #expect(again == [AppendResult(eventId: "evt-1", seq: original[0].seq, duplicate: true),
                          AppendResult(eventId: "evt-1", seq: original[0].seq, duplicate: true)])
        #expect(try fixture.vault.checkpointSize() == 3)
    }

    @Test("the same event id with different content is refused, naming the line, and the batch stores nothing")
    func conflictingResubmission() async throws {
        let fixture = try VaultFixture()
        try await fixture.append([bonusRuleChange("evt-1", state: #"{"maxBonus":200}"#)])
        let before = try fixture.vault.latestCheckpoint()
        await #expect(throws: RecordRejection(.conflict, field: "eventId", "")) {
            try await fixture.append([bonusRuleChange("evt-9", state: "{}"), bonusRuleChange("evt-1", state: #"{"maxBonus":300}"#)])
        }
        do {
            try await fixture.append([bonusRuleChange("evt-9", state: "{}"), bonusRuleChange("evt-1", state: #"{"maxBonus":300}"#)])
        } catch let rejection as RecordRejection {
            #expect(rejection.line == 2)
        }
        // Within one batch too.
        await #expect(throws: RecordRejection(.conflict, field: "eventId", "")) {
            try await fixture.append([bonusRuleChange("evt-7", state: "{}"), bonusRuleChange("evt-7", state: #"{"a":1}"#)])
        }
        #expect(try fixture.vault.latestCheckpoint() == before)
        #expect(try fixture.vault.store.records(eventIds: ["evt-9", "evt-7"]).isEmpty)
        // The writer is still usable and continues from the same tree.
        #expect(try await fixture.append([bonusRuleChange("evt-10", state: "{}")]).map(\.seq) == [2])
    }

    @Test("only one writer at a time")
    func singleWriter() throws {
        let fixture = try VaultFixture()
        #expect(throws: VaultError(.writerBusy, "")) { _ = try fixture.vault.makeWriter() }
    }

    @Test("a reopened vault continues the same tree")
    func reopen() async throws {
        let fixture = try VaultFixture()
        try await fixture.append((0..<7).map { bonusRuleChange("evt-\($0)", state: "{}") })
        let reopened = try Vault.open(at: fixture.path)
        #expect(try reopened.checkpointSize() == 8)
        #expect(try reopened.latestCheckpoint() == fixture.vault.latestCheckpoint())
    }

    @Test("generated data of every stream is accepted, and many batches keep one consistent tree")
    func syntheticLoad() async throws {
        let fixture = try VaultFixture()
        let lines = SyntheticRecords(seed: 7, count: 2_500).enumerated().map { InputLine(number: $0 + 1, bytes: Array($1.utf8)) }
        var acks: [AppendResult] = []
        try await IngestPipeline(writer: fixture.writer, batchSize: 300, clock: fixture.clock).run(lines: lines) { acks += $0 }
        #expect(acks.map(\.seq) == (1...2_500).map(Int64.init))
        let checkpoint = try #require(try fixture.vault.latestCheckpoint()).checkpoint
        #expect(checkpoint.size == 2_501)
        #expect(try MerkleTree.rootHash(size: 2_501, reader: fixture.vault.store) == checkpoint.rootHash)
        for seq: Int64 in [0, 1, 777, 2_500] {
            let proof = try fixture.vault.inclusionProof(seq: seq)
            try ProofCheck.checkInclusion(leafHash: proof.leafHash, index: seq, size: 2_501, proof: proof.hashes,
                                          root: checkpoint.rootHash)
        }
    }

    @Test("impossible proof requests are clear errors")
    func proofRequests() async throws {
        let fixture = try VaultFixture()
        try await fixture.append((0..<3).map { bonusRuleChange("evt-\($0)", state: "{}") })
        #expect(throws: VaultError(.invalidRequest, "")) { try fixture.vault.inclusionProof(seq: 4) }
        #expect(throws: VaultError(.invalidRequest, "")) { try fixture.vault.inclusionProof(seq: -1) }
        #expect(throws: VaultError(.invalidRequest, "")) { try fixture.vault.inclusionProof(seq: 0, size: 5) }
        #expect(throws: VaultError(.invalidRequest, "")) { try fixture.vault.inclusionProof(seq: 2, size: 2) }
        #expect(throws: VaultError(.invalidRequest, "")) { try fixture.vault.consistencyProof(from: 0, to: 4) }
        #expect(throws: VaultError(.invalidRequest, "")) { try fixture.vault.consistencyProof(from: 3, to: 2) }
        #expect(throws: VaultError(.invalidRequest, "")) { try fixture.vault.consistencyProof(from: 1, to: Int64.max) }
        #expect(throws: VaultError(.notFound, "")) { try fixture.vault.entry(seq: 99) }
    }
}
