import Foundation
import Testing
import VaultCore
import VaultFormat
import VaultJSON
import VaultStore

/// The storage contract, run against SQLite and against PostgreSQL alike (a fresh database of the
/// private test cluster for each test).
@Suite("each storage backend keeps the same contract")
struct StorageBackendTests {
    /// 2026-11-20 minus ten years: records ingested then are past a seven-year retain-until by the
    /// database's own clock today, which PostgreSQL's erasure rule also checks.
    static let tenYearsAgo = Timestamp.addingYears(-10, toMillis: VaultFixture.now)

    @Test("records read back exactly as committed, across a dictionary, a reopen and a second reader", arguments: StorageBackend.allCases)
    func readsBackWhatWasCommitted(backend: StorageBackend) async throws {
        let fixture = try VaultFixture(backend: backend)
        // 2,100 records: a stream's dictionary is trained from its first 2,000, so later ones use it.
        var sent: [String: String] = [:]
        for batch in 0..<7 {
            let records = (0..<300).map { index -> String in
                let n = batch * 300 + index
                let text = record("e\(n)", stream: "kyc", jurisdiction: "MT", player: "p-\(String(format: "%07d", n % 97))",
                                  entity: ("kycCase", "case-\(n % 40)"), note: "reviewed by analyst \(n % 13), level \(n % 3)")
                sent["e\(n)"] = text
                return text
            }
            let acks = try await fixture.append(records)
            #expect(acks.allSatisfy { !$0.duplicate })
        }
        #expect(try await fixture.append([sent["e5"]!]).first?.duplicate == true)
        let size = try fixture.vault.checkpointSize()
        #expect(size == 2_101)

        // A second reader, as another process or node would open it, and the writer's own view.
        for vault in [fixture.vault, try Vault.open(at: fixture.path)] {
            let history = try vault.history(entityType: "kycCase", entityId: "case-7")
            #expect(history.count == 53)
            #expect(history.map(\.record.version) == Array(1...53))
            let stored = try vault.store.records(eventIds: ["e7", "e2087"])
            for id in ["e7", "e2087"] {
                let body = try #require(stored[id]?.body)
                #expect(body == Data(try JSONParser.parse(Array(sent[id]!.utf8)).canonicalBytes))
            }
            #expect(try vault.store.records(playerId: "p-0000007", after: nil, limit: 100).count == 22)
            #expect(try vault.store.histories(entityType: "kycCase", idPrefix: "case-1").count == 11 * 53)
            let report = try vault.checkIntegrity(pageSize: 500)
            #expect(report.problems.isEmpty, "\(report.problems)")
            #expect(report.entries == 2_101)
        }
        let proof = try fixture.vault.inclusionProof(seq: 1_500)
        let checkpoint = try #require(try fixture.vault.latestCheckpoint())
        try ProofCheck.checkInclusion(leafHash: proof.leafHash, index: proof.index, size: proof.treeSize, proof: proof.hashes,
                                      root: checkpoint.checkpoint.rootHash)
        // Every stored hash, those recomputed from entries among them, is the tree's own.
        var reference = ArrayHashReader()
        for leaf in try fixture.vault.store.leaves(from: 0, to: size) { try reference.append(leafHash: MerkleHashing.leafHash(leaf.entry)) }
        let indexes = Array(Int64(0)..<StoredHashes.count(treeSize: size))
        #expect(try fixture.vault.store.readHashes(indexes) == reference.readHashes(indexes))
    }

    @Test("a stale tree head is refused and stores nothing", arguments: StorageBackend.allCases)
    func staleHeadRefused(backend: StorageBackend) async throws {
        let fixture = try VaultFixture(backend: backend)
        try await fixture.append((0..<3).map { bonusRuleChange("e\($0)", state: "{}") })
        let store = fixture.vault.store
        let before = try store.logCounts()
        let stale = LogBatch(previous: (size: 1, root: MerkleHashing.emptyTreeHash), leaves: [], records: [],
                             rootHash: MerkleHashing.emptyTreeHash, checkpointNote: "stale", checkpointTime: 0)
        #expect { try store.commit(stale) } throws: { ($0 as? StorageError)?.code == .treeSizeMismatch }
        #expect(try store.logCounts() == before)
    }

