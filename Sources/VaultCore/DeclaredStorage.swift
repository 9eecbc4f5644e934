import Foundation
import VaultStore

extension VaultDirectory {
    /// Checks that the vault in this directory is kept where a server's configuration says
    /// (`storage.postgres`, a PostgreSQL URL; nil: anywhere). Compared by user, host, port and
    /// database, not by password or TLS settings.
    /// - Throws: naming both places, when the directory's vault is in its SQLite file or in another
    ///   database, or when the directory holds no vault.
    public func checkDeclaredStorage(postgres declared: String?) throws {
        guard let declared else { return }
        // Only who and where count: TLS parameters (and their files) are the directory's to say.
        var components = URLComponents(string: declared)
        components?.query = nil
        let expected: PostgresLocation
        do { expected = try PostgresLocation(url: components?.string ?? declared) } catch {
            throw VaultError(.invalidRequest, "storage.postgres in the configuration: \(error)")
        }
        guard let actual = try postgresLocation() else {
            let there = FileManager.default.fileExists(atPath: databasePath)
                ? "its vault is in SQLite (\(databasePath)); move it with: regvault migrate --from sqlite:\(path) --to URL"
                : "it holds no vault; create one with: regvault init --data \(path) --origin ORIGIN --postgres URL"
            throw VaultError(.invalidRequest, "the configuration keeps the vault in \(expected), but \(path) does not: \(there)")
        }
        guard (actual.username, actual.host, actual.port, actual.database)
                == (expected.username, expected.host, expected.port, expected.database) else {
            throw VaultError(.invalidRequest, "the configuration keeps the vault in \(expected), but \(postgresLocationPath) "
                + "names \(actual); a node serves only the database its data directory was made for")
        }
    }
}
