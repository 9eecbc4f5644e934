import Foundation
import VaultArchive
import VaultFormat

/// A real vault whose erasures an insider can rewrite, and its honest full export. In log order:
/// records `erased-1`, `erased-2`, `held` and `kept` (GB platform configuration, governance mode)
/// and `payment` (FR, compliance mode); governance bypasses shortening the retention of `erased-1`,
/// `erased-2` and `held` to 2020; a legal hold on `held`; a sweep whose erasure entry
/// (`firstErasure`) erases `erased-1` and `erased-2` but not the held record; then `later` (GB);
/// bypasses shortening `bypassed-late` (GB, recorded with the first records) and `later` to 2020
/// the same way, and a second sweep whose erasure entry (`secondErasure`) erases both. `kept` and
/// `payment` keep their retention, and every rule of the accounting holds.
struct ErasureFixture {
    let vault: ExportFixture
    /// Each record's seq, by event id.
    let seqs: [String: Int64]
    let firstErasure: Int64
    let secondErasure: Int64
    let holdId: String
    /// The honest full export.
    let export: [ArchiveMember]

    /// The retain-until the bypasses set, as an erasure lists it.
    static let shortenedTo = "2020-01-01T00:00:00.000Z"

    init() throws {
        let data = RegVaultBinary.temporaryDirectory("erasure-accounting")
        let retention = ExportFixture.repository.appendingPathComponent("retention").path
        try ExportFixture.check(RegVaultBinary.run(["init", "--data", data, "--origin", "erasure.test/log", "--retention", retention]))
        var seqs = try Self.append(data, ["erased-1", "erased-2", "held", "kept", "bypassed-late"].map { ExportFixture.record($0, entityId: $0, state: "{}") }
            + [ExportFixture.record("payment", stream: "payment", jurisdiction: "FR", entity: "payment", entityId: "payment",
                                    state: #"{"amount":1}"#)])
        for id in ["erased-1", "erased-2", "held"] { try Self.shorten(data, seqs[id]!) }
        let hold = try Self.json(RegVaultBinary.run(["hold", "place", "--data", data, "--seq", "\(seqs["held"]!)",
                                                     "--case", "CASE-7", "--reason", "dispute"]))
        holdId = (hold["hold"] as! [String: Any])["holdId"] as! String
        firstErasure = try Self.sweep(data, erasing: 2)
        seqs.merge(try Self.append(data, [ExportFixture.record("later", entityId: "later", state: "{}")])) { $1 }
        for id in ["bypassed-late", "later"] { try Self.shorten(data, seqs[id]!) }
        secondErasure = try Self.sweep(data, erasing: 2)
        self.seqs = seqs
        vault = ExportFixture(data: data, key: try String(contentsOfFile: data + "/log.pub", encoding: .utf8)
            .trimmingCharacters(in: .newlines))
        export = try ExportFixture.members(try vault.export("full.tar"))
    }

    /// What an erasure would list for record `id` had it erased it after the bypass date.
    func listing(_ id: String) -> [String: Any] {
        ["seq": seqs[id]!, "class": "gb.platform-config", "retainUntil": Self.shortenedTo, "stream": "audit.change",
         "entity": ["type": "bonusRule", "id": id]]
    }

    /// Forges in `rewrite` the erasure of record `id` by the first erasure entry: the entry lists it
    /// (`listing`) and its record is left out. Returns the record's seq.
    func forgeFirstErasure(of id: String, in rewrite: inout InsiderRewrite) throws -> Int64 {
        let seq = seqs[id]!
        try rewrite.editErasure(firstErasure) { $0.append(listing(id)) }
        rewrite.drop(seq)
        return seq
    }

    private static func append(_ data: String, _ lines: [String]) throws -> [String: Int64] {
        let acks = try ExportFixture.check(RegVaultBinary.run(["append", "--data", data, "-"], input: lines.joined(separator: "\n") + "\n"))
        var seqs: [String: Int64] = [:]
        for line in acks.stdout.split(separator: "\n") {
            let ack = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            seqs[ack["eventId"] as! String] = (ack["seq"] as! NSNumber).int64Value
        }
        return seqs
    }

    private static func shorten(_ data: String, _ seq: Int64) throws {
        try ExportFixture.check(RegVaultBinary.run(["retention", "shorten", "--data", data, "--seq", "\(seq)", "--until", shortenedTo,
                                                    "--bypass-governance", "--reason", "filed in error"]))
    }

    /// Sweeps; returns the erasure entry's seq after checking it erased `count` records.
    private static func sweep(_ data: String, erasing count: Int) throws -> Int64 {
        let sweep = try json(RegVaultBinary.run(["sweep", "--data", data]))
        guard sweep["erased"] as? Int == count, let entries = sweep["erasureEntries"] as? [NSNumber], entries.count == 1 else {
            throw ExportFixture.Failure("the fixture's sweep answered \(sweep)")
        }
        return entries[0].int64Value
    }

    private static func json(_ result: Tool.Result) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(try ExportFixture.check(result).stdout.utf8)) as! [String: Any]
    }
}
