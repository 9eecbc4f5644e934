import Foundation
import Testing
import VaultArchive
import VaultFormat

/// The verifier's erasure accounting, one rule at a time: a real vault's honest export after two
/// sweeps verifies, and an insider holding the log's key who rewrites what an erasure entry lists,
/// or drops a record, gets an archive whose signatures, commitments and root all hold, which the
/// real `regvault-verify` refuses with the broken rule's own message and nothing else. A forged
/// partial export is held to the same rules over the entries its forger chose to include.
@Suite("regvault-verify accounts for every missing record", .serialized)
struct ErasureAccountingTests {
    /// One vault for the suite: each test forges its own archive from the same honest export.
    static let fixture = Result { try ErasureFixture() }

    typealias Problem = (member: String, reason: String)
    let entriesMember = ArchiveLayout.chunkPath(ArchiveLayout.entriesPrefix, first: 0)
    let recordsMember = ArchiveLayout.chunkPath(ArchiveLayout.recordsPrefix, first: 0)

    @Test("the honest export, and the same export re-committed and re-signed unchanged, verify with four erasures")
    func honestExportVerifies() throws {
        let fixture = try Self.fixture.get()
        let rewrite = try InsiderRewrite(fixture.export, of: fixture.vault)
        for archive in [fixture.export, try rewrite.sealed()] {
            let verdict = try verify(archive, named: "honest")
            #expect(verdict.status == 0 && verdict.problems.isEmpty, "\(verdict.problems)")
            #expect(verdict.erased == 4)
        }
    }

    @Test("a record dropped with no erasure entry listing it is reported as missing")
    func missingRecordWithoutErasure() throws {
        let fixture = try Self.fixture.get()
        var rewrite = try InsiderRewrite(fixture.export, of: fixture.vault)
        let payment = fixture.seqs["payment"]!
        rewrite.drop(payment)
        try expectOnly(rewrite, [(entriesMember, "record \(payment) is missing and no erasure entry in the archive accounts for it")])
    }

    @Test("an erasure before the retain-until it lists itself is reported")
    func erasedBeforeTheEndOfItsRetention() throws {
        let fixture = try Self.fixture.get()
        var rewrite = try InsiderRewrite(fixture.export, of: fixture.vault)
        let erased = fixture.seqs["erased-1"]!
        try rewrite.editErasure(fixture.firstErasure) { listed in
            let index = listed.firstIndex { InsiderRewrite.lists($0, erased) }!
            listed[index]["retainUntil"] = "2100-01-01T00:00:00.000Z"
        }
        try expectOnly(rewrite, [(entriesMember, "record \(erased) was erased by entry \(fixture.firstErasure) before the end of its retention")])
    }

    @Test("an erasure before the record's own retain-until, with no governance bypass shortening it, is reported")
    func erasedEarlyWithoutGovernanceBypass() throws {
        let fixture = try Self.fixture.get()
        var rewrite = try InsiderRewrite(fixture.export, of: fixture.vault)
        let kept = try fixture.forgeFirstErasure(of: "kept", in: &rewrite)
        try expectOnly(rewrite, [(entriesMember, "record \(kept) was erased by entry \(fixture.firstErasure) before the retain-until "
                                    + "its entry and extensions set, and no governance bypass before that entry allows it")])
    }

    @Test("a governance bypass recorded after an erasure entry does not excuse that entry's erasing the record early")
    func bypassAfterTheErasure() throws {
        let fixture = try Self.fixture.get()
        var rewrite = try InsiderRewrite(fixture.export, of: fixture.vault)
        let late = fixture.seqs["bypassed-late"]!
        #expect(late < fixture.firstErasure)
        try rewrite.moveListing(of: late, from: fixture.secondErasure, to: fixture.firstErasure)
        try expectOnly(rewrite, [(entriesMember, "record \(late) was erased by entry \(fixture.firstErasure) before the retain-until "
                                    + "its entry and extensions set, and no governance bypass before that entry allows it")])
    }

    @Test("an erasure of a record a legal hold covered at the time is reported, naming the hold")
    func erasedUnderLegalHold() throws {
        let fixture = try Self.fixture.get()
        var rewrite = try InsiderRewrite(fixture.export, of: fixture.vault)
        let held = try fixture.forgeFirstErasure(of: "held", in: &rewrite)
        try expectOnly(rewrite, [(entriesMember, "record \(held) was erased by entry \(fixture.firstErasure) while legal hold "
                                    + "\(fixture.holdId) covered it")])
    }

