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
    /// Also writes, if absent, `aws-credentials` (mode 0600): an AWS shared-credentials file with one
    /// profile per role, whose keys the S3 endpoint on `s3Listen` accepts.
    /// `regulatorWebhook` and `regulatorMail` (an SMTP relay `HOST:PORT` and the regulator's
    /// address) become destinations of every filed report and P1 incident.
    public static func prepare(dataDirectory dir: String, listen: String, s3Listen: String? = nil,
                               sandboxScenario scenario: String = "demo", regulatorWebhook: String? = nil,
                               regulatorMail: (relay: String, address: String)? = nil) throws
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
        if !FileManager.default.fileExists(atPath: certs + "/aws-credentials") {
            try writeAWSCredentials(to: certs + "/aws-credentials")
        }
        var configuration = ServerConfiguration(
            data: dir, listen: listen,
            tls: .init(certificate: certs + "/server.pem", privateKey: certs + "/server.key", clientCAs: [certs + "/ca.pem"]),
            identities: roles.map { .init(commonName: $0.rawValue, roles: [$0], allowFrom: loopback) })
        // The inspectors may ask for answers on loopback (POST /webhook/regulator/request), signed with webhook-secret.
        let secret = try webhookSecret(in: certs)
        for index in configuration.identities.indices
        where [Role.regulatorRead.rawValue, Role.complianceOfficer.rawValue].contains(configuration.identities[index].commonName) {
            configuration.identities[index].callbackHosts = ["127.0.0.1", "localhost", "::1"]
            configuration.identities[index].callbackSecretFile = secret
            configuration.identities[index].callbackTrustedCAs = certs + "/ca.pem"
        }
        configuration.sandbox = .init(scenario: scenario, clientCA: certs + "/sandbox-ca.pem", allowFrom: loopback)
        configuration.s3 = .init(listen: try s3Listen ?? nextPort(after: listen), credentials: certs + "/aws-credentials")
        // The vault's own incidents (a run of refused requests) are filed under the development licence's jurisdiction.
        configuration.rules = .init(jurisdiction: "MT")
        if regulatorWebhook != nil || regulatorMail != nil {
            configuration.deliveries = try developmentDeliveries(webhook: regulatorWebhook, mail: regulatorMail, certs: certs,
                                                                 linkBase: "https://" + listen)
        }
        return configuration
    }

    /// The S3 endpoint's default address: the next port on the same host (port 0 stays 0: any free port).
    static func nextPort(after listen: String) throws -> String {
        let address = try ListenAddress(listen)
        let host = address.host.contains(":") ? "[\(address.host)]" : address.host
        return "\(host):\(address.port == 0 ? 0 : address.port + 1)"
    }

    /// One `[role]` profile per role, with a random access key id (`RV` and 18 characters) and secret
    /// (40 characters), readable by the owner only.
    static func writeAWSCredentials(to path: String) throws {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        func random(_ count: Int, _ characters: [Character]) -> String {
            var generator = SystemRandomNumberGenerator()
            return String((0..<count).map { _ in characters[Int(generator.next(upperBound: UInt32(characters.count)))] })
        }
        var text = "# Development access keys of the vault's S3 endpoint, one profile per role.\n"
        for role in roles {
            text += "\n[\(role.rawValue)]\naws_access_key_id = RV\(random(18, alphabet))\n"
                + "aws_secret_access_key = \(random(40, secretAlphabet))\n"
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ServerError.configuration("cannot write \(path)")
        }
    }

    static let loopback = ["127.0.0.0/8", "::1/128"]

    /// The development regulator's destinations, each taking every filed report and P1 incident.
    /// Its webhook (`dev-regulator`) is signed with `webhook-secret` (made on first use), the vault
    /// presenting `delivery.pem` where the certificates have one; its mailbox (`dev-regulator-mail`)
    /// is reached through a relay on loopback, with STARTTLS when the relay offers it (a plain
    /// local sink is accepted). The development CA is trusted besides the system's, loopback is
    /// allowed, and retries come quickly.
    static func developmentDeliveries(webhook url: String?, mail: (relay: String, address: String)?, certs: String,
                                      linkBase: String) throws -> ServerConfiguration.Deliveries {
        var destinations: [ServerConfiguration.Deliveries.Destination] = []
        if let url {
            let secret = try webhookSecret(in: certs)
            let hasClientCertificate = FileManager.default.fileExists(atPath: certs + "/delivery.pem")
            let webhook = ServerConfiguration.Deliveries.Webhook(
                url: url, secretFile: secret, clientCertificate: hasClientCertificate ? certs + "/delivery.pem" : nil,
                clientKey: hasClientCertificate ? certs + "/delivery.key" : nil, trustedCAs: certs + "/ca.pem", allowPrivateAddress: true)
            destinations.append(.init(id: "dev-regulator", webhook: webhook, reports: .init(), incidents: .init(severities: ["P1"])))
        }
        if let mail {
            let email = ServerConfiguration.Deliveries.Email(
                url: "smtp://" + mail.relay, from: "regvault@dev.regvault.local", to: [mail.address], trustedCAs: certs + "/ca.pem",
                allowPrivateAddress: true, allowPlaintext: true)
            destinations.append(.init(id: "dev-regulator-mail", email: email, reports: .init(), incidents: .init(severities: ["P1"])))
        }
        var deliveries = ServerConfiguration.Deliveries(destinations: destinations,
                                                        maxAttempts: 8, firstRetrySeconds: 2, maxRetrySeconds: 60)
        deliveries.linkBase = linkBase
        try deliveries.validate()
        return deliveries
    }

    /// `certs/webhook-secret`, made (mode 0600) if absent: what signs development deliveries and callbacks.
    static func webhookSecret(in certs: String) throws -> String {
        let secret = certs + "/webhook-secret"
        if !FileManager.default.fileExists(atPath: secret) {
            guard FileManager.default.createFile(atPath: secret, contents: Data((WebhookSignature.newSecret() + "\n").utf8),
                                                 attributes: [.posixPermissions: 0o600]) else {
                throw ServerError.configuration("cannot write \(secret)")
            }
        }
        return secret
    }

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
        // The vault's own client certificate, for regulators' webhooks that require one.
        let (delivery, deliveryKey) = try ca.issue(commonName: "regvault-delivery")
        try CertificateAuthority.write(delivery, deliveryKey, to: dir + "/delivery")
        let (stranger, strangerKey) = try other.issue(commonName: Role.regulatorRead.rawValue)
        try CertificateAuthority.write(stranger, strangerKey, to: dir + "/other-ca-client")
    }
}
