import ArgumentParser
import VaultCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the whole vault against its signed checkpoints and report every problem and where it is.",
        discussion: "Recomputes the tree from the stored entries (every tree hash and every checkpoint's root), verifies "
            + "every checkpoint's signature, and checks every record against its entry's commitment and every erasure "
            + "against its erasure entry. Prints one JSON object {intact, entries, records, erased, checkpoints, "
            + "problems:[{location, reason}]}; exits 1 if anything is wrong. Works on a vault that refuses to open. "
            + "With --restore-protections, puts the database's protective triggers back when they are the only "
            + "problem (a vault whose triggers were removed refuses to open until then)."
    )

    @OptionGroup var options: DataOption

    @Flag(help: "Restore the database's protective triggers if the check finds nothing else wrong.")
    var restoreProtections = false

    func run() throws {
        let vault = try Vault.open(at: options.data, checkingOnOpen: false)
        var report = try vault.checkIntegrity { checked in Output.note("checked \(checked) entries") }
        if restoreProtections, !report.isIntact, report.problems.allSatisfy({ $0.location == "database" }) {
            try vault.store.restoreProtections()
            Output.note("restored the database's protective triggers; checking again")
            report = try vault.checkIntegrity { checked in Output.note("checked \(checked) entries") }
        } else if restoreProtections, report.problems.contains(where: { $0.location != "database" }) {
            Output.note("not restoring the protective triggers: the vault has other problems; they come first")
        }
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