    @Test("every erasure made while a hold of a scope the verifier does not know was in force is reported, naming the hold")
    func erasedUnderHoldOfUnknownScope() throws {
        let fixture = try Self.fixture.get()
        let erasedBy = ["erased-1": fixture.firstErasure, "erased-2": fixture.firstErasure,
                        "bypassed-late": fixture.secondErasure, "later": fixture.secondErasure]
        for (scope, shown) in [(["tenant": "t-1"] as [String: Any], "members tenant"), ([:], "it has none"),
                               (["entity": ["type": "bonusRule"]], "members entity")] {
            var rewrite = try InsiderRewrite(fixture.export, of: fixture.vault)
            try rewrite.editRecord(try rewrite.placement(ofHold: fixture.holdId)) { body in
                var state = body["state"] as! [String: Any]
                state["scope"] = scope
                body["state"] = state
            }
            try expectOnly(rewrite, erasedBy.map { id, erasure in
                (entriesMember, "record \(fixture.seqs[id]!) was erased by entry \(erasure) while legal hold \(fixture.holdId) "
                    + "was in force, whose scope this verifier does not know (\(shown)): it may cover the record")
            })
        }
    }

    @Test("an erasure entry that comes before the record it lists in the log is reported")
    func erasedByAnEarlierEntry() throws {
        let fixture = try Self.fixture.get()
        var rewrite = try InsiderRewrite(fixture.export, of: fixture.vault)
        let later = fixture.seqs["later"]!
        #expect(fixture.firstErasure < later && later < fixture.secondErasure)
        try rewrite.moveListing(of: later, from: fixture.secondErasure, to: fixture.firstErasure)
        try expectOnly(rewrite, [(entriesMember, "record \(later) was erased by entry \(fixture.firstErasure), which comes before it "
                                    + "in the log")])
    }

    @Test("a record listed by a second erasure entry is reported at that entry's record")
    func listedBySecondErasure() throws {
        let fixture = try Self.fixture.get()
        var rewrite = try InsiderRewrite(fixture.export, of: fixture.vault)
        let erased = fixture.seqs["erased-1"]!
        let listing = try rewrite.listing(of: erased, in: fixture.firstErasure)
        try rewrite.editErasure(fixture.secondErasure) { $0.append(listing) }
        try expectOnly(rewrite, [(recordsMember, "erasure record \(fixture.secondErasure) lists record \(erased) again: entry "
                                    + "\(fixture.firstErasure) already erased it, and a record is erased once")])
    }

    @Test("a second, well-formed listing does not replace a first one that breaks a rule")
    func secondListingDoesNotHideTheFirst() throws {
        let fixture = try Self.fixture.get()
        var rewrite = try InsiderRewrite(fixture.export, of: fixture.vault)
        let later = fixture.seqs["later"]!
        let listing = try rewrite.listing(of: later, in: fixture.secondErasure)
        try rewrite.editErasure(fixture.firstErasure) { $0.append(listing) }
        try expectOnly(rewrite, [
            (recordsMember, "erasure record \(fixture.secondErasure) lists record \(later) again: entry \(fixture.firstErasure) "
                + "already erased it, and a record is erased once"),
            (entriesMember, "record \(later) was erased by entry \(fixture.firstErasure), which comes before it in the log"),
        ])
    }

    @Test("a record still in the archive that an erasure entry lists as erased is reported")
    func erasedRecordStillPresent() throws {
        let fixture = try Self.fixture.get()
        var rewrite = try InsiderRewrite(fixture.export, of: fixture.vault)
        let kept = fixture.seqs["kept"]!
        try rewrite.editErasure(fixture.secondErasure) { $0.append(fixture.listing("kept")) }
        try expectOnly(rewrite, [(recordsMember, "record \(kept) is in the archive, but erasure entry \(fixture.secondErasure) "
                                    + "lists it as erased")])
    }

    @Test("an erasure record listing an item without a seq or a retain-until is reported at that record")
    func listingWithoutSeqOrRetainUntil() throws {
        let fixture = try Self.fixture.get()
        var rewrite = try InsiderRewrite(fixture.export, of: fixture.vault)
        try rewrite.editErasure(fixture.firstErasure) { listed in
            listed.append(["retainUntil": ErasureFixture.shortenedTo])
            listed.append(["seq": fixture.seqs["kept"]!])
        }
        let problem = "erasure record \(fixture.firstErasure) lists an item without seq or retainUntil"
        try expectOnly(rewrite, [(recordsMember, problem), (recordsMember, problem)])
    }

    // MARK: partial exports

