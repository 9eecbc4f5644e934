import ArgumentParser
import VaultCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the whole vault against its signed checkpoints and report every problem and where it is.",
        discussion: "Recomputes the tree from the stored entries (every tree hash and every checkpoint's root), verifies "
            + "every checkpoint's signature, and checks every record against its entry's commitment and every erasure "
            + "against its erasure entry. Prints one JSON object {intact, entries, records, erased, checkpoints, "
            + "problems:[{location, reason}]}; exits 1 if anything is wrong. Works on a vault that refuses to open."
    )

    @OptionGroup var options: DataOption

    func run() throws {
        let vault = try Vault.open(at: options.data, checkingOnOpen: false)
        let report = try vault.checkIntegrity { checked in Output.note("checked \(checked) entries") }
        Output.json(report.json)
        for problem in report.problems { Output.note("\(problem.location): \(problem.reason)") }
        if !report.isIntact {
            Output.note("the vault is NOT intact: \(report.problems.count) problem(s)")
            throw ExitCode(1)
        }
        Output.note("intact: \(report.entries) entries, \(report.records) records (\(report.erased) erased), "
            + "\(report.checkpoints) checkpoints")
    }
}
