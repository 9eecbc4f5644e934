import Foundation
import VaultArchive
import VaultFormat

/// A vault with history worth exporting: the repository's retention policies, bonus rule 123 with
/// several versions, records about player p-1, two governance-mode records erased early by an admin
/// bypass and a sweep, and a legal hold; plus helpers to run exports and the verifier, and to
/// rewrite archives the way an attacker would.
struct ExportFixture {
    let data: String
    let key: String
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func record(_ id: String, stream: String = "audit.change", jurisdiction: String = "GB", entity: String = "bonusRule",
                       entityId: String, player: String? = nil, state: String) -> String {
        let playerField = player.map { #","playerId":"\#($0)""# } ?? ""
        return #"{"eventId":"\#(id)","stream":"\#(stream)","entity":{"type":"\#(entity)","id":"\#(entityId)"},"action":"update","actor":{"id":"bo-admin"},"occurredAt":"2026-11-20T10:00:00Z","reason":"change","jurisdiction":"\#(jurisdiction)"\#(playerField),"state":\#(state)}"#
    }

    init() throws {
        data = RegVaultBinary.temporaryDirectory("export")
        let retention = ExportFixture.repository.appendingPathComponent("retention").path
        try ExportFixture.check(RegVaultBinary.run(["init", "--data", data, "--origin", "export.test/log", "--retention", retention]))
        var lines = (1...5).map { ExportFixture.record("rule-\($0)", entityId: "123", state: #"{"maxBonus":\#($0 * 100)}"#) }
        lines += (1...4).map { ExportFixture.record("kyc-\($0)", stream: "kyc", jurisdiction: "MT", entity: "player", entityId: "p-1",
                                                    player: "p-1", state: #"{"status":"step\#($0)"}"#) }
        lines += (1...30).map { ExportFixture.record("other-\($0)", stream: "payment", jurisdiction: "FR", entity: "payment",
                                                     entityId: "pay-\($0)", player: "p-\($0 % 3)", state: #"{"amount":\#($0)}"#) }
        lines += ["cfg-a", "cfg-b"].map { ExportFixture.record($0, entityId: $0, state: #"{"flag":true}"#) }
        let acks = try ExportFixture.check(RegVaultBinary.run(["append", "--data", data, "-"], input: lines.joined(separator: "\n") + "\n"))
            .stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        for ack in acks.suffix(2) {
            try ExportFixture.check(RegVaultBinary.run(["retention", "shorten", "--data", data, "--seq", "\(ack["seq"] as! Int)",
                                                        "--until", "2020-01-01T00:00:00Z", "--bypass-governance",
                                                        "--reason", "filed in error"]))
        }
        try ExportFixture.check(RegVaultBinary.run(["hold", "place", "--data", data, "--player", "p-1", "--case", "CASE-1",
                                                    "--reason", "dispute"]))
        let sweep = try ExportFixture.check(RegVaultBinary.run(["sweep", "--data", data]))
        guard sweep.stdout.contains(#""erased":2"#) else { throw Failure("the fixture's sweep erased \(sweep.stdout)") }
        key = try String(contentsOfFile: data + "/log.pub", encoding: .utf8).trimmingCharacters(in: .newlines)
    }

    /// A fixture over a vault built elsewhere, for its export, verify and rewrite helpers.
    init(data: String, key: String) {
        self.data = data
        self.key = key
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    @discardableResult
    static func check(_ result: Tool.Result) throws -> Tool.Result {
        guard result.status == 0 else { throw Failure("exit \(result.status): \(result.stderr)") }
        return result
    }

    /// `regvault export` with `arguments`; returns the archive's path.
    func export(_ name: String, _ arguments: [String] = []) throws -> String {
        let out = data + "-" + name
        try ExportFixture.check(RegVaultBinary.run(["export", "--data", data, "--out", out] + arguments))
        return out
    }

    /// Runs `regvault-verify`; returns its exit status, JSON result and summary.
    func verify(_ archive: String, key: String? = nil, extra: [String] = []) throws -> (status: Int32, json: [String: Any], stderr: String) {
        let result = try Tool.run(executable: VerifierBinary.url, [archive, "--key", key ?? self.key] + extra, input: nil)
        let json = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
        return (result.status, json, result.stderr)
    }

    // MARK: rewriting archives

    static func members(_ archive: String) throws -> [ArchiveMember] {
        var members: [ArchiveMember] = []
        try ArchiveReader(path: archive).forEachMember { members.append($0) }
        return members
    }

    /// Writes `members` as an uncompressed archive (duplicates allowed, as an attacker's tool would).
    static func write(_ members: [ArchiveMember], to path: String) throws {
        var script = "import sys, tarfile, io\nt = tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT)\n"
        let dir = path + ".members"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (index, member) in members.enumerated() {
            try Data(member.bytes).write(to: URL(fileURLWithPath: "\(dir)/\(index)"))
            script += "d = open('\(dir)/\(index)', 'rb').read(); i = tarfile.TarInfo('\(member.path)'); i.size = len(d); i.mode = 0o444; t.addfile(i, io.BytesIO(d))\n"
        }
        script += "t.close()\n"
        try ExportFixture.check(Tool.run("python3", ["-c", script, path]))
    }

    /// The manifest re-signed with the log's own key over `members` (what an insider with the key could do),
    /// naming `rootHash` as the tree's root when the insider also re-signed the checkpoint.
    func resigned(_ members: [ArchiveMember], rootHash: Hash? = nil) throws -> [ArchiveMember] {
        let signer = try NoteSigner(privateKeyText: String(contentsOfFile: data + "/log.key", encoding: .utf8))
        let old = try ExportManifest(text: try SignedNote(parsing: members.last!.bytes, maxSize: ExportManifest.maxNoteSize).text)
        let body = members.dropLast().map { ExportManifest.Member(path: $0.path, size: $0.size, digest: Hash.sha256($0.bytes)) }
        let manifest = ExportManifest(origin: old.origin, treeSize: old.treeSize, rootHash: rootHash ?? old.rootHash, scope: old.scope,
                                      filter: old.filter, members: Array(body))
        return Array(members.dropLast()) + [ArchiveMember(path: ArchiveLayout.manifest, bytes: Array(try manifest.signed(with: signer).utf8),
                                                          modificationTime: 0)]
    }
}

/// The `regvault-verify` binary built next to `regvault`.
enum VerifierBinary {
    static let url = RegVaultBinary.url.deletingLastPathComponent().appendingPathComponent("regvault-verify")
}
