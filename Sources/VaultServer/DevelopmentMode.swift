import Crypto
import Foundation
import SwiftASN1
import X509
public import VaultConfiguration

/// `regvault serve --dev`: development certificates and a configuration that trusts them from
/// loopback only. Never for production: the CA key sits next to the certificates.
public enum DevelopmentMode {
    /// The roles, each with a client certificate named after it.
    public static let roles: [Role] = [.ingest, .regulatorRead, .complianceOfficer, .admin]

    /// Creates, if absent, `dir/dev-certs/` with `ca.pem`, `server.pem`/`server.key` (localhost,
    /// 127.0.0.1, ::1), `ROLE.pem`/`ROLE.key` for every role, `other-ca-client.pem`/`.key` from an
    /// unrelated CA, and the sandbox's own CA (`sandbox-ca.pem`/`.key`) with `sandbox.pem`/`.key`;
    /// returns a configuration that serves `dir` on `listen` with the sandbox replaying `scenario`.
    public static func prepare(dataDirectory dir: String, listen: String, sandboxScenario scenario: String = "demo") throws
        -> VaultConfiguration.ServerConfiguration {
        let certs = dir + "/dev-certs"
        if !FileManager.default.fileExists(atPath: certs + "/ca.pem") {
            try FileManager.default.createDirectory(atPath: certs, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try generate(into: certs)
        }
        if !FileManager.default.fileExists(atPath: certs + "/sandbox.pem") {
            try SandboxCertificates.issue(commonName: "sandbox", authorityBase: certs + "/sandbox-ca", into: certs,
                                          creatingAuthority: true)
        }
        var configuration = ServerConfiguration(
            data: dir, listen: listen,
            tls: .init(certificate: certs + "/server.pem", privateKey: certs + "/server.key", clientCAs: [certs + "/ca.pem"]),
            identities: roles.map { .init(commonName: $0.rawValue, roles: [$0], allowFrom: loopback) })
        configuration.sandbox = .init(scenario: scenario, clientCA: certs + "/sandbox-ca.pem", allowFrom: loopback)
        return configuration
    }

    static let loopback = ["127.0.0.0/8", "::1/128"]

    private static func generate(into dir: String) throws {
        let ca = try CertificateAuthority(name: "RegVault development CA")
        let other = try CertificateAuthority(name: "Unrelated development CA")
        try CertificateAuthority.write(ca.certificate, nil, to: dir + "/ca")
        let (server, serverKey) = try ca.issue(commonName: "localhost", serverNames: ["localhost"],
                                               addresses: [[127, 0, 0, 1], [UInt8](repeating: 0, count: 15) + [1]])
        try CertificateAuthority.write(server, serverKey, to: dir + "/server")
        for role in roles {
            let (certificate, key) = try ca.issue(commonName: role.rawValue)
            try CertificateAuthority.write(certificate, key, to: dir + "/" + role.rawValue)
        }
        let (stranger, strangerKey) = try other.issue(commonName: Role.regulatorRead.rawValue)
        try CertificateAuthority.write(stranger, strangerKey, to: dir + "/other-ca-client")
    }
}