    @Test("expired records are erased under their erasure entries, and the log still proves everything", arguments: StorageBackend.allCases)
    func erasure(backend: StorageBackend) async throws {
        let fixture = try VaultFixture(backend: backend, now: StorageBackendTests.tenYearsAgo)
        let seqs = try await fixture.append((0..<5).map {
            #"{"eventId":"a\#($0)","stream":"audit.change","entity":{"type":"flag","id":"\#($0)"},"action":"update","actor":{"id":"ops"},"occurredAt":"2016-11-20T10:00:00Z","reason":"test","jurisdiction":"MT","state":{"on":true}}"#
        }).map(\.seq)
        fixture.clock.set(millis: Timestamp.addingYears(8, toMillis: StorageBackendTests.tenYearsAgo))
        let summary = try await fixture.writer.sweep()
        #expect(summary.erased == 5)
        // SQLite's own purge leaves nothing behind; PostgreSQL says what its owner must still run.
        #expect(backend == .sqlite ? summary.remains == nil : summary.remains?.contains("VACUUM FULL records, objects") == true)
        let history = try fixture.vault.history(entityType: "flag", entityId: "3")
        #expect(history.first?.record.body == nil)
        #expect(history.first?.erasedBy == summary.erasureEntries.first)
        #expect(try fixture.vault.store.erasures(of: seqs).count == 5)
        let report = try Vault.open(at: fixture.path).checkIntegrity()
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.erased == 5)
    }

    @Test("""
        a stream is read in pages in (recorded-at, seq) order, across commits that share a recording time and a clock \
        that went back
        """, arguments: StorageBackend.allCases)
    func streamPages(backend: StorageBackend) async throws {
        let fixture = try VaultFixture(backend: backend)
        let now = VaultFixture.now
        // Two commits at the same time, then one whose clock is a minute behind (another node's,
        // after a failover), which records them a millisecond after the last commit, as recording
        // times never go back, then one a minute ahead; another stream's records between them all.
        var number = 0
        for (offset, count) in [(0, 5), (0, 4), (-60_000, 3), (60_000, 2)] {
            fixture.clock.set(millis: now + Int64(offset))
            try await fixture.append((0..<count).flatMap { _ -> [String] in
                number += 1
                return [record("k\(number)", stream: "kyc", jurisdiction: "MT", entity: ("case", "\(number % 3)")),
                        record("a\(number)", stream: "aml", jurisdiction: "MT", entity: ("case", "\(number % 3)"))]
            })
        }
        let store = fixture.vault.store
        let window = (from: now - 3_600_000, to: now + 3_600_000)
        let whole = try store.records(stream: "kyc", from: window.from, to: window.to, after: nil, limit: 100, entityId: nil)
        #expect(whole.count == 14)
        #expect(Set(whole.map(\.stream)) == ["kyc"])
        let keys = whole.map { [$0.recordedAt, $0.seq] }
        #expect(keys == keys.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(whole.map(\.recordedAt)
            == Array(repeating: now, count: 9) + Array(repeating: now + 1, count: 3) + [now + 60_000, now + 60_000])

        /// Every page of `limit` from `after` on, until one comes back short (at most 30 pages).
        func paged(from: Int64, to: Int64, after start: (recordedAt: Int64, seq: Int64)?, limit: Int,
                   entityId: String? = nil) throws -> [Int64] {
            var seqs: [Int64] = []
            var after = start
            for _ in 0..<30 {
                let page = try store.records(stream: "kyc", from: from, to: to, after: after, limit: limit, entityId: entityId)
                seqs += page.map(\.seq)
                guard page.count == limit, let last = page.last else { return seqs }
                after = (last.recordedAt, last.seq)
            }
            Issue.record("paging did not end")
            return seqs
        }
        for limit in [1, 2, 3, 4] {
            #expect(try paged(from: window.from, to: window.to, after: nil, limit: limit) == whole.map(\.seq),
                    "pages of \(limit)")
            #expect(try paged(from: window.from, to: window.to, after: nil, limit: limit, entityId: "1")
                == whole.filter { $0.entityId == "1" }.map(\.seq), "one entity's pages of \(limit)")
            // A cursor from before the window, and one inside the shared time's records of a window that starts after it.
            #expect(try paged(from: window.from, to: window.to, after: (window.from - 1, 0), limit: limit) == whole.map(\.seq))
            #expect(try paged(from: now + 1, to: window.to, after: (now, whole[3].seq), limit: limit)
                == whole.filter { $0.recordedAt > now }.map(\.seq))
            #expect(try paged(from: now, to: window.to, after: (now, whole[3].seq), limit: limit)
                == whole.dropFirst(4).map(\.seq))
        }
        // A window of the shared time only, and one that ends before it.
        #expect(try paged(from: now, to: now + 1, after: nil, limit: 100) == whole.prefix(9).map(\.seq))
        #expect(try store.records(stream: "kyc", from: window.from, to: now, after: nil, limit: 100, entityId: nil).isEmpty)
    }

    @Test("deliveries enter the outbox with their record and are claimed once", arguments: StorageBackend.allCases)
    func outbox(backend: StorageBackend) async throws {
        let fixture = try VaultFixture(backend: backend)
        let store = fixture.vault.store
        #expect(try store.requeueDelivery("d1", dueAt: 10))
        #expect(try !store.requeueDelivery("d1", dueAt: 10))
        let claimed = try store.claimDeliveries(now: 20, owner: "w1", leaseMillis: 1_000, limit: 10)
        #expect(claimed.map(\.deliveryId) == ["d1"])
        #expect(try store.claimDeliveries(now: 30, owner: "w2", leaseMillis: 1_000, limit: 10).isEmpty)
        #expect(try store.rescheduleDelivery("d1", owner: "w1", dueAt: 40))
        #expect(try store.outboxDepth().count == 1)
        #expect(try store.claimDeliveries(now: 50, owner: "w2", leaseMillis: 1_000, limit: 10).first?.attempts == 1)
        #expect(try !store.completeDelivery("d1", owner: "w1"))
        #expect(try store.completeDelivery("d1", owner: "w2"))
        #expect(try store.outboxDepth().count == 0)
    }
}
