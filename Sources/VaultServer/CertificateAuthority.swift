import Crypto
import Foundation
import SwiftASN1
import X509
import VaultConfiguration

/// A small certificate authority for development and sandbox certificates (P-256, ECDSA-SHA256,
/// 825 days): a self-signed CA certificate that issues client and server certificates.
struct CertificateAuthority {
    let key: P256.Signing.PrivateKey
    let name: DistinguishedName
    let certificate: Certificate

    /// Loads a CA from `base.pem` and `base.key`.
    init(base: String) throws {
        do {
            certificate = try Certificate(pemEncoded: String(contentsOfFile: base + ".pem", encoding: .utf8))
            key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: base + ".key", encoding: .utf8))
        } catch {
            throw ServerError.configuration("cannot read the CA \(base).pem and \(base).key: \(error)")
        }
        guard Certificate.PublicKey(key.publicKey) == certificate.publicKey else {
            throw ServerError.configuration("\(base).key is not the key of \(base).pem")
        }
        name = certificate.subject
    }

    /// A new CA.
    init(name commonName: String) throws {
        let key = P256.Signing.PrivateKey()
        self.key = key
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

    /// Writes `base.pem` and, when given, the key to `base.key` (mode 0600).
    static func write(_ certificate: Certificate, _ key: P256.Signing.PrivateKey?, to base: String) throws {
        try certificate.serializeAsPEM().pemString.appending("\n").write(toFile: base + ".pem", atomically: true, encoding: .utf8)
        guard let key else { return }
        guard FileManager.default.createFile(atPath: base + ".key", contents: Data((key.pemRepresentation + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw ServerError.configuration("cannot write \(base).key")
        }
    }
}
