import Foundation
import NIOSSL
import PostgresNIO

/// Where a vault's PostgreSQL database is, from a libpq-style URL:
/// `postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=verify-full&sslrootcert=FILE`.
///
/// `sslmode` is `verify-full` (TLS, the server's certificate checked against `sslrootcert` or the
/// system's roots, and its name against HOST), `verify-ca` (the certificate checked, not its name),
/// `require` (TLS, nothing checked) or `disable`; without one, `verify-full`: a vault sends
/// records and keys' work over this connection, so it does not fall back to plain text or accept
/// any certificate unless told. Any other parameter is refused rather than ignored.
public struct PostgresLocation: Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let username: String
    let password: String?
    public let database: String
    public let sslMode: String
    let rootCertificatePath: String?

    public init(url text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              scheme == "postgres" || scheme == "postgresql" else {
            throw StorageError(.configuration, "a PostgreSQL location is a URL postgres://USER:PASSWORD@HOST:PORT/DATABASE, not '\(PostgresLocation.redacted(text))'")
        }
        guard let host = components.host, !host.isEmpty else {
            throw StorageError(.configuration, "the PostgreSQL URL names no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw StorageError(.configuration, "the PostgreSQL URL names no user (postgres://USER@HOST/DATABASE)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else {
            throw StorageError(.configuration, "the PostgreSQL URL names no database (postgres://USER@HOST/DATABASE)")
        }
        var mode = "verify-full"
        var rootCertificate: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, ["verify-full", "verify-ca", "require", "disable"].contains(value) else {
                    throw StorageError(.configuration, "sslmode must be verify-full, verify-ca, require or disable, not '\(item.value ?? "")'")
                }
                mode = value
            case "sslrootcert":
                guard let value = item.value, FileManager.default.isReadableFile(atPath: value) else {
                    throw StorageError(.configuration, "sslrootcert \(item.value ?? "") is not a readable file")
                }
                rootCertificate = value
            default:
                throw StorageError(.configuration, "the PostgreSQL URL parameter '\(item.name)' is not supported (sslmode and sslrootcert are)")
            }
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        self.sslMode = mode
        self.rootCertificatePath = rootCertificate
    }

    /// The location without its password, for messages and logs.
    public var description: String {
        "postgres://\(username)@\(host):\(port)/\(database)?sslmode=\(sslMode)"
    }

    /// `text` with any password replaced by `***`.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "***"
    }

    /// The connection settings postgres-nio takes, with `settings` sent as startup parameters (each
    /// session's own `idle_in_transaction_session_timeout`, `tcp_user_timeout`, ...).
    func configuration(settings: [(String, String)]) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case "disable":
            tls = .disable
        default:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            if let rootCertificatePath { configuration.trustRoots = .file(rootCertificatePath) }
            switch sslMode {
            case "require": configuration.certificateVerification = .none
            case "verify-ca": configuration.certificateVerification = .noHostnameVerification
            default: configuration.certificateVerification = .fullVerification
            }
            do {
                tls = .require(try NIOSSLContext(configuration: configuration))
            } catch {
                throw StorageError(.configuration, "TLS to PostgreSQL cannot be set up: \(error)")
            }
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: username, password: password,
                                                             database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = settings
        // postgres-nio sends HOST as the TLS server name, or for an address checks the certificate
        // against the address connected to.
        return configuration
    }
}
