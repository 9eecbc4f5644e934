import ArgumentParser
import VaultCore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a vault, its Ed25519 log key, its first data key and its retention policies.",
        discussion: "The origin names the log in every checkpoint and is the key's name; use a schema-less URL "
            + "such as vault.example.com/operator/log. The private key is written to DIR/log.key (mode 0600), "
            + "the verifier key to DIR/log.pub, the data key that encrypts record bodies to DIR/keys/ (mode 0600), "
            + "and the retention policies (from --retention, else the operator default of seven years) to "
            + "DIR/retention/. With --postgres URL, the log, records and checkpoints live in that PostgreSQL database "
            + "(its owner installed the schema first: regvault postgres schema --role ROLE | psql) and DIR/postgres.url "
            + "(mode 0600) says so; DIR keeps the keys and policies, and a second node joins with a copy of DIR."
    )

    @OptionGroup var options: DataOption

    @Option(help: "The log's origin, e.g. vault.example.com/operator/log.")
    var origin: String

    @Option(help: "A directory of retention policy files, such as the repository's retention/ (see its README).")
    var retention: String?

    @Option(help: "Keep the vault in this PostgreSQL database: postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=verify-full&sslrootcert=FILE.")
    var postgres: String?

    func run() throws {
        let policies = try retention.map { try RetentionPolicySet.load(directory: $0) } ?? .operatorDefault
        let vault = try Vault.create(at: options.data, origin: origin, policies: policies, postgres: postgres)
        Output.note("created vault \(origin) in \(options.data)" + (try vault.directory.postgresLocation().map { ", kept in \($0)" } ?? ""))
        Output.raw(vault.verifierKey.description + "\n")
    }
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Show the log's keys.",
        subcommands: [PublicKey.self, RotateData.self]
    )

    struct RotateData: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-data",
            abstract: "Create a new data key for record bodies written from now on; older keys stay to read older records.",
            discussion: "Records are written once and never re-encrypted, so every key stays in DIR/keys/ while records "
                + "sealed under it exist. The rotation is an entry in the log (stream vault.keys). Stop the server first."
        )

        @OptionGroup var options: DataOption
        @OptionGroup var who: ActorOption

        func run() async throws {
            let (keyId, seq) = try await Vault.rotateDataKey(at: options.data, actor: who.vaultActor)
            Output.json(.object(["keyId": .number(JSONNumber(Int(keyId))), "seq": .number(JSONNumber(Int(seq)))]))
        }
    }

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
