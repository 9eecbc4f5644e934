import ArgumentParser
import Foundation
import VaultCore

/// `regvault migrate --from sqlite:DIR --to postgres://…`: moves a vault into PostgreSQL.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Move a vault from its SQLite file into a PostgreSQL database, and prove the result.",
        discussion: "Stop the server first (the command holds the vault's writer lock). The database must hold the "
            + "vault's empty schema (as its owner: regvault postgres schema --role ROLE | psql). Every row is copied as "
            + "stored, in one transaction, then read back and compared, and the vault in PostgreSQL is checked in full "
            + "(every entry, tree hash, root and signature recomputed); only then does DIR switch to the database "
            + "(DIR/postgres.url), keeping the SQLite file as DIR/vault.sqlite.migrated. The log is not re-signed: the "
            + "same entries, roots and checkpoints are served, so an old checkpoint proves the moved log consistent. "
            + "Prints {database, entries, erased, checkpoints, objects, unreferencedObjectFiles, treeSize, rootHash, intact}."
    )

    @Option(help: "The vault to move: sqlite:DIR (or DIR), its data directory.")
    var from: String

    @Option(help: "The PostgreSQL database: postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=verify-full&sslrootcert=FILE.")
    var to: String

    var directory: String { from.hasPrefix("sqlite:") ? String(from.dropFirst("sqlite:".count)) : from }

    func validate() throws {
        guard !directory.isEmpty else { throw ValidationError("--from must name the vault's data directory: sqlite:DIR") }
        guard to.hasPrefix("postgres://") || to.hasPrefix("postgresql://") else {
            throw ValidationError("--to must be a postgres:// URL, not '\(to)'")
        }
    }

    func run() throws {
        var lastNote = Date.distantPast
        let report = try Vault.migrateToPostgres(at: directory, url: to) { stage in
            let (verb, done, total): (String, Int64, Int64) = switch stage {
            case let .copied(entries, of): ("copied", entries, of)
            case let .compared(entries, of): ("compared", entries, of)
            case let .checked(entries, of): ("checked", entries, of)
            }
            guard done == total || Date().timeIntervalSince(lastNote) >= 2 else { return }
            lastNote = Date()
            Output.note("\(verb) \(done) of \(total) entries" + (total > 0 ? " (\(done * 100 / total)%)" : ""))
        }
        Output.json(report.json)
        Output.note("moved \(report.entries) entries (\(report.erased) erased), \(report.checkpoints) checkpoints and "
            + "\(report.objects) objects into \(report.database); the copy matches row for row and checks intact")
        if report.unreferencedObjectFiles > 0 {
            Output.note("\(report.unreferencedObjectFiles) object files no record refers to (stores interrupted before their "
                + "record) were left behind")
        }
        Output.note("\(directory) now uses the database; its SQLite file is kept as \(directory)/vault.sqlite.migrated")
    }
}