    @Test("a partial export forged without the erasure entry of a record it holds is refused; with it, it verifies")
    func partialWithoutTheErasureEntry() throws {
        let fixture = try Self.fixture.get()
        let rewrite = try InsiderRewrite(fixture.export, of: fixture.vault)
        let partial = try Self.partial(of: "erased-1")
        let seqs = try Self.inclusionSeqs(partial)
        let erased = fixture.seqs["erased-1"]!
        #expect(seqs.contains(erased) && seqs.contains(fixture.firstErasure))
        let resealed = try verify(try rewrite.sealedPartial(from: partial, holding: seqs), named: "partial-resealed")
        #expect(resealed.status == 0 && resealed.problems.isEmpty && resealed.erased == 1, "\(resealed.problems)")
        try expectOnly(try rewrite.sealedPartial(from: partial, holding: seqs.filter { $0 != fixture.firstErasure }),
                       [(ArchiveLayout.inclusion, "record \(erased) is missing and no erasure entry in the archive accounts for it")])
    }

    @Test("a partial export hiding an erasure under a legal hold is refused with the hold in it, and verifies without it")
    func partialLeavingOutTheHold() throws {
        let fixture = try Self.fixture.get()
        var rewrite = try InsiderRewrite(fixture.export, of: fixture.vault)
        let held = try fixture.forgeFirstErasure(of: "held", in: &rewrite)
        // The honest export of the held record holds no erasure entry: the forger adds the one that now lists it.
        let partial = try Self.partial(of: "held")
        let seqs = try Self.inclusionSeqs(partial) + [fixture.firstErasure]
        let hold = try rewrite.placement(ofHold: fixture.holdId)
        #expect(seqs.contains(hold))
        try expectOnly(try rewrite.sealedPartial(from: partial, holding: seqs),
                       [(ArchiveLayout.inclusion, "record \(held) was erased by entry \(fixture.firstErasure) while legal hold "
                            + "\(fixture.holdId) covered it")])
        let withoutHold = try verify(try rewrite.sealedPartial(from: partial, holding: seqs.filter { $0 != hold }),
                                     named: "partial-without-hold")
        #expect(withoutHold.status == 0 && withoutHold.erased == 1, "\(withoutHold.problems)")
        #expect(withoutHold.summary.contains("nor every legal hold and retention change"))
    }

    // MARK: helpers

    /// The honest partial export of the fixture's bonus rule `id`.
    static func partial(of id: String) throws -> [ArchiveMember] {
        let fixture = try Self.fixture.get()
        return try ExportFixture.members(try fixture.vault.export("partial-\(id)-\(UUID().uuidString).tar",
                                                                  ["--entity", "bonusRule", "--id", id]))
    }

    /// The seqs of the entries in a partial export's `inclusion` member.
    static func inclusionSeqs(_ members: [ArchiveMember]) throws -> [Int64] {
        let inclusion = try #require(members.first { $0.path == ArchiveLayout.inclusion })
        return try String(decoding: inclusion.bytes, as: UTF8.self).split(separator: "\n").map {
            try ArchiveLayout.parseInclusionLine($0).seq
        }
    }

    /// Seals the rewrite and expects the verifier to refuse it with exactly `expected`, in any order.
    func expectOnly(_ rewrite: InsiderRewrite, _ expected: [Problem], sourceLocation: SourceLocation = #_sourceLocation) throws {
        try expectOnly(try rewrite.sealed(), expected, sourceLocation: sourceLocation)
    }

    /// Expects the verifier to refuse `archive` with exactly `expected`, in any order.
    func expectOnly(_ archive: [ArchiveMember], _ expected: [Problem], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let verdict = try verify(archive, named: "forged")
        #expect(verdict.status == 1, "accepted", sourceLocation: sourceLocation)
        let found = verdict.problems.map { "\($0.member): \($0.reason)" }.sorted()
        #expect(found == expected.map { "\($0.member): \($0.reason)" }.sorted(), sourceLocation: sourceLocation)
    }

    /// Writes `archive` and runs the real verifier on it with the vault's key.
    func verify(_ archive: [ArchiveMember], named name: String) throws
        -> (status: Int32, problems: [Problem], erased: Int?, summary: String) {
        let fixture = try Self.fixture.get()
        let path = fixture.vault.data + "-\(name)-\(UUID().uuidString).tar"
        try ExportFixture.write(archive, to: path)
        let verdict = try fixture.vault.verify(path)
        let problems = (verdict.json["problems"] as? [[String: String]] ?? []).map { ($0["member"] ?? "", $0["reason"] ?? "") }
        return (verdict.status, problems, verdict.json["erased"] as? Int, verdict.stderr)
    }
}
