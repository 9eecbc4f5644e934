import Foundation
import Testing
@testable import VaultCore
import VaultFormat
import VaultStore

/// A store whose commits can be made to fail, either before anything is written ("failed and not
/// persisted") or after the transaction committed ("failed but persisted").
final class FaultyStore: VaultStorage {
    enum Fault { case none, failBeforeWriting, failAfterWriting }
    let inner: any VaultStorage
    private let fault = Locked(Fault.none)
    private let delay = Locked(UInt32(0))

    init(_ inner: any VaultStorage) {
        self.inner = inner
    }

    func failNextCommit(_ kind: Fault) { fault.withLock { $0 = kind } }
    func slowCommits(micros: UInt32) { delay.withLock { $0 = micros } }

    func commit(_ batch: LogBatch) throws {
        try commit(group: [batch])
    }

    /// The fault, if one is set, applies to the whole group, as a failed transaction would.
    func commit(group batches: [LogBatch]) throws {
        usleep(delay.withLock { $0 })
        let kind = fault.withLock { current in
            defer { current = .none }
            return current
        }
        switch kind {
        case .none: try inner.commit(group: batches)
        case .failBeforeWriting: throw StorageError(.corrupt, "injected failure before writing")
        case .failAfterWriting:
            try inner.commit(group: batches)
            throw StorageError(.corrupt, "injected failure after writing")
        }
    }

    func treeSize() throws -> Int64 { try inner.treeSize() }
    func becomeSequencer(holder: String) throws { try inner.becomeSequencer(holder: holder) }
    func resignSequencer() { inner.resignSequencer() }
    var sequencerToken: Int64? { inner.sequencerToken }
    func advertiseSequencer(url: String) throws { try inner.advertiseSequencer(url: url) }
    func sequencerURL() throws -> String? { try inner.sequencerURL() }
    func latestCheckpoint() throws -> String? { try inner.latestCheckpoint() }
    func latestCheckpointSize() throws -> Int64 { try inner.latestCheckpointSize() }
    func latestCheckpointInfo() throws -> (size: Int64, createdAt: Int64)? { try inner.latestCheckpointInfo() }
    func checkpointSignedAt(size: Int64) throws -> Int64? { try inner.checkpointSignedAt(size: size) }
    func checkpoint(size: Int64) throws -> String? { try inner.checkpoint(size: size) }
    func leaf(seq: Int64) throws -> StoredLeaf? { try inner.leaf(seq: seq) }
    func leaves(seqs: [Int64]) throws -> [Int64: StoredLeaf] { try inner.leaves(seqs: seqs) }
    func leaves(from: Int64, to: Int64) throws -> [StoredLeaf] { try inner.leaves(from: from, to: to) }
    func records(eventIds: [String]) throws -> [String: StoredRecord] { try inner.records(eventIds: eventIds) }
    func history(entityType: String, entityId: String, seqs: Range<Int64>, occurred: Range<Int64>?, newestFirst: Bool,
                 limit: Int) throws -> [StoredRecord] {
        try inner.history(entityType: entityType, entityId: entityId, seqs: seqs, occurred: occurred, newestFirst: newestFirst,
                          limit: limit)
    }
    func versionCount(entityType: String, entityId: String, below: Int64) throws -> Int64 {
        try inner.versionCount(entityType: entityType, entityId: entityId, below: below)
    }
    func history(entityType: String, entityId: String) throws -> [StoredRecord] {
        try inner.history(entityType: entityType, entityId: entityId)
    }
    func histories(entityType: String, idPrefix: String) throws -> [StoredRecord] {
        try inner.histories(entityType: entityType, idPrefix: idPrefix)
    }
    func latestRecord(entityType: String, entityId: String) throws -> StoredRecord? {
        try inner.latestRecord(entityType: entityType, entityId: entityId)
    }
    func latestRecords(entities: [(type: String, id: String)]) throws -> [String: StoredRecord] {
        try inner.latestRecords(entities: entities)
    }
    func records(stream: String, from: Int64, to: Int64, after: (recordedAt: Int64, seq: Int64)?, limit: Int,
                 entityId: String?) throws
        -> [StoredRecord] {
        try inner.records(stream: stream, from: from, to: to, after: after, limit: limit, entityId: entityId)
    }
    func records(playerId: String, after: Int64?, limit: Int) throws -> [StoredRecord] {
        try inner.records(playerId: playerId, after: after, limit: limit)
    }
    func unerasedSubjects(after: Int64, limit: Int) throws -> [RetentionSubject] {
        try inner.unerasedSubjects(after: after, limit: limit)
    }
    func subjects(seqs: [Int64]) throws -> [Int64: RetentionSubject] { try inner.subjects(seqs: seqs) }
    func erasures(of seqs: [Int64]) throws -> [Int64: Int64] { try inner.erasures(of: seqs) }
    func erasureCount(since seq: Int64) throws -> Int64 { try inner.erasureCount(since: seq) }
    func purgeErasedData() throws -> String? { try inner.purgeErasedData() }
    func recordsForCheck(from: Int64, to: Int64) throws -> [(record: StoredRecord, unreadable: String?)] {
        try inner.recordsForCheck(from: from, to: to)
    }
    func committedRecords(from: Int64, to: Int64, streams: Set<String>) throws -> [CommittedRecord] {
        try inner.committedRecords(from: from, to: to, streams: streams)
    }
    func leavesForCheck(from: Int64, to: Int64) throws -> [(leaf: StoredLeaf, malformed: String?)] {
        try inner.leavesForCheck(from: from, to: to)
    }
    func allCheckpoints() throws -> [StoredCheckpoint] { try inner.allCheckpoints() }
    func latestCheckpointRoot() throws -> Hash? { try inner.latestCheckpointRoot() }
    func protectionProblems() throws -> [String] { try inner.protectionProblems() }
    func restoreProtections() throws { try inner.restoreProtections() }
    func metadata(_ key: String) throws -> String? { try inner.metadata(key) }
    func setMetadata(_ key: String, _ value: String) throws { try inner.setMetadata(key, value) }
    func readHashes(_ indexes: [Int64]) throws -> [Hash] { try inner.readHashes(indexes) }
    func logCounts() throws -> LogCounts { try inner.logCounts() }
    func claimDeliveries(now: Int64, owner: String, leaseMillis: Int64, limit: Int) throws -> [OutboxItem] {
        try inner.claimDeliveries(now: now, owner: owner, leaseMillis: leaseMillis, limit: limit)
    }
    func rescheduleDelivery(_ deliveryId: String, owner: String, dueAt: Int64) throws -> Bool {
        try inner.rescheduleDelivery(deliveryId, owner: owner, dueAt: dueAt)
    }
    func completeDelivery(_ deliveryId: String, owner: String) throws -> Bool { try inner.completeDelivery(deliveryId, owner: owner) }
    func requeueDelivery(_ deliveryId: String, dueAt: Int64) throws -> Bool { try inner.requeueDelivery(deliveryId, dueAt: dueAt) }
    func releaseDeliveryLeases() throws { try inner.releaseDeliveryLeases() }
    func outboxDepth() throws -> (count: Int, oldestDueAt: Int64?) { try inner.outboxDepth() }
}

