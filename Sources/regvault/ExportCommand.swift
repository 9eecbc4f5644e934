public import ArgumentParser
import Foundation
import VaultArchive
import VaultCore

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a signed export archive that auditors verify offline with regvault-verify.",
        discussion: "Without filters the archive holds the whole log up to the latest checkpoint: every entry, every "
            + "record that is not erased, the checkpoint, the verifier key, the retention policies and a signed manifest. "
            + "With filters it holds the records they select (all must match), their entries with inclusion proofs, and "
            + "what accounts for them: erasure entries, retention changes, legal holds and policies. The format is in "
            + "docs/ARCHIVE.md; any tar lists it. Progress goes to standard error; a summary as JSON to standard output."
    )

    @OptionGroup var options: DataOption
    @Option(help: "The archive to write (.tar, .tar.gz or .tar.zst picks the compression unless --compression is given).")
    var out: String
    @Option(help: "none, gzip or zstd.") var compression: ArchiveCompression?
    @Option(help: "Records recorded at or after this time (RFC 3339).") var from: String?
    @Option(help: "Records recorded before this time (RFC 3339).") var to: String?
    @Option(help: "Records of this entity type (with --id).") var entity: String?
    @Option(help: "The entity id (with --entity).") var id: String?
    @Option(help: "Records about this player.") var player: String?
    @Option(help: "Records of this stream.") var stream: String?
    @Option(name: .customLong("prove-from"), help: "Include a consistency proof from this earlier tree size (an auditor's trusted checkpoint).")
    var proveFrom: Int64?

    func run() throws {
        let filter = ExportFilter(from: try from.map { try parseTime($0, option: "--from") },
                                  to: try to.map { try parseTime($0, option: "--to") },
                                  entityType: entity, entityId: id, player: player, stream: stream)
        let chosen = compression ?? (out.hasSuffix(".gz") || out.hasSuffix(".tgz") ? .gzip : out.hasSuffix(".zst") ? .zstd : .none)
        let vault = try Vault.open(at: options.data)
        let summary = try vault.export(to: out, filter: filter, compression: chosen, proveFrom: proveFrom) { progress in
            Output.note("export: \(progress.done) of \(progress.total) entries")
        }
        Output.json(summary.json)
        Output.note("wrote \(out): \(summary.entries) entries, \(summary.records) records, \(summary.bytes) bytes")
    }
}

extension ArchiveCompression: ExpressibleByArgument {}
