import Foundation
import GRDB
import Testing
import VaultCore
import VaultFormat
import VaultStore

/// Seven years and more on an injectable clock, with the repository's retention policies.
@Suite("retention: sweeping through the years")
struct RetentionSweepTests {
    static let day: Int64 = 86_400_000

    func years(_ n: Int, after start: Int64 = VaultFixture.now) -> Int64 { Timestamp.addingYears(n, toMillis: start) }

    func isErased(_ fixture: VaultFixture, _ seq: Int64) throws -> Bool {
        try fixture.vault.store.subjects(seqs: [seq])[seq]?.erased == true
    }

    @Test("records of each class expire exactly at their retain-until, not a millisecond before")
    func eachClassExpiresOnTime() async throws {
        let fixture = try VaultFixture(policies: try repositoryPolicies())
        let acks = try await fixture.append([
            record("cfg-gb", stream: "audit.change", jurisdiction: "GB"),        // gb.platform-config, 7y
            record("kyc-mt", stream: "kyc", jurisdiction: "MT"),                 // mt.aml-customer, 5y, no player: from recording
            record("pay-gb", stream: "payment", jurisdiction: "GB", player: "p1"), // gb.transactions, 5y after the relationship
            record("rep-fr", stream: "report", jurisdiction: "FR"),              // no policy for FR: default.all, 7y
        ])
        let (config, kyc, payment, report) = (acks[0].seq, acks[1].seq, acks[2].seq, acks[3].seq)
        for (seq, expected) in [(config, "gb.platform-config"), (kyc, "mt.aml-customer"), (payment, "gb.transactions"),
                                (report, "default.all")] {
            #expect(try Entry(parsing: fixture.vault.entry(seq: seq).bytes).retentionClass == expected)
        }

        fixture.clock.set(millis: years(5) - 1)
        #expect(try await fixture.writer.sweep().erased == 0)
        fixture.clock.set(millis: years(5))
        var summary = try await fixture.writer.sweep()
        #expect(summary.erased == 1 && summary.awaitingTrigger == 1)
        #expect(try isErased(fixture, kyc) && !isErased(fixture, payment))

        // The account closes in year six; the payment's five years start then.
        fixture.clock.set(millis: years(6))
        let closed = try await fixture.append([record("close-p1", stream: "kyc", jurisdiction: "GB", player: "p1",
                                                      action: "relationship_ended")])[0].seq
        fixture.clock.set(millis: years(7) - 1)
        #expect(try await fixture.writer.sweep().erased == 0)
        fixture.clock.set(millis: years(7))
        summary = try await fixture.writer.sweep()
        #expect(summary.erased == 2)
        #expect(try isErased(fixture, config) && isErased(fixture, report) && !isErased(fixture, payment))
        fixture.clock.set(millis: years(5, after: years(6)) - 1)
        #expect(try await fixture.writer.sweep().erased == 0)
        fixture.clock.set(millis: years(5, after: years(6)))
        #expect(try await fixture.writer.sweep().erased == 2)
        #expect(try isErased(fixture, payment) && isErased(fixture, closed))
        // The vault's own evidence (policy, relationship, erasure entries) is never swept.
        fixture.clock.set(millis: years(60))
        #expect(try await fixture.writer.sweep().erased == 0)
    }

