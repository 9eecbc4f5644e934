import Crypto
import Foundation
import Hummingbird
import VaultConfiguration
import VaultCore
import VaultFormat

/// Makes and checks the credential of an `IncidentAccessGrant`: `rvi_<grant id>.<base64url
/// HMAC-SHA256 of the grant id>`, keyed by `DATA/incident-access.key` (32 random bytes in hex,
/// mode 0600, made on first start). Only this server can make one; the grant's entry in the log
/// holds no secret. A node that serves the same vault needs the same key file, as it needs the
/// log's signing key.
struct IncidentAccessKey: Sendable {
    static let prefix = "rvi_"
    private let key: SymmetricKey

    init(key: SymmetricKey) { self.key = key }

    /// The key in `dataDirectory`, made if absent.
    static func load(dataDirectory: String) throws -> IncidentAccessKey {
        let path = dataDirectory + "/incident-access.key"
        if !FileManager.default.fileExists(atPath: path) {
            let hex = SymmetricKey(size: .bits256).withUnsafeBytes { Hash(bytes: $0)!.hex }
            guard FileManager.default.createFile(atPath: path, contents: Data((hex + "\n").utf8), attributes: [.posixPermissions: 0o600])
            else { throw ServerError.configuration("cannot write \(path)") }
        }
        let text = try OwnerOnlyFile.read(path, what: "incident access key").trimmingCharacters(in: .whitespacesAndNewlines)
        guard let key = Hash(hex: text) else {
            throw ServerError.configuration("\(path) must hold 64 hexadecimal digits (32 bytes)")
        }
        return IncidentAccessKey(key: SymmetricKey(data: key.bytes))
    }

    /// The credential a request carries: `Authorization: Bearer rvi_…`, or the query parameter
    /// `access` (the signed link a notice gives), on any route: wherever it is presented it stands
    /// in for the certificate's roles.
    static func credential(in request: Request) -> String? {
        if let header = request.headers[.authorization], header.hasPrefix("Bearer " + prefix) {
            return String(header.dropFirst("Bearer ".count))
        }
        return request.uri.queryParameters.get("access").map { String($0) }
    }

    func token(grantId: String) -> String {
        IncidentAccessKey.prefix + grantId + "." + base64url(Data(HMAC<SHA256>.authenticationCode(for: Data(grantId.utf8), using: key)))
    }

    /// The grant id a token names, if this key made it (compared in constant time).
    func grantId(of token: String) -> String? {
        guard token.hasPrefix(IncidentAccessKey.prefix), token.count <= 128 else { return nil }
        let parts = token.dropFirst(IncidentAccessKey.prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let mac = Data(base64URL: String(parts[1])) else { return nil }
        let grantId = String(parts[0])
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data(grantId.utf8), using: key) ? grantId : nil
    }

    private func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

private extension Data {
    init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }
}
