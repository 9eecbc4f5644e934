import ArgumentParser
import VaultStore

/// `regvault postgres …`: the PostgreSQL backend's tools.
struct PostgresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "PostgreSQL tools: the schema a database needs before regvault init --postgres, and its upgrade.",
        subcommands: [Schema.self, Upgrade.self]
    )

    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "schema",
            abstract: "Print the vault's PostgreSQL schema (DDL), to review or to run once in an empty database.",
            discussion: "Run it as the role that will own the tables, in one transaction: "
                + "regvault postgres schema --role regvault | psql --single-transaction -v ON_ERROR_STOP=1 \"$OWNER_URL\". "
                + "The application role gets SELECT and INSERT, and UPDATE only of what the vault changes."
        )

        @Option(name: .long, help: "The role the vault connects as (lower-case letters, digits and _).")
        var role = "regvault"

        func validate() throws {
            guard PostgresSchema.isValidRole(role) else {
                throw ValidationError("--role must be lower-case letters, digits and _, starting with a letter, "
                    + "at most 63 bytes and not starting with pg_; '\(role)' is not")
            }
        }

        func run() throws {
            Output.raw(PostgresSchema.sql(applicationRole: role))
        }
    }

    struct Upgrade: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "upgrade",
            abstract: "Print the DDL that brings a vault database made by an earlier version up to this one's schema.",
            discussion: "Stop every node first (building the new indexes blocks writes to the records), then run it "
                + "as the tables' owner, in one transaction: regvault postgres upgrade | psql --single-transaction "
                + "-v ON_ERROR_STOP=1 \"$OWNER_URL\". Running it again changes nothing. A node refuses to start on a "
                + "database that needs it, and says so."
        )

        func run() throws {
            Output.raw(PostgresSchema.upgrade)
        }
    }
}
