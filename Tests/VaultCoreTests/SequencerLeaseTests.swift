import Foundation
import Testing
import VaultCore
import VaultFormat
import VaultStore

/// Two nodes on one PostgreSQL database: one sequencer at a time, fenced.
@Suite("the sequencer lease on PostgreSQL")
struct SequencerLeaseTests {
    @Test("a second node cannot write while the first holds the lease; after a takeover the first is fenced out and stores nothing")
    func takeover() async throws {
        let first = try VaultFixture(backend: .postgres)
        try await first.append((0..<3).map { bonusRuleChange("e\($0)", state: #"{"cap":\#($0)}"#) })
        let before = try #require(try first.vault.latestCheckpoint()).checkpoint
        let url = try String(contentsOfFile: first.path + "/postgres.url", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

        // The second node joins with a copy of the first node's data directory.
        let secondPath = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: first.path, toPath: secondPath)
        let second = try Vault.open(at: secondPath)
        #expect(try second.history(entityType: "bonusRule", entityId: "123").count == 3)
        #expect(throws: VaultError(.sequencerBusy, "")) { try second.makeWriter(clock: first.clock) }

        // The first node stops renewing (paused, cut off from the database): its lease lapses and
        // the second takes it over.
        try PostgresTestDatabase.psql(url, "UPDATE sequencer SET holder = NULL, expires_at = now() - interval '1 second'")
        let secondWriter = try second.makeWriter(clock: first.clock)

        // Whatever the first node still believes, the fence refuses its commit, and nothing of it is stored.
        await #expect(throws: (any Error).self) { try await first.append([bonusRuleChange("late", state: "{}")]) }
        #expect(try second.store.records(eventIds: ["late"]).isEmpty)

        // The new sequencer extends the same tree, consistently with what the first one signed.
        let validator = RecordValidator()
        let record = try validator.validate(Array(bonusRuleChange("after", state: #"{"cap":9}"#).utf8), now: first.clock.nowMillis())
        let acks = try await secondWriter.append([record])
        #expect(acks.first?.seq == Int64(before.size))
        let after = try #require(try second.latestCheckpoint()).checkpoint
        let proof = try second.consistencyProof(from: Int64(before.size), to: Int64(after.size))
        try ProofCheck.checkConsistency(oldSize: Int64(before.size), newSize: Int64(after.size), oldRoot: before.rootHash,
                                        newRoot: after.rootHash, proof: proof.hashes)
        let report = try second.checkIntegrity()
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(try second.history(entityType: "bonusRule", entityId: "123").map(\.record.version) == [1, 2, 3, 4])
    }

    @Test("the URL a sequencer publishes is what the other nodes read while its lease lives; a lapse, a takeover or a resignation clears it")
    func publishedURL() async throws {
        let first = try VaultFixture(backend: .postgres)
        let url = try String(contentsOfFile: first.path + "/postgres.url", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let secondPath = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: first.path, toPath: secondPath)
        let second = try Vault.open(at: secondPath)
        #expect(try second.store.sequencerURL() == nil, "nothing published yet")

        try first.vault.store.advertiseSequencer(url: "https://node-a.test:8443")
        #expect(try second.store.sequencerURL() == "https://node-a.test:8443")

        // The lease lapses: its URL is no longer the sequencer's.
        try PostgresTestDatabase.psql(url, "UPDATE sequencer SET expires_at = now() - interval '1 second'")
        #expect(try second.store.sequencerURL() == nil)
        try PostgresTestDatabase.psql(url, "UPDATE sequencer SET holder = NULL")
        let secondWriter = try second.makeWriter(clock: first.clock)
        #expect(try second.store.sequencerURL() == nil, "a takeover clears the last holder's URL")

        // The fenced-out node's late publication changes nothing; the new sequencer's is read.
        try first.vault.store.advertiseSequencer(url: "https://node-a.test:8443")
        #expect(try second.store.sequencerURL() == nil)
        try second.store.advertiseSequencer(url: "https://node-b.test:8443")
        #expect(try first.vault.store.sequencerURL() == "https://node-b.test:8443")
        withExtendedLifetime(secondWriter) { second.store.resignSequencer() }
        #expect(try first.vault.store.sequencerURL() == nil)
    }

    @Test("a database whose schema predates the published URL is refused with the statement that brings it up to date")
    func schemaWithoutURL() throws {
        let schema = PostgresSchema.sql(applicationRole: "regvault")
        let older = schema.replacingOccurrences(of: ",\n    url text\n", with: "\n")
        #expect(older != schema)
        let url = try PostgresTestDatabase.make(schema: older)
        #expect {
            _ = try PostgresStore(location: try PostgresLocation(url: url), cipher: nil)
        } throws: { error in
            "\(error)".contains("ALTER TABLE sequencer ADD COLUMN url text")
        }
    }
}
