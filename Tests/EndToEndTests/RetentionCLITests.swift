import Foundation
import GRDB
import Testing
import VaultFormat

/// Retention, holds, sweeping and checking from the command line, as a compliance officer or an
/// operator would, with the repository's retention policies.
@Suite("regvault retention CLI")
struct RetentionCLITests {
    let data = RegVaultBinary.temporaryDirectory("retention-cli")
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }

    func record(_ id: String, stream: String, jurisdiction: String, player: String = "p1") -> String {
        #"{"eventId":"\#(id)","stream":"\#(stream)","entity":{"type":"thing","id":"\#(id)"},"action":"update","actor":{"id":"ops"},"occurredAt":"2026-11-20T10:00:00Z","reason":"test","jurisdiction":"\#(jurisdiction)","playerId":"\#(player)","state":{"v":1}}"#
    }

    @Test("holds, extension, governance bypass, sweep and check, each leaving an entry")
    func lifecycle() throws {
        let retention = Self.repository.appendingPathComponent("retention").path
        #expect(try RegVaultBinary.run(["init", "--data", data, "--origin", "retention.test/log", "--retention", retention]).status == 0)
        let input = [record("cfg", stream: "audit.change", jurisdiction: "GB"), record("pay", stream: "payment", jurisdiction: "FR")]
            .joined(separator: "\n") + "\n"
        let acks = try RegVaultBinary.run(["append", "--data", data, "-"], input: input).stdout.split(separator: "\n")
            .map { try json(String($0))["seq"] as! Int }
        let (governed, complianceSeq) = (String(acks[0]), String(acks[1]))

        // Compliance mode: nobody shortens it.
        let refused = try RegVaultBinary.run(["retention", "shorten", "--data", data, "--seq", complianceSeq,
                                              "--until", "2027-01-01T00:00:00Z", "--bypass-governance", "--reason", "dsr"])
        #expect(refused.status != 0 && refused.stderr.contains("compliance mode"), "\(refused.stderr)")
        // Governance mode: not without the flag and a reason.
        let noFlag = try RegVaultBinary.run(["retention", "shorten", "--data", data, "--seq", governed,
                                             "--until", "2027-01-01T00:00:00Z", "--reason", "dsr"])
        #expect(noFlag.status != 0 && noFlag.stderr.contains("bypass flag"), "\(noFlag.stderr)")

        // A hold on the governed record, then an extension of the other.
        let placed = try RegVaultBinary.run(["hold", "place", "--data", data, "--seq", governed, "--case", "CASE-9",
                                             "--reason", "litigation", "--actor", "co-1"])
        #expect(placed.status == 0, "\(placed.stderr)")
        let hold = try json(placed.stdout)["hold"] as! [String: Any]
        let listed = try RegVaultBinary.run(["hold", "list", "--data", data]).stdout
        #expect(listed.contains(hold["holdId"] as! String))
        let extended = try RegVaultBinary.run(["retention", "extend", "--data", data, "--seq", complianceSeq,
                                               "--until", "2040-01-01T00:00:00Z", "--reason", "audit"])
        #expect(extended.status == 0, "\(extended.stderr)")
        let shown = try json(RegVaultBinary.run(["retention", "show", "--data", data, "--seq", complianceSeq]).stdout)
        #expect(shown["retainUntil"] as? String == "2040-01-01T00:00:00.000Z" && shown["mode"] as? String == "compliance")

        // The governance bypass with flag and reason shortens to the past; the hold still blocks the sweep.
        let bypass = try RegVaultBinary.run(["retention", "shorten", "--data", data, "--seq", governed,
                                             "--until", "2020-01-01T00:00:00Z", "--bypass-governance", "--reason", "erasure request"])
        #expect(bypass.status == 0, "\(bypass.stderr)")
        var sweep = try json(RegVaultBinary.run(["sweep", "--data", data]).stdout)
        #expect(sweep["erased"] as? Int == 0 && sweep["held"] as? Int == 1)
        #expect(try RegVaultBinary.run(["hold", "lift", "--data", data, "--id", hold["holdId"] as! String,
                                        "--reason", "settled"]).status == 0)
        sweep = try json(RegVaultBinary.run(["sweep", "--data", data]).stdout)
        #expect(sweep["erased"] as? Int == 1)
        let history = try RegVaultBinary.run(["history", "--data", data, "--entity", "thing", "--id", "cfg"]).stdout
        let erased = try json(history)
        #expect(erased["erased"] as? Bool == true && erased["erasedBy"] is Int)

        let check = try RegVaultBinary.run(["check", "--data", data])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(try json(check.stdout)["intact"] as? Bool == true)
    }

    @Test("check names a deleted entry and exits 1; the vault refuses to start")
    func checkFindsTampering() throws {
        #expect(try RegVaultBinary.run(["init", "--data", data, "--origin", "tamper.test/log"]).status == 0)
        let input = (0..<20).map { record("r\($0)", stream: "kyc", jurisdiction: "MT") }.joined(separator: "\n") + "\n"
        #expect(try RegVaultBinary.run(["append", "--data", data, "-"], input: input).status == 0)
        let queue = try DatabaseQueue(path: data + "/vault.sqlite")
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER leaves_are_append_only_delete")
            try db.execute(sql: "DELETE FROM leaves WHERE seq = 7")
        }
        let check = try RegVaultBinary.run(["check", "--data", data])
        #expect(check.status == 1)
        let problems = try json(check.stdout)["problems"] as! [[String: String]]
        #expect(problems.contains(["location": "entry 7", "reason": "is missing from the log"]))
        // The dropped trigger is named too: the database no longer protects what it should.
        #expect(problems.contains { $0["location"] == "database" && $0["reason"]?.contains("leaves_are_append_only_delete") == true })
        #expect(check.stderr.contains("entry 7: is missing from the log"))
        let history = try RegVaultBinary.run(["history", "--data", data, "--entity", "thing", "--id", "r1"])
        #expect(history.status != 0 && history.stderr.contains("regvault check"), "\(history.stderr)")
    }
}
