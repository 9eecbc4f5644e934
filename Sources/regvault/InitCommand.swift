import ArgumentParser
import VaultCore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a vault and its Ed25519 log key.",
        discussion: "The origin names the log in every checkpoint and is the key's name; use a schema-less URL "
            + "such as vault.example.com/operator/log. The private key is written to DIR/log.key (mode 0600) and "
            + "the verifier key to DIR/log.pub."
    )

    @OptionGroup var options: DataOption

    @Option(help: "The log's origin, e.g. vault.example.com/operator/log.")
    var origin: String

    func run() throws {
        let vault = try Vault.create(at: options.data, origin: origin)
        Output.note("created vault \(origin) in \(options.data)")
        Output.raw(vault.verifierKey.description + "\n")
    }
}

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Show the log's keys.",
        subcommands: [PublicKey.self]
    )

    struct PublicKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public",
            abstract: "Print the verifier key string (name+keyid+key) that checks the log's checkpoints."
        )

        @OptionGroup var options: DataOption

        func run() throws {
            Output.raw(try Vault.open(at: options.data).verifierKey.description + "\n")
        }
    }
}
