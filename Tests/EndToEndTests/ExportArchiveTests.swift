import Foundation
import Testing
import VaultArchive
import VaultFormat

/// Export archives and the offline verifier, as an auditor meets them: real archives from the real
/// binary, checked by the real `regvault-verify`, with standard `tar`.
@Suite("export archives and regvault-verify", .serialized)
struct ExportArchiveTests {
    func problems(_ json: [String: Any]) -> [(member: String, reason: String)] {
        (json["problems"] as? [[String: String]] ?? []).map { ($0["member"] ?? "", $0["reason"] ?? "") }
    }

    @Test("full and partial exports (entity, player, period, stream) verify, erasures included, and re-export is byte-identical")
    func roundTrips() throws {
        let fixture = try ExportFixture()
        let full = try fixture.export("full.tar")
        var verdict = try fixture.verify(full)
        #expect(verdict.status == 0, "\(verdict.stderr)")
        #expect(verdict.json["scope"] as? String == "full" && verdict.json["erased"] as? Int == 2)
        #expect(verdict.stderr.hasPrefix("VALID") && !verdict.stderr.contains("cannot prove"))
        let again = try fixture.export("full-again.tar")
        #expect(FileManager.default.contents(atPath: full) == FileManager.default.contents(atPath: again))

        let listing = try Tool.run("tar", ["-tf", full]).stdout
        #expect(listing.hasPrefix("regvault-export/README.txt\n") && listing.hasSuffix("regvault-export/manifest\n"))
        let extracted = RegVaultBinary.temporaryDirectory("extract")
        try FileManager.default.createDirectory(atPath: extracted, withIntermediateDirectories: true)
        #expect(try Tool.run("tar", ["-xf", full, "-C", extracted]).status == 0)
        #expect(FileManager.default.fileExists(atPath: extracted + "/regvault-export/checkpoint"))

        for (name, arguments) in [("entity.tar.gz", ["--entity", "bonusRule", "--id", "123"]),
                                  ("player.tar.zst", ["--player", "p-1"]),
                                  ("period.tar", ["--from", "2000-01-01T00:00:00Z", "--to", "2100-01-01T00:00:00Z", "--stream", "kyc"]),
                                  ("erased.tar", ["--entity", "bonusRule", "--id", "cfg-a"])] {
            let archive = try fixture.export(name, arguments)
            verdict = try fixture.verify(archive)
            #expect(verdict.status == 0, "\(name): \(verdict.stderr)")
            #expect(verdict.json["scope"] as? String == "partial", "\(name)")
            // A person reading the summary learns what a partial export cannot prove.
            #expect(verdict.stderr.contains("cannot prove that it holds every record its filter matches"), "\(name)")
        }
        // The entity export holds bonus rule 123's five versions, and the erased one its erasure.
        let entity = try fixture.verify(try fixture.export("entity2.tar", ["--entity", "bonusRule", "--id", "123"]))
        #expect((entity.json["records"] as? Int ?? 0) >= 5)
        let erased = try fixture.verify(try fixture.export("erased2.tar", ["--entity", "bonusRule", "--id", "cfg-a"]))
        #expect(erased.json["erased"] as? Int == 1)
        #expect(try Tool.run("tar", ["-tzf", fixture.data + "-entity.tar.gz"]).stdout.contains("regvault-export/inclusion"))
    }

