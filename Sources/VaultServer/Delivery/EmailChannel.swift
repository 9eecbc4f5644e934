import AsyncHTTPClient
import Foundation
import VaultConfiguration
import VaultCore
import VaultFormat

/// One configured mailbox destination, sent through the system's `curl`, whose SMTP client does
/// STARTTLS, implicit TLS, AUTH (PLAIN, LOGIN, CRAM-MD5) and dot-stuffing, and is maintained and
/// patched with the operating system. A library linked into the server would add a C dependency
/// for one small, rarely used channel; a process per mail costs milliseconds at regulatory volumes.
///
/// The password and message go to curl through standard input and an owner-only temporary file,
/// never its arguments (which other users can see). TLS is required: STARTTLS for `smtp://`
/// (curl refuses a relay that does not offer it), TLS from the start for `smtps://`, unless the
/// destination allows plain text (a loopback sink in development).
struct EmailChannel: DeliveryChannel {
    let name = "email"
    let destination: String
    let settings: ServerConfiguration.Deliveries.Email
    /// Where links in the mail start (`deliveries.linkBase`).
    let linkBase: String?
    let host: String
    let port: Int
    let password: String?
    let curl: String

    init(destination: String, settings: ServerConfiguration.Deliveries.Email, linkBase: String?) throws {
        guard let curl = ExternalCommand.locate("curl") else {
            throw ServerError.configuration("delivery destination \(destination): e-mail is sent with curl, which is not installed")
        }
        guard let components = URLComponents(string: settings.url), let host = components.host else {
            throw ServerError.configuration("delivery destination \(destination): cannot read the url \(settings.url)")
        }
        self.destination = destination
        self.settings = settings
        self.linkBase = linkBase
        self.host = host
        port = components.port ?? (settings.implicitTLS ? 465 : 25)  // curl's defaults for smtps:// and smtp://
        self.curl = curl
        if let file = settings.passwordFile {
            password = try OwnerOnlyFile.read(file, what: "SMTP password of delivery destination \(destination)")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard !(password ?? "").contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false }) else {
                throw ServerError.configuration("the SMTP password in \(file) has a control character or line break inside it")
            }
        } else {
            password = nil
        }
        for file in [settings.trustedCAs, settings.clientCertificate].compactMap({ $0 })
        where !FileManager.default.isReadableFile(atPath: file) {
            throw ServerError.configuration("delivery destination \(destination): cannot read \(file)")
        }
        if let key = settings.clientKey { _ = try OwnerOnlyFile.read(key, what: "client key of delivery destination \(destination)") }
    }

    func send(_ delivery: Delivery, body: [UInt8], client: HTTPClient) async -> DeliveryOutcome {
        let timer = AttemptTimer()
        do {
            if !settings.allowPrivateAddress { try await OutboundAddress.requirePublic(host: host, port: port) }
            let mail = try NoticeMail(payload: body, delivery: delivery, linkBase: linkBase)
            let message = mail.message(from: settings.from, to: settings.to, delivery: delivery, payloadSha256: Hash.sha256(body).hex)
            let folder = try PrivateFolder()
            defer { folder.remove() }
            let messageFile = try folder.write("message.eml", message)
            let result = try await ExternalCommand.run(curl, arguments(messageFile: messageFile), input: Array(config().utf8),
                                                       home: folder.path, timeout: .seconds(Int64(settings.timeoutSeconds) + 5))
            let reply = Int(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
            if result.status == 0 {
                return timer.outcome(accepted: true, replyCode: reply, responseSha256: Hash.sha256(message).hex)
            }
            return timer.outcome(accepted: false, replyCode: reply == 0 ? nil : reply,
                                 error: Self.describe(result, place: "\(host):\(port)"))
        } catch {
            return timer.outcome(accepted: false, permanent: error is DeliveryPayloadError,
                                 error: WebhookChannel.describe(error, place: "\(host):\(port)"))
        }
    }

    /// curl's arguments: everything but the login, which `config()` gives on standard input.
    private func arguments(messageFile: String) -> [String] {
        // -q first: no .curlrc is read, whatever HOME holds.
        var arguments = ["-q", "--silent", "--show-error", "--config", "-", "--url", settings.url, "--mail-from", settings.from,
                         "--upload-file", messageFile, "--write-out", "%{response_code}", "--output", "/dev/null",
                         "--connect-timeout", "10", "--max-time", String(settings.timeoutSeconds), "--proto", "=smtp,smtps",
                         "--tlsv1.2"]
        arguments += settings.allowPlaintext ? ["--ssl"] : ["--ssl-reqd"]
        for recipient in settings.to { arguments += ["--mail-rcpt", recipient] }
        if let trustedCAs = settings.trustedCAs { arguments += ["--cacert", trustedCAs] }
        if let certificate = settings.clientCertificate, let key = settings.clientKey { arguments += ["--cert", certificate, "--key", key] }
        return arguments
    }

    /// The login as a curl configuration line, quoted as curl's config files quote.
    private func config() -> String {
        guard let username = settings.username, let password else { return "" }
        let escaped = (username + ":" + password).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "user = \"\(escaped)\"\n"
    }

    /// curl's failure in words a compliance officer can act on.
    static func describe(_ result: ExternalCommand.Result, place: String) -> String {
        if result.timedOut { return "the relay \(place) did not take the mail in time" }
        let detail = result.standardError.split(separator: "\n").last.map { String($0.prefix(240)) } ?? ""
        switch result.status {
        case 6: return "cannot resolve the relay's host (\(place))"
        case 7: return "connection refused by \(place): no relay listens there"
        case 28: return "the relay \(place) did not answer in time"
        case 35, 58, 59, 60, 66, 77, 83, 90, 91: return "TLS with the relay \(place) failed: \(detail)"
        case 64: return "the relay \(place) does not offer STARTTLS, and mail is only sent over TLS"
        case 67: return "the relay \(place) refused the login: \(detail)"
        default: return "the relay \(place) did not take the mail (curl exit \(result.status)): \(detail)"
        }
    }
}
