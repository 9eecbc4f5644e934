import Crypto
import Foundation
import SwiftASN1
import X509

/// `regvault serve --dev`: development certificates and a configuration that trusts them from
/// loopback only. Never for production: the CA key sits next to the certificates.
public enum DevelopmentMode {
    /// The roles, each with a client certificate named after it.
    public static let roles: [Role] = [.ingest, .regulatorRead, .complianceOfficer, .admin]

    /// Creates, if absent, `dir/dev-certs/` with `ca.pem`, `server.pem`/`server.key` (localhost,
    /// 127.0.0.1, ::1), `ROLE.pem`/`ROLE.key` for every role, and `other-ca-client.pem`/`.key`
    /// from an unrelated CA; returns a configuration that serves `dir` on `listen`.
    public static func prepare(dataDirectory dir: String, listen: String) throws -> ServerConfiguration {
        let certs = dir + "/dev-certs"
        if !FileManager.default.fileExists(atPath: certs + "/ca.pem") {
            try FileManager.default.createDirectory(atPath: certs, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try generate(into: certs)
        }
        return ServerConfiguration(
            data: dir, listen: listen,
            tls: .init(certificate: certs + "/server.pem", privateKey: certs + "/server.key", clientCAs: [certs + "/ca.pem"]),
            identities: roles.map { .init(commonName: $0.rawValue, roles: [$0], allowFrom: ["127.0.0.0/8", "::1/128"]) })
    }

    private static func generate(into dir: String) throws {
        let ca = try Authority(name: "RegVault development CA")
        let other = try Authority(name: "Unrelated development CA")
        try write(ca.certificate, nil, to: dir + "/ca")
        let (server, serverKey) = try ca.issue(commonName: "localhost", serverNames: ["localhost"],
                                               addresses: [[127, 0, 0, 1], [UInt8](repeating: 0, count: 15) + [1]])
        try write(server, serverKey, to: dir + "/server")
        for role in roles {
            let (certificate, key) = try ca.issue(commonName: role.rawValue)
            try write(certificate, key, to: dir + "/" + role.rawValue)
        }
        let (stranger, strangerKey) = try other.issue(commonName: Role.regulatorRead.rawValue)
        try write(stranger, strangerKey, to: dir + "/other-ca-client")
    }

    private static func write(_ certificate: Certificate, _ key: P256.Signing.PrivateKey?, to base: String) throws {
        try certificate.serializeAsPEM().pemString.appending("\n").write(toFile: base + ".pem", atomically: true, encoding: .utf8)
        guard let key else { return }
        guard FileManager.default.createFile(atPath: base + ".key", contents: Data((key.pemRepresentation + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw ServerError.configuration("cannot write \(base).key")
        }
    }

    /// A certificate authority that lives only while certificates are issued.
    private struct Authority {
        let key = P256.Signing.PrivateKey()
        let name: DistinguishedName
        let certificate: Certificate

        init(name commonName: String) throws {
            let name = try DistinguishedName { CommonName(commonName) }
            self.name = name
            let now = Date()
            certificate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(825 * 86_400),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                },
                issuerPrivateKey: .init(key))
        }

        /// A server certificate when `serverNames` or `addresses` are given, else a client one.
        func issue(commonName: String, serverNames: [String] = [], addresses: [[UInt8]] = [])
            throws -> (Certificate, P256.Signing.PrivateKey) {
            let subjectKey = P256.Signing.PrivateKey()
            let isServer = !serverNames.isEmpty || !addresses.isEmpty
            let now = Date()
            let names = serverNames.map { GeneralName.dnsName($0) }
                + addresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: ArraySlice($0))) }
            let certificate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(subjectKey.publicKey),
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(825 * 86_400),
                issuer: name, subject: try DistinguishedName { CommonName(commonName) },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([isServer ? .serverAuth : .clientAuth])
                    if isServer { SubjectAlternativeNames(names) }
                },
                issuerPrivateKey: .init(key))
            return (certificate, subjectKey)
        }
    }
}
