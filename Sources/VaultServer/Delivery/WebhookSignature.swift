import Crypto
import Foundation
import VaultConfiguration

/// Standard Webhooks signing (standardwebhooks.com): the receiver gets `webhook-id`,
/// `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256>` of
/// `"<id>.<timestamp>.<body>"`, keyed by the secret's bytes. The secret is written `whsec_` then
/// base64, as the receivers' libraries expect it.
struct WebhookSignature: Sendable {
    private let key: SymmetricKey

    /// Parses a secret in the `whsec_<base64>` form (surrounding blanks and a final newline are
    /// ignored); at least 16 bytes, as the specification asks (24 to 64 recommended).
    init(secret text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("whsec_"), let bytes = Data(base64Encoded: String(trimmed.dropFirst(6))) else {
            throw ServerError.configuration("a webhook secret is 'whsec_' followed by base64")
        }
        guard bytes.count >= 16 else {
            throw ServerError.configuration("a webhook secret must hold at least 16 bytes (it holds \(bytes.count))")
        }
        key = SymmetricKey(data: bytes)
    }

    /// Reads the secret from `path`, which must be readable by its owner alone.
    static func load(path: String) throws -> WebhookSignature {
        let text = try OwnerOnlyFile.read(path, what: "webhook secret")
        do {
            return try WebhookSignature(secret: text)
        } catch ServerError.configuration(let reason) {
            throw ServerError.configuration("\(path): \(reason)")
        }
    }

    /// A new random secret in the `whsec_` form (32 bytes).
    static func newSecret() -> String {
        "whsec_" + Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
    }

    /// The `webhook-signature` header's value for one message.
    func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        var signed = Array("\(id).\(timestamp).".utf8)
        signed.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }
}