    @Test("a legal hold blocks expiry until lifted; placing and lifting are entries")
    func holdsBlockExpiry() async throws {
        let fixture = try VaultFixture()
        let seqs = try await fixture.append([
            record("a", stream: "aml", jurisdiction: "MT", player: "p7"),
            record("b", stream: "aml", jurisdiction: "MT", player: "p8"),
        ]).map(\.seq)
        let officer = VaultActor(id: "co-1", role: "compliance_officer")
        let (hold, holdSeq) = try await fixture.writer.placeHold(scope: .player("p7"), caseReference: "CASE-2026-41",
                                                                reason: "regulator investigation", actor: officer)
        #expect(try Entry(parsing: fixture.vault.entry(seq: holdSeq).bytes).kind == .legalHold)
        fixture.clock.set(millis: years(8))
        let summary = try await fixture.writer.sweep()
        #expect(summary.erased == 1 && summary.held == 1)
        #expect(try !isErased(fixture, seqs[0]) && isErased(fixture, seqs[1]))

        let (lifted, liftSeq) = try await fixture.writer.liftHold(id: hold.id, reason: "case closed", actor: officer)
        #expect(!lifted.isActive && liftSeq > holdSeq)
        await #expect(throws: VaultError(.conflict, "")) {
            try await fixture.writer.liftHold(id: hold.id, reason: "again", actor: officer)
        }
        await #expect(throws: VaultError(.notFound, "")) {
            try await fixture.writer.liftHold(id: "hold-nope", reason: "x", actor: officer)
        }
        #expect(try await fixture.writer.sweep().erased == 1)
        #expect(try isErased(fixture, seqs[0]))
        let history = try fixture.vault.history(entityType: "legal_hold", entityId: hold.id)
        #expect(history.map(\.record.version) == [1, 2])
    }

    @Test("an extension holds; shortening is refused in compliance mode and needs admin, flag and reason in governance")
    func extensionsAndShortening() async throws {
        let fixture = try VaultFixture(policies: try repositoryPolicies())
        let seqs = try await fixture.append([
            record("c1", stream: "payment", jurisdiction: "FR"),       // default.all: compliance
            record("g1", stream: "audit.change", jurisdiction: "GB"),  // gb.platform-config: governance
        ]).map(\.seq)
        let operatorActor = VaultActor(id: "ops")
        let later = years(10)
        _ = try await fixture.writer.changeRetention(seq: seqs[0], change: .extend(until: later), actor: operatorActor,
                                                     reason: "litigation expected")
        await #expect(throws: RetentionRefusal(.shortening, "")) {
            try await fixture.writer.changeRetention(seq: seqs[0], change: .extend(until: years(8)), actor: operatorActor,
                                                     reason: "oops")
        }
        let admin = RetentionState.Authority(isAdmin: true, bypassGovernance: true, reason: "data subject request")
        await #expect(throws: RetentionRefusal(.complianceMode, "")) {
            try await fixture.writer.changeRetention(seq: seqs[0], change: .shorten(until: 0, authority: admin),
                                                     actor: operatorActor, reason: "dsr")
        }
        let notAdmin = RetentionState.Authority(isAdmin: false, bypassGovernance: true, reason: "x")
        await #expect(throws: RetentionRefusal(.bypassRequired, "")) {
            try await fixture.writer.changeRetention(seq: seqs[1], change: .shorten(until: 0, authority: notAdmin),
                                                     actor: operatorActor, reason: "x")
        }
        let shortenAt = years(1)
        let (_, bypassSeq) = try await fixture.writer.changeRetention(
            seq: seqs[1], change: .shorten(until: shortenAt, authority: admin), actor: VaultActor(id: "admin-1", role: "admin"),
            reason: "data subject request")
        let bypass = try #require(try fixture.vault.history(entityType: "retention", entityId: "seq-\(seqs[1])").last)
        #expect(bypass.record.seq == bypassSeq)
        #expect(String(decoding: try #require(bypass.record.body), as: UTF8.self).contains(#""action":"governance_bypass""#))

        fixture.clock.set(millis: shortenAt)
        #expect(try await fixture.writer.sweep().erased == 1)
        #expect(try isErased(fixture, seqs[1]))
        fixture.clock.set(millis: later - 1)
        #expect(try await fixture.writer.sweep().erased == 0)
        fixture.clock.set(millis: later)
        #expect(try await fixture.writer.sweep().erased == 1)
    }

    @Test("after a sweep every proof verifies, the recomputed tree gives the signed root, and erased records show as erased")
    func proofsSurviveErasure() async throws {
        let fixture = try VaultFixture()
        var sizes: [Int64] = []
        for batch in 0..<4 {
            try await fixture.append((0..<10).map { bonusRuleChange("e\(batch)-\($0)", id: "\($0)", state: #"{"v":\#(batch)}"#) })
            sizes.append(try fixture.vault.checkpointSize())
        }
        let before = try #require(try fixture.vault.latestCheckpoint())
        fixture.clock.set(millis: years(7))
        let summary = try await fixture.writer.sweep()
        #expect(summary.erased == 40 && summary.erasureEntries.count == 1)
        let after = try #require(try fixture.vault.latestCheckpoint()).checkpoint
        let size = Int64(after.size)

        var range = CompactRange()
        for leaf in try fixture.vault.store.leaves(from: 0, to: size) {
            range.append(leafHash: MerkleHashing.leafHash(leaf.entry))
        }
        #expect(range.rootHash == after.rootHash)
        for seq in 0..<size {
            let proof = try fixture.vault.inclusionProof(seq: seq)
            try ProofCheck.checkInclusion(leafHash: proof.leafHash, index: seq, size: size, proof: proof.hashes,
                                          root: after.rootHash)
        }
        for old in sizes + [Int64(before.checkpoint.size)] {
            let oldNote = try #require(try fixture.vault.store.checkpoint(size: old))
            let oldRoot = try SignedCheckpoint(verifying: Array(oldNote.utf8), verifierKeys: [fixture.vault.verifierKey])
            try ProofCheck.checkConsistency(oldSize: old, newSize: size, oldRoot: oldRoot.checkpoint.rootHash,
                                            newRoot: after.rootHash, proof: fixture.vault.consistencyProof(from: old, to: size).hashes)
        }

        let erasureSeq = summary.erasureEntries[0]
        #expect(try Entry(parsing: fixture.vault.entry(seq: erasureSeq).bytes).kind == .erasure)
        let trail = try fixture.vault.audit(entityType: "bonusRule", entityId: "3")
        let json = try EvidenceJSON.audit(trail)
        let first = try #require(json["changes"]?.arrayValue?.first)
        #expect(first["erased"] == .bool(true))
        #expect(first["erasedBy"] == .number(JSONNumber(Int(erasureSeq))))
        #expect(first["commitment"]?.stringValue == (try Entry(parsing: trail.changes[0].item.entry)).commitment.base64)
        #expect(first["record"] == nil && first["salt"] == nil && first["diff"] == nil)
        // The erasure entry's record lists what went and under which rule.
        let erasure = try #require(try fixture.vault.history(entityType: "erasure", entityId: "2033-11-20").first)
        let body = try JSONParser.parse(Array(try #require(erasure.record.body)))
        #expect(body["erased"]?.arrayValue?.count == 40)
        #expect(body["rules"]?["default.all"]?["policy"]?.stringValue == "default@builtin")
    }

    @Test("erased bytes cannot be found in the vault's files")
    func erasedBytesAreGone() async throws {
        let fixture = try VaultFixture()
        let marker = "MARKER-" + UUID().uuidString
        let seq = try await fixture.append([record("pii", stream: "kyc", jurisdiction: "MT", player: "p9", note: marker)])[0].seq
        let salt = try #require(try fixture.vault.store.records(eventIds: ["pii"])["pii"]?.salt)
        // Before the sweep the salt is there to be found (the search works); the marker never is,
        // because the body is encrypted.
        let database = try Data(contentsOf: URL(fileURLWithPath: fixture.path + "/vault.sqlite"))
            + (try Data(contentsOf: URL(fileURLWithPath: fixture.path + "/vault.sqlite-wal")))
        #expect(database.range(of: salt) != nil)
        #expect(database.range(of: Data(marker.utf8)) == nil)
        fixture.clock.set(millis: years(7))
        #expect(try await fixture.writer.sweep().erased == 1)
        #expect(try isErased(fixture, seq))
        let files = try #require(FileManager.default.subpathsOfDirectory(atPath: fixture.path) as [String]?)
        var searched = 0
        for name in files {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: fixture.path + "/" + name, isDirectory: &isDirectory),
                  !isDirectory.boolValue else { continue }
            let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.path + "/" + name))
            searched += 1
            #expect(bytes.range(of: Data(marker.utf8)) == nil, "the marker is still in \(name)")
            #expect(bytes.range(of: salt) == nil, "the salt is still in \(name)")
        }
        #expect(files.contains("vault.sqlite") && searched >= 3)
    }

    @Test("the log refuses direct erasure that the retention rules do not allow")
    func directErasureRefused() async throws {
        let fixture = try VaultFixture()
        let seq = try await fixture.append([record("x", stream: "kyc", jurisdiction: "MT")])[0].seq
        let result = try await fixture.writer.erase(seqs: [seq])
        #expect(result.erased.isEmpty && result.refused[seq]?.code == .notExpired)
        let queue = try DatabaseQueue(path: fixture.path + "/vault.sqlite")
        #expect(throws: (any Error).self) {
            try queue.write { db in try db.execute(sql: "UPDATE records SET body = NULL WHERE seq = ?", arguments: [seq]) }
        }
    }

    @Test("the database refuses an erasure entry already signed as the erasure of another record, before or after it")
    func erasureEntryComesAfterTheRecord() async throws {
        let fixture = try VaultFixture(policies: try PostgresObjectTests.governancePolicies())
        let early = try await fixture.append([record("early", stream: "kyc", jurisdiction: "MT")])[0].seq
        fixture.clock.set(millis: VaultFixture.now + 180 * 86_400_000)
        let mid = try await fixture.append([record("mid", stream: "kyc", jurisdiction: "MT")])[0].seq
        fixture.clock.set(millis: years(1) + 86_400_000)
        #expect(try await fixture.writer.sweep().erased == 1)
        let queue = try DatabaseQueue(path: fixture.path + "/vault.sqlite")
        let erasure = try #require(try await queue.read { db in
            try Int64.fetchOne(db, sql: "SELECT erased_by FROM erasures WHERE seq = ?", arguments: [early])
        })
        // Governance records, not erased, and an erasure entry: all the earlier rule asked. The
        // erasure entry is after `mid` but already under a checkpoint, and before `late`.
        let late = try await fixture.append([record("late", stream: "kyc", jurisdiction: "MT")])[0].seq
        #expect(mid < erasure && erasure < late)
        for seq in [mid, late] {
            let error = #expect(throws: DatabaseError.self) {
                try queue.write { db in
                    try db.execute(sql: "INSERT INTO erasures (seq, erased_by) VALUES (?, ?)", arguments: [seq, erasure])
                }
            }
            #expect(error?.message?.contains("only in the commit of an erasure entry after it") == true, "\(String(describing: error))")
            #expect(try !isErased(fixture, seq))
        }
        #expect(try fixture.vault.checkIntegrity().isIntact)
    }

    @Test("a sweep whose batch also records a changed policy names its erasure entry, not the policy's, as the eraser")
    func sweepAfterAPolicyChange() async throws {
        var fixture: VaultFixture? = try VaultFixture(policies: try PostgresObjectTests.governancePolicies())
        let path = fixture!.path
        let seq = try await fixture!.append([record("old", stream: "kyc", jurisdiction: "MT")])[0].seq
        fixture = nil
        let directory = path + "/retention"
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            try text.replacingOccurrences(of: #""years": 1"#, with: #""years": 2"#)
                .replacingOccurrences(of: #""version": "2026-12-05""#, with: #""version": "2026-12-07""#)
                .write(toFile: directory + "/" + file, atomically: true, encoding: .utf8)
        }
        let vault = try Vault.open(at: path)
        let writer = try vault.makeWriter(clock: ManualClock(millis: years(3)))
        let swept = try await writer.sweep()
        #expect(swept.erased == 1)
        #expect(try vault.store.subjects(seqs: [seq])[seq]?.erased == true)
        let eraser = try #require(try vault.store.erasures(of: [seq])[seq])
        #expect(try Entry(parsing: try #require(try vault.store.leaf(seq: eraser)).entry).kind == .erasure)
        #expect(try vault.history(entityType: "retention_policy", entityId: "default").count == 2)
        #expect(try vault.checkIntegrity().isIntact)
    }

    @Test("policy files that would weaken a class in force are refused; a longer period is recorded as a new entry")
    func policyChanges() async throws {
        let policies = try repositoryPolicies()
        var fixture: VaultFixture? = try VaultFixture(policies: policies)
        let path = fixture!.path
        try await fixture!.append([record("r", stream: "kyc", jurisdiction: "GB")])
        let firstPolicySeqs = try fixture!.vault.history(entityType: "retention_policy", entityId: "gb-ukgc").map(\.record.seq)
        #expect(firstPolicySeqs.count == 1)
        fixture = nil
        let file = path + "/retention/gb-ukgc.json"
        let original = try String(contentsOfFile: file, encoding: .utf8)
        try original.replacingOccurrences(of: #""years": 5"#, with: #""years": 3"#).write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: VaultError(.invalidPolicy, "")) { try Vault.open(at: path).makeWriter() }
        try original.replacingOccurrences(of: #""years": 5"#, with: #""years": 6"#).write(toFile: file, atomically: true, encoding: .utf8)
        let vault = try Vault.open(at: path)
        let writer = try vault.makeWriter(clock: ManualClock(millis: VaultFixture.now))
        _ = try await writer.append([])
        let versions = try vault.history(entityType: "retention_policy", entityId: "gb-ukgc")
        #expect(versions.count == 2)
        #expect(versions.count == 2 && versions[1].record.diff != nil)
    }
}
