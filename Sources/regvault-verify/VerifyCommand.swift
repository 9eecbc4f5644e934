import ArgumentParser
import Foundation
import VaultArchive
import VaultFormat

/// `regvault-verify ARCHIVE --key VERIFIER_KEY [--trusted-checkpoint FILE] [--verbose]`: the offline
/// verifier of RegVault export archives (docs/ARCHIVE.md). No networking anywhere in its
/// dependencies; trust comes only from the key (and checkpoint) given on the command line.
@main
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regvault-verify",
        abstract: "Verify a RegVault export archive offline.",
        discussion: "Prints one JSON result on standard output and a summary on standard error. Exits 0 only if every "
            + "check holds: the signed manifest and every member's SHA-256, every entry against the signed checkpoint, "
            + "every record against its entry's commitment, every missing record accounted for by one erasure entry "
            + "later in the log, made after its retention and not under a hold, and consistency with "
            + "--trusted-checkpoint. Exits 1 if any fails, naming the member and the reason. With --dump, a valid "
            + "archive's records follow on standard output instead of the JSON result. See docs/ARCHIVE.md."
    )

    @Argument(help: "The archive (.tar, .tar.gz or .tar.zst).")
    var archive: String

    @Option(help: "The log's verifier key (name+keyid+key, from 'regvault keys public'), or a file holding it.")
    var key: String

    @Option(name: .customLong("trusted-checkpoint"), help: "A signed checkpoint of the same log you already trust.")
    var trustedCheckpoint: String?

    @Flag(help: "Show each step.") var verbose = false

    @Option(help: "After a VALID verdict, print the archive's records instead of the JSON result: jsonl ({\"seq\",\"record\"} per line, the exact record) or csv; erased records as erased.")
    var dump: DumpFormat?

    @Option(name: .customLong("max-member-bytes"), help: "The largest member to read (default 256 MiB).")
    var maxMemberBytes: Int64 = 256 * 1024 * 1024

    @Option(name: .customLong("max-total-bytes"), help: "The most to read in total, uncompressed (default 16 GiB).")
    var maxTotalBytes: Int64 = 16 * 1024 * 1024 * 1024

    @Option(name: .customLong("max-compression-ratio"),
            help: "The most bytes a compressed archive may inflate to per compressed byte, after the first 16 MiB (default 100).")
    var maxCompressionRatio: Int64 = 100

    func run() throws {
        let verifierKey = try loadKey()
        let trusted = try trustedCheckpoint.map { path -> [UInt8] in
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read the trusted checkpoint \(path)")
            }
            return [UInt8](data)
        }
        guard FileManager.default.isReadableFile(atPath: archive) else { throw ValidationError("cannot read \(archive)") }
        let log: (String) -> Void = { line in if verbose { FileHandle.standardError.write(Data(("  " + line + "\n").utf8)) } }
        var limits = ArchiveLimits()
        limits.maxMemberBytes = maxMemberBytes
        limits.maxTotalBytes = maxTotalBytes
        limits.maxCompressionRatio = maxCompressionRatio
        let started = Date()
        let scan = ArchiveScan(path: archive, limits: limits, log: log)
        let result = Verifier(key: verifierKey, trustedCheckpoint: trusted, log: log).verify(scan)
        let seconds = Date().timeIntervalSince(started)
        Report(result: result, archive: archive, seconds: seconds).print(json: dump == nil)
        if !result.problems.isEmpty { throw ExitCode(1) }
        if let dump { try RecordDump(path: archive, limits: limits, format: dump).write(scan) }
    }

    private func loadKey() throws -> NoteVerifierKey {
        var text = key
        if FileManager.default.fileExists(atPath: key), let data = FileManager.default.contents(atPath: key) {
            text = String(decoding: data, as: UTF8.self)
        }
        do {
            return try NoteVerifierKey(text.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            throw ValidationError("--key is not a verifier key (name+keyid+key) or a file holding one: \(error)")
        }
    }
}

/// The verdict: JSON on standard output, a summary (and any fork evidence) on standard error.
struct Report {
    let result: Verifier.Result
    let archive: String
    let seconds: Double

    /// What a valid partial export proves, and what it cannot: its exporter chose which entries to
    /// include, and nothing in it shows that none was left out (docs/ARCHIVE.md).
    static let partialExportLimits = """
          A partial export proves that each of its records is in the signed log, unchanged, and that each of its
          missing records was erased by the rules, as far as the holds and retention changes it holds show. It
          cannot prove that it holds every record its filter matches, nor every legal hold and retention change
          of the log: for that, verify a full export.

        """

    /// The JSON result goes to standard output unless `json` is false (a dump follows there instead).
    func print(json printJSON: Bool = true) {
        let valid = result.problems.isEmpty
        var json: [String: Any] = [
            "valid": valid, "archive": archive, "entries": result.entries, "records": result.records,
            "erased": result.erased, "seconds": (seconds * 1000).rounded() / 1000,
            "problems": result.problems.all.map { ["member": $0.member, "reason": $0.reason] },
        ]
        if let manifest = result.manifest {
            json["origin"] = manifest.origin
            json["treeSize"] = manifest.treeSize
            json["scope"] = manifest.scope.rawValue
            json["filter"] = manifest.filter
        }
        if let fork = result.fork {
            json["fork"] = ["trustedCheckpoint": fork.trusted, "archiveCheckpoint": fork.archive,
                            "consistencyProof": fork.proof.map(\.base64)]
        }
        let data = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        if printJSON { FileHandle.standardOutput.write(data + Data("\n".utf8)) }

        var text: String
        if valid {
            text = "VALID: \(archive): \(result.manifest?.scope.rawValue ?? "") export of \(result.manifest?.origin ?? ""), "
                + "tree size \(result.manifest?.treeSize ?? 0); \(result.entries) entries, \(result.records) records, "
                + "\(result.erased) erased records accounted for\n"
            if result.manifest?.scope == .partial { text += Report.partialExportLimits }
        } else {
            text = "INVALID: \(archive): \(result.problems.all.count + result.problems.dropped) problem(s)\n"
            for problem in result.problems.all { text += "  \(problem.member): \(problem.reason)\n" }
            if result.problems.dropped > 0 { text += "  … and \(result.problems.dropped) more\n" }
        }
        if let fork = result.fork {
            text += "\nEVIDENCE OF A FORK\n-- trusted checkpoint:\n\(fork.trusted)\n-- archive checkpoint:\n\(fork.archive)\n"
                + "-- consistency proof (base64, one per line):\n" + fork.proof.map { $0.base64 + "\n" }.joined()
        }
        FileHandle.standardError.write(Data(text.utf8))
    }
}