@Suite("commit failures")
struct CommitFailureTests {
    /// A new vault's writer over a `FaultyStore`; as `Vault.makeWriter`'s, its first batch records
    /// the vault's retention policy first (seq 0), so the records start at seq 1.
    func makeWriter() throws -> (Vault, FaultyStore, LogWriter) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        let vault = try Vault.create(at: path, origin: "faults.test/log")
        let store = FaultyStore(vault.store)
        let signer = try NoteSigner(privateKeyText: String(contentsOfFile: path + "/log.key", encoding: .utf8))
        let writer = LogWriter(store: store, signer: signer, clock: ManualClock(millis: VaultFixture.now),
                               policies: vault.policies, lock: try WriterLock(path: path + "/writer.lock"),
                               range: CompactRange(), lastRecordedAt: 0, unrecordedPolicies: vault.policies.policies)
        return (vault, store, writer)
    }

    func records(_ range: Range<Int>, id: String = "123") throws -> [ValidatedRecord] {
        try range.map { try RecordValidator().validate(Array(bonusRuleChange("e\($0)", id: id, state: #"{"n":\#($0)}"#).utf8),
                                                       now: VaultFixture.now) }
    }

    /// Checks that storage holds one consistent tree under its latest signed checkpoint.
    func expectConsistent(_ vault: Vault) throws {
        let checkpoint = try #require(try vault.latestCheckpoint()).checkpoint
        var range = CompactRange()
        for leaf in try vault.store.leaves(from: 0, to: Int64(checkpoint.size)) {
            range.append(leafHash: MerkleHashing.leafHash(leaf.entry))
        }
        #expect(range.rootHash == checkpoint.rootHash)
        #expect(try vault.store.treeSize() == Int64(checkpoint.size))
    }

    @Test("a commit that fails before writing stores nothing, fails the batches queued behind it, and the writer recovers")
    func failedAndNotPersisted() async throws {
        let (vault, store, writer) = try makeWriter()
        _ = try await writer.append(try records(0..<3))
        store.slowCommits(micros: 50_000)
        store.failNextCommit(.failBeforeWriting)
        // Two batches queued back to back: the first fails, the second was hashed onto it.
        let first = try await writer.sequence(try records(3..<5))
        let second = try await writer.sequence(try records(5..<7))
        await #expect(throws: StorageError.self) { try await first.acknowledged() }
        await #expect(throws: StorageError.self) { try await second.acknowledged() }
        store.slowCommits(micros: 0)
        #expect(try vault.store.treeSize() == 4)
        // The writer starts again from what is stored: the same records now land at 4...
        let again = try await writer.append(try records(3..<7))
        #expect(again.map(\.seq) == [4, 5, 6, 7])
        #expect(try vault.history(entityType: "bonusRule", entityId: "123").map(\.record.version) == [1, 2, 3, 4, 5, 6, 7])
        try expectConsistent(vault)
    }

    @Test("the policies a failed batch carried are recorded with the next batch")
    func policiesOutliveAFailedCommit() async throws {
        let (vault, store, writer) = try makeWriter()
        store.failNextCommit(.failBeforeWriting)
        await #expect(throws: StorageError.self) { try await writer.append(try records(0..<2)) }
        #expect(try vault.recordedPolicies().isEmpty)
        let stored = try await writer.append(try records(0..<2))
        #expect(stored.map(\.seq) == [1, 2])
        #expect(try vault.recordedPolicies() == vault.policies.policies)
        try expectConsistent(vault)
    }

    @Test("a commit that fails after writing is recognised: resubmitting gives the stored seqs")
    func failedButPersisted() async throws {
        let (vault, store, writer) = try makeWriter()
        _ = try await writer.append(try records(0..<2))
        store.failNextCommit(.failAfterWriting)
        await #expect(throws: StorageError.self) { try await writer.append(try records(2..<4)) }
        #expect(try vault.store.treeSize() == 5)
        let again = try await writer.append(try records(2..<5))
        #expect(again.map(\.seq) == [3, 4, 5] && again.map(\.duplicate) == [true, true, false])
        #expect(try vault.history(entityType: "bonusRule", entityId: "123").map(\.record.version) == [1, 2, 3, 4, 5])
        try expectConsistent(vault)
    }

    @Test("a resubmission of a record still committing is acknowledged only when that commit succeeds")
    func duplicateOfInFlightWaits() async throws {
        let (vault, store, writer) = try makeWriter()
        store.slowCommits(micros: 50_000)
        store.failNextCommit(.failBeforeWriting)
        let first = try await writer.sequence(try records(0..<2))
        let resubmitted = try await writer.sequence(try records(0..<2))
        await #expect(throws: StorageError.self) { try await first.acknowledged() }
        // Nothing of it was stored, so its duplicate must not be acknowledged either.
        await #expect(throws: StorageError.self) { try await resubmitted.acknowledged() }
        store.slowCommits(micros: 0)
        #expect(try await writer.append(try records(0..<2)).map(\.seq) == [1, 2])
        try expectConsistent(vault)
    }

    @Test("the same event id in consecutive in-flight batches is a duplicate, not a storage error")
    func duplicateAcrossInFlightBatches() async throws {
        let (vault, store, writer) = try makeWriter()
        store.slowCommits(micros: 20_000)
        let first = try await writer.sequence(try records(0..<3))
        let second = try await writer.sequence(try records(2..<5))
        #expect(try await first.acknowledged().map(\.seq) == [1, 2, 3])
        let acks = try await second.acknowledged()
        #expect(acks.map(\.seq) == [3, 4, 5] && acks.map(\.duplicate) == [true, false, false])
        try expectConsistent(vault)
    }

    @Test("""
        recorded-at never goes back when the clock does: each batch meanwhile is a millisecond after the last, \
        until the clock catches up
        """)
    func monotonicRecordedAt() async throws {
        let fixture = try VaultFixture()
        let now = VaultFixture.now
        try await fixture.append([bonusRuleChange("a", state: "{}")])
        fixture.clock.set(millis: now - 60_000)
        try await fixture.append([bonusRuleChange("b", state: "{}")])
        try await fixture.append([bonusRuleChange("c", state: "{}"), bonusRuleChange("d", state: "{}")])
        fixture.clock.set(millis: now + 10)
        try await fixture.append([bonusRuleChange("e", state: "{}")])
        // Another batch in the same millisecond of a clock that is not behind shares it.
        try await fixture.append([bonusRuleChange("f", state: "{}")])
        let times = try (1...6).map { try Entry(parsing: fixture.vault.entry(seq: $0).bytes).recordedAt }
        #expect(times == [now, now + 1, now + 2, now + 2, now + 10, now + 10])
    }
}
