import ArgumentParser

@main
struct RegVault: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regvault",
        abstract: "RegVault: a WORM audit vault whose records are leaves of a verifiable RFC 9162 log.",
        discussion: "Every command takes --data DIR, the vault's data directory. Output is JSON (one object per line) "
            + "on standard output; progress and errors go to standard error.",
        subcommands: [InitCommand.self, KeysCommand.self, AppendCommand.self, CheckpointCommand.self,
                      EntryCommand.self, ProveCommand.self, HistoryCommand.self, AuditCommand.self, GenerateCommand.self, ServeCommand.self,
                      SweepCommand.self, HoldCommand.self, RetentionCommand.self, CheckCommand.self,
                      ExportCommand.self, ReportCommand.self, DeliveriesCommand.self, IncidentsCommand.self, SandboxCommand.self,
                      PostgresCommand.self, MigrateCommand.self]
    )
}

/// The option every command shares.
struct DataOption: ParsableArguments {
    @Option(name: .long, help: "The vault's data directory.")
    var data: String
}

/// A failure to report as one line, without the usage text that argument errors get.
struct CLIError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
