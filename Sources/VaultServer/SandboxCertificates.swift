import Foundation
import VaultConfiguration

/// Client certificates for the regulator sandbox, from the sandbox's own CA: a certificate it issues
/// opens `/sandbox/` and nothing else, whatever its name (see `SandboxAccess`).
public enum SandboxCertificates {
    /// Issues `into/NAME.pem` and `into/NAME.key` (0600) for `commonName` from the CA at
    /// `authorityBase.pem`/`.key`. A missing CA is an error unless `creatingAuthority`, which then
    /// makes one (its key 0600; its name carries a random suffix, so no two sandbox CAs look alike).
    /// Refuses to overwrite an existing certificate or key. Returns the certificate's path.
    @discardableResult
    public static func issue(commonName: String, authorityBase: String, into directory: String,
                             fileName: String? = nil, creatingAuthority: Bool = false) throws -> String {
        let name = fileName ?? commonName
        guard !commonName.isEmpty, commonName.utf8.count <= 64,
              name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }), !name.hasPrefix(".") else {
            throw ServerError.configuration("the certificate name '\(commonName)' must be 1 to 64 letters, digits, '.', '_' or '-'")
        }
        let base = directory + "/" + name
        for file in [base + ".pem", base + ".key"] where FileManager.default.fileExists(atPath: file) {
            throw ServerError.configuration("\(file) already exists; choose another name or remove it first")
        }
        let authorityDirectory = (authorityBase as NSString).deletingLastPathComponent
        for dir in [directory, authorityDirectory] where !dir.isEmpty {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        let authority: CertificateAuthority
        if FileManager.default.fileExists(atPath: authorityBase + ".pem") {
            authority = try CertificateAuthority(base: authorityBase)
        } else {
            guard creatingAuthority else {
                throw ServerError.configuration("there is no sandbox CA at \(authorityBase).pem; give --create-ca to make one there")
            }
            let suffix = (0..<4).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined()
            authority = try CertificateAuthority(name: "RegVault regulator sandbox CA \(suffix)")
            try CertificateAuthority.write(authority.certificate, authority.key, to: authorityBase)
        }
        let (certificate, key) = try authority.issue(commonName: commonName)
        try CertificateAuthority.write(certificate, key, to: base)
        return base + ".pem"
    }
}
