import Foundation
import Testing
import VaultCore

/// `storage.postgres` in a server's configuration against where the data directory's vault is.
@Suite("the configuration's storage against the data directory")
struct DeclaredStorageTests {
    @Test("the same database passes whatever the password and TLS parameters; another one, a SQLite vault or no vault is refused")
    func agreement() throws {
        let postgres = try VaultFixture(backend: .postgres)
        let url = try String(contentsOfFile: postgres.path + "/postgres.url", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = try #require(URLComponents(string: url))
        let directory = VaultDirectory(path: postgres.path)
        try directory.checkDeclaredStorage(postgres: nil)
        try directory.checkDeclaredStorage(postgres: "postgres://\(parts.user!)@\(parts.host!):\(parts.port!)\(parts.path)")
        try directory.checkDeclaredStorage(postgres: "postgres://\(parts.user!)@\(parts.host!):\(parts.port!)\(parts.path)?sslrootcert=absent.pem")

        let refusal = #expect(throws: VaultError.self) {
            try directory.checkDeclaredStorage(postgres: "postgres://\(parts.user!)@\(parts.host!):\(parts.port!)/another")
        }
        #expect(refusal?.reason.contains("names postgres://\(parts.user!)@\(parts.host!):\(parts.port!)\(parts.path)") == true)

        let sqlite = try VaultFixture()
        let inSQLite = #expect(throws: VaultError.self) { try VaultDirectory(path: sqlite.path).checkDeclaredStorage(postgres: url) }
        #expect(inSQLite?.reason.contains("regvault migrate --from sqlite:\(sqlite.path)") == true)

        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID().uuidString)").path
        let none = #expect(throws: VaultError.self) { try VaultDirectory(path: empty).checkDeclaredStorage(postgres: url) }
        #expect(none?.reason.contains("regvault init --data \(empty)") == true)
    }
}