    @Test("the tamper matrix: every kind of member, flipped, truncated, dropped, duplicated, reordered or forged, fails and is named")
    func tamperMatrix() throws {
        let fixture = try ExportFixture()
        let full = try ExportFixture.members(try fixture.export("matrix-full.tar"))
        let partial = try ExportFixture.members(try fixture.export("matrix-partial.tar", ["--entity", "bonusRule", "--id", "123"]))
        let entries = ArchiveLayout.chunkPath(ArchiveLayout.entriesPrefix, first: 0)
        let records = ArchiveLayout.chunkPath(ArchiveLayout.recordsPrefix, first: 0)
        let kinds: [(kind: String, archive: [ArchiveMember], member: String)] = [
            ("entry", full, entries), ("record", full, records), ("salt", full, records), ("proof", partial, ArchiveLayout.inclusion),
            ("checkpoint", full, ArchiveLayout.checkpoint), ("key", full, ArchiveLayout.keys),
            ("manifest", full, ArchiveLayout.manifest), ("erasure entry", full, entries),
        ]
        var runs = 0
        for (kind, archive, member) in kinds {
            let index = archive.firstIndex { $0.path == member }!
            let target = archive[index]
            let item = itemRange(kind: kind, in: target, archive: archive)
            let mutations: [(String, [ArchiveMember])] = [
                ("flip a byte", replacing(archive, index, flip(target.bytes, at: item.lowerBound + item.count / 2))),
                ("truncate", replacing(archive, index, Array(target.bytes[..<(item.lowerBound + item.count / 2)]))),
                ("drop", archive.enumerated().filter { $0.offset != index }.map(\.element)),
                ("duplicate", Array(archive[...index]) + [target] + Array(archive[(index + 1)...])),
                ("reorder", reordered(archive, index)),
                ("insert a forged one", Array(archive.dropLast()) + [ArchiveMember(path: forgedPath(member), bytes: target.bytes,
                                                                                    modificationTime: 0), archive.last!]),
            ]
            for (mutation, tampered) in mutations {
                let path = fixture.data + "-tampered-\(runs).tar"
                try ExportFixture.write(tampered, to: path)
                let verdict = try fixture.verify(path)
                let found = problems(verdict.json)
                #expect(verdict.status == 1, "\(kind) / \(mutation): accepted")
                #expect(found.contains { $0.member == member || $0.member == forgedPath(member) },
                        "\(kind) / \(mutation): no problem names \(member): \(found)")
                runs += 1
            }
        }
        #expect(runs == 48)
    }

    @Test("an insider holding the log key and re-signing the manifest is still caught by the entries and commitments")
    func resignedForgeries() throws {
        let fixture = try ExportFixture()
        let members = try ExportFixture.members(try fixture.export("insider.tar"))
        let recordsIndex = members.firstIndex { $0.path == ArchiveLayout.chunkPath(ArchiveLayout.recordsPrefix, first: 0) }!
        let entriesIndex = members.firstIndex { $0.path == ArchiveLayout.chunkPath(ArchiveLayout.entriesPrefix, first: 0) }!
        var lines = String(decoding: members[recordsIndex].bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        let entries = try ArchiveLayout.decodeEntries(members[entriesIndex].bytes)

        // A record's content changed (re-encoded, so the line parses).
        var changed = lines
        let fields = changed[7].split(separator: " ")
        let forged = Data(#"{"forged":true}"#.utf8).base64EncodedString()
        changed[7] = "\(fields[0]) \(fields[1]) \(forged)"
        // A record dropped without an erasure.
        var dropped = lines
        dropped.remove(at: 3)
        // An entry altered.
        var alteredEntries = entries
        alteredEntries[5][20] ^= 0x01
        // An erasure listing removed: the erasure record's line is dropped.
        let erasureLine = lines.firstIndex { line in
            let record = line.split(separator: " ").last.flatMap { Data(base64Encoded: String($0)) } ?? Data()
            return String(decoding: record, as: UTF8.self).contains(#""stream":"vault.erasure""#)
        }!
        lines.remove(at: erasureLine)
        let cases: [(String, Int, [UInt8], String)] = [
            ("record changed", recordsIndex, Array((changed.joined(separator: "\n") + "\n").utf8), "commitment"),
            ("record dropped", recordsIndex, Array((dropped.joined(separator: "\n") + "\n").utf8), "no erasure entry"),
            ("entry altered", entriesIndex, ArchiveLayout.encodeEntries(alteredEntries), "root"),
            ("erasure record dropped", recordsIndex, Array((lines.joined(separator: "\n") + "\n").utf8), "no erasure entry"),
        ]
        for (name, index, bytes, reason) in cases {
            var tampered = members
            tampered[index] = ArchiveMember(path: members[index].path, bytes: bytes, modificationTime: 0)
            let path = fixture.data + "-insider-\(name.replacingOccurrences(of: " ", with: "-")).tar"
            try ExportFixture.write(try fixture.resigned(tampered), to: path)
            let verdict = try fixture.verify(path)
            #expect(verdict.status == 1, "\(name): accepted")
            #expect(problems(verdict.json).contains { $0.reason.contains(reason) }, "\(name): \(problems(verdict.json))")
        }
    }

    @Test("an archive of another log, a key that did not sign it, and a forked log are refused; the fork comes with evidence")
    func otherLogsAndForks() throws {
        let fixture = try ExportFixture()
        let archive = try fixture.export("mine.tar")
        let other = try ExportFixture()
        let verdict = try fixture.verify(archive, key: other.key)
        #expect(verdict.status == 1 && problems(verdict.json).contains { $0.member == ArchiveLayout.manifest })

        // Fork: a copy of the vault grows differently from the original, under the same key.
        let copy = fixture.data + "-fork"
        #expect(try Tool.run("cp", ["-a", fixture.data, copy]).status == 0)
        let trustedPath = fixture.data + "-trusted.checkpoint"
        try ExportFixture.check(RegVaultBinary.run(["append", "--data", fixture.data, "-"],
                                                   input: ExportFixture.record("a-side", entityId: "x", state: "{}") + "\n"))
        try RegVaultBinary.run(["checkpoint", "--data", fixture.data]).stdout.write(toFile: trustedPath, atomically: true, encoding: .utf8)
        try ExportFixture.check(RegVaultBinary.run(["append", "--data", copy, "-"],
                                                   input: [ExportFixture.record("b-side", entityId: "y", state: "{}"),
                                                           ExportFixture.record("b-more", entityId: "z", state: "{}")].joined(separator: "\n") + "\n"))
        let forkArchive = copy + "-export.tar"
        try ExportFixture.check(RegVaultBinary.run(["export", "--data", copy, "--out", forkArchive]))
        let fork = try fixture.verify(forkArchive, extra: ["--trusted-checkpoint", trustedPath])
        #expect(fork.status == 1 && fork.stderr.contains("EVIDENCE OF A FORK"), "\(fork.stderr)")
        let evidence = try #require(fork.json["fork"] as? [String: Any])
        #expect((evidence["trustedCheckpoint"] as? String)?.hasPrefix("export.test/log\n") == true)
        #expect(!(evidence["consistencyProof"] as? [String] ?? []).isEmpty)

        // The original's own later export is consistent with the trusted checkpoint, full or partial.
        let later = try fixture.export("later.tar")
        #expect(try fixture.verify(later, extra: ["--trusted-checkpoint", trustedPath]).status == 0)
        let trustedSize = try SignedCheckpoint(verifying: Array(try String(contentsOfFile: trustedPath, encoding: .utf8).utf8),
                                               verifierKeys: [NoteVerifierKey(fixture.key)]).checkpoint.size
        let partialWithout = try fixture.export("later-partial.tar", ["--player", "p-1"])
        #expect(try fixture.verify(partialWithout, extra: ["--trusted-checkpoint", trustedPath]).status == 1)
        let partial = try fixture.export("later-partial-proved.tar", ["--player", "p-1", "--prove-from", "\(trustedSize)"])
        #expect(try fixture.verify(partial, extra: ["--trusted-checkpoint", trustedPath]).status == 0)
    }

    @Test("over HTTPS an export filter of the wrong type or an unknown stream is refused, never dropped; one that selects nothing is 404; proveFrom adds a consistency proof")
    func exportRequestsAreStrict() async throws {
        let server = try ServerTests.Server.dev(RegVaultBinary.temporaryDirectory("export-strict"))
        let records = (1...20).map { ExportFixture.record("strict-\($0)", entityId: "\($0 % 4)", state: #"{"n":\#($0)}"#) }
        #expect(try server.curl("/v1/records", as: "ingest", extra: ["-X", "POST", "--data-binary", records.joined(separator: "\n")])
            .status == 200)
        for body in [#"{"player":5}"#, #"{"player":null}"#, #"{"player":["p-1"]}"#, #"{"stream":5}"#, #"{"stream":"foo"}"#,
                     #"{"entity":{"type":"bonusRule"}}"#, #"{"entity":{"type":"bonusRule","id":"1","x":1}}"#, #"{"proveFrom":0}"#,
                     #"{"proveFrom":"3"}"#] {
            let refused = try server.curl("/regulator/exports", as: "regulator_read", extra: ["-X", "POST", "--data-binary", body])
            #expect(refused.status == 400, "\(body): \(refused.status) \(refused.body)")
        }
        func finish(_ body: String) async throws -> (status: Int, body: String, id: String) {
            let started = try server.curl("/regulator/exports", as: "regulator_read", extra: ["-X", "POST", "--data-binary", body])
            #expect(started.status == 202, "\(started.body)")
            let id = try #require((try JSONSerialization.jsonObject(with: Data(started.body.utf8)) as? [String: Any])?["id"] as? String)
            var answer = (status: 202, body: "")
            for _ in 0..<100 where answer.status == 202 {
                try await Task.sleep(for: .milliseconds(100))
                answer = try server.curl("/regulator/exports/\(id)", as: "regulator_read")
            }
            return (answer.status, answer.body, id)
        }
        let nothing = try await finish(#"{"entity":{"type":"bonusRule","id":"nope"}}"#)
        #expect(nothing.status == 404 && nothing.body.contains("no_records"), "\(nothing.body)")
        #expect(!nothing.body.contains("/tmp"), "no server paths in errors")
        let proved = try await finish(#"{"entity":{"type":"bonusRule","id":"1"},"proveFrom":3,"compression":"none"}"#)
        #expect(proved.status == 200)
        let archive = server.data + "-proved.tar"
        #expect(try Tool.run("curl", ["-sS", "--fail", "--cacert", server.certs + "/ca.pem", "--cert", server.certs + "/regulator_read.pem",
                                      "--key", server.certs + "/regulator_read.key", "-o", archive,
                                      server.url + "/regulator/exports/\(proved.id)"]).status == 0)
        #expect(try Tool.run("tar", ["-tf", archive]).stdout.contains("regvault-export/consistency"))
    }

    @Test("over HTTPS: an inspector starts an export, watches it, downloads it and verifies it; a tlog-proof checks offline")
    func exportOverHTTPS() async throws {
        let server = try ServerTests.Server.dev(RegVaultBinary.temporaryDirectory("export-api"))
        let records = (1...50).map { ExportFixture.record("api-\($0)", entityId: "\($0 % 5)", state: #"{"n":\#($0)}"#) }
        #expect(try server.curl("/v1/records", as: "ingest", extra: ["-X", "POST", "--data-binary", records.joined(separator: "\n")])
            .status == 200)
        let started = try server.curl("/regulator/exports", as: "regulator_read",
                                      extra: ["-X", "POST", "--data-binary", #"{"entity":{"type":"bonusRule","id":"3"}}"#])
        #expect(started.status == 202, "\(started.body)")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(started.body.utf8)) as? [String: Any])?["id"] as? String)
        let archive = server.data + "-download.tar.gz"
        var status = 202
        for _ in 0..<100 where status == 202 {
            try await Task.sleep(for: .milliseconds(100))
            status = try server.curl("/regulator/exports/\(id)", as: "regulator_read").status
        }
        #expect(status == 200)
        let certs = server.certs
        #expect(try Tool.run("curl", ["-sS", "--fail", "--cacert", certs + "/ca.pem", "--cert", certs + "/regulator_read.pem",
                                      "--key", certs + "/regulator_read.key", "-o", archive,
                                      server.url + "/regulator/exports/\(id)"]).status == 0)
        let key = try String(contentsOfFile: server.data + "/log.pub", encoding: .utf8).trimmingCharacters(in: .newlines)
        let verdict = try Tool.run(executable: VerifierBinary.url, [archive, "--key", key], input: nil)
        #expect(verdict.status == 0, "\(verdict.stderr)")
        #expect(try server.curl("/regulator/exports/export-nope", as: "regulator_read").status == 404)
        #expect(try server.curl("/regulator/exports", as: "ingest", extra: ["-X", "POST", "--data-binary", "{}"]).status == 403)
        let bad = try server.curl("/regulator/exports", as: "compliance_officer", extra: ["-X", "POST", "--data-binary", #"{"from":"yesterday"}"#])
        #expect(bad.status == 400 && bad.body.contains("invalid_request"))

        // One record's C2SP tlog-proof, checked with its entry and the key alone.
        let proof = try server.curl("/regulator/proof/inclusion?seq=7&format=tlog-proof", as: "regulator_read")
        #expect(proof.status == 200 && proof.body.hasPrefix("c2sp.org/tlog-proof@v1\nindex 7\n"), "\(proof.body)")
        let entry = try RegVaultBinary.run(["entry", "--data", server.data, "--seq", "7"]).stdout
        let entryBytes = try #require(Data(base64Encoded: (try JSONSerialization.jsonObject(with: Data(entry.utf8)) as! [String: Any])["entry"] as! String))
        let parsed = try TlogProof(parsing: proof.body)
        _ = try parsed.verify(entry: Array(entryBytes), key: try NoteVerifierKey(key))
        #expect(throws: (any Error).self) { try parsed.verify(entry: Array(entryBytes.dropLast()) + [0], key: try NoteVerifierKey(key)) }
    }

    @Test("regvault-verify carries no networking code: no NIO, Hummingbird, URLSession or FoundationNetworking symbols or libraries")
    func verifierHasNoNetworking() throws {
        let symbols = try Tool.run("nm", [VerifierBinary.url.path]).stdout
        #expect(symbols.contains("ExportManifest"), "nm read the verifier's symbols")
        for name in ["NIOCore", "NIOPosix", "Hummingbird", "URLSession", "FoundationNetworking"] {
            #expect(!symbols.contains(name), "the verifier links \(name)")
        }
        let libraries = try Tool.run("ldd", [VerifierBinary.url.path]).stdout
        #expect(!libraries.contains("FoundationNetworking") && !libraries.contains("libcurl"), "\(libraries)")
        // The same check finds NIO in the server binary, so it can fail.
        #expect(try Tool.run("nm", [RegVaultBinary.url.path]).stdout.contains("NIOCore"))
    }

    // MARK: helpers

    /// The bytes of the kind's item within its member: one entry, one record line or salt, one proof
    /// line, or the whole member.
    func itemRange(kind: String, in member: ArchiveMember, archive: [ArchiveMember]) -> Range<Int> {
        let bytes = member.bytes
        switch kind {
        case "entry", "erasure entry":
            // Entry k starts after k length-prefixed entries; pick the erasure's entry or the fourth.
            var offset = 0, index = 0
            let wanted = kind == "erasure entry" ? erasureSeq(archive) : 3
            while index < wanted {
                offset += 2 + (Int(bytes[offset]) << 8 | Int(bytes[offset + 1]))
                index += 1
            }
            return offset..<(offset + 2 + (Int(bytes[offset]) << 8 | Int(bytes[offset + 1])))
        case "record", "salt", "proof":
            let lines = lineRanges(bytes)
            let line = lines[min(2, lines.count - 1)]
            guard kind == "salt" else { return line }
            let spaces = bytes[line].indices.filter { bytes[$0] == 0x20 }
            return (spaces[0] + 1)..<spaces[1]
        default:
            return 0..<bytes.count
        }
    }

    func erasureSeq(_ archive: [ArchiveMember]) -> Int {
        let records = archive.first { $0.path.hasPrefix(ArchiveLayout.recordsPrefix) }!
        for line in String(decoding: records.bytes, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            let record = String(decoding: Data(base64Encoded: String(fields[2])) ?? Data(), as: UTF8.self)
            if record.contains(#""stream":"vault.erasure""#) { return Int(fields[0])! }
        }
        return 3
    }

    func lineRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            ranges.append(start..<index)
            start = index + 1
        }
        return ranges
    }

    func flip(_ bytes: [UInt8], at index: Int) -> [UInt8] {
        var out = bytes
        out[index] ^= 0x01
        return out
    }

    func replacing(_ archive: [ArchiveMember], _ index: Int, _ bytes: [UInt8]) -> [ArchiveMember] {
        var out = archive
        out[index] = ArchiveMember(path: archive[index].path, bytes: bytes, modificationTime: 0)
        return out
    }

    func reordered(_ archive: [ArchiveMember], _ index: Int) -> [ArchiveMember] {
        var out = archive
        out.swapAt(index, index == 0 ? 1 : index - 1)
        return out
    }

    func forgedPath(_ member: String) -> String {
        if member.hasPrefix(ArchiveLayout.entriesPrefix) { return ArchiveLayout.chunkPath(ArchiveLayout.entriesPrefix, first: 65_536) }
        if member.hasPrefix(ArchiveLayout.recordsPrefix) { return ArchiveLayout.chunkPath(ArchiveLayout.recordsPrefix, first: 65_536) }
        return member + "-forged"
    }
}
