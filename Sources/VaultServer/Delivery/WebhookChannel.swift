import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import VaultConfiguration
import VaultCore
import VaultFormat

/// One configured HTTPS webhook destination, ready to send: its address, signing secret and TLS
/// settings, checked when the server starts.
///
/// Each attempt is one POST of the same body with the same `webhook-id` (the delivery's id), a
/// fresh `webhook-timestamp` and its signature. No redirect is followed, the answer is read up to
/// `responseCap` bytes (its digest is what the log keeps), and the whole attempt has a deadline.
struct WebhookChannel: DeliveryChannel {
    let name = "webhook"
    let destination: String
    let url: String
    let host: String
    let port: Int
    let signature: WebhookSignature
    let tls: TLSConfiguration
    let allowPrivateAddress: Bool
    let timeout: TimeAmount

    /// The most of a receiver's answer that is read (and digested).
    static let responseCap = 64 * 1024
    static let userAgent = "RegVault-Delivery/1"

    /// Checks the destination's files and settings; throws a configuration error naming what to fix.
    init(_ destination: ServerConfiguration.Deliveries.Destination, webhook: ServerConfiguration.Deliveries.Webhook) throws {
        try self.init(destination: destination.id, url: webhook.url, signature: WebhookSignature.load(path: webhook.secretFile),
                      tls: Self.tlsConfiguration(trustedCAs: webhook.trustedCAs, clientCertificate: webhook.clientCertificate,
                                                 clientKey: webhook.clientKey, for: "delivery destination \(destination.id)"),
                      allowPrivateAddress: webhook.allowPrivateAddress, timeout: .seconds(Int64(webhook.timeoutSeconds)))
    }

    init(destination: String, url: String, signature: WebhookSignature, tls: TLSConfiguration, allowPrivateAddress: Bool,
         timeout: TimeAmount) throws {
        guard let components = URLComponents(string: url), let host = components.host else {
            throw ServerError.configuration("\(destination): cannot read the url \(url)")
        }
        self.destination = destination
        self.url = url
        self.host = host
        port = components.port ?? 443
        self.signature = signature
        self.tls = tls
        self.allowPrivateAddress = allowPrivateAddress
        self.timeout = timeout
    }

    /// TLS 1.2 or later, trusting the system's CAs and `trustedCAs`, presenting the client
    /// certificate when one is given (its key file must be the owner's alone).
    static func tlsConfiguration(trustedCAs: String?, clientCertificate: String?, clientKey: String?, for owner: String) throws
        -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        do {
            if let trustedCAs {
                tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(trustedCAs))]
            }
            if let clientCertificate, let clientKey {
                _ = try OwnerOnlyFile.read(clientKey, what: "client key of \(owner)")
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(clientCertificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: clientKey, format: .pem))
            }
        } catch let error as ServerError {
            throw error
        } catch {
            throw ServerError.configuration("\(owner): cannot load its TLS files: \(error)")
        }
        return tls
    }

    func send(_ delivery: Delivery, body: [UInt8], client: HTTPClient) async -> DeliveryOutcome {
        await send(id: delivery.id, body: body, client: client)
    }

    /// Sends `body` as delivery `id`. Never throws: a failure is an outcome with its reason.
    func send(id: String, body: [UInt8], client: HTTPClient) async -> DeliveryOutcome {
        let place = "\(host):\(port)"
        let timer = AttemptTimer()
        do {
            if !allowPrivateAddress { try await OutboundAddress.requirePublic(host: host, port: port) }
            let timestamp = Int64(Date().timeIntervalSince1970)
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.tlsConfiguration = tls
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: Self.userAgent)
            request.headers.add(name: "webhook-id", value: id)
            request.headers.add(name: "webhook-timestamp", value: String(timestamp))
            request.headers.add(name: "webhook-signature", value: signature.signature(id: id, timestamp: timestamp, body: body))
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await client.execute(request, timeout: timeout)
            var answer: [UInt8] = []
            for try await chunk in response.body {
                answer.append(contentsOf: chunk.readableBytesView.prefix(Self.responseCap - answer.count))
                if answer.count >= Self.responseCap { break }
            }
            let status = Int(response.status.code)
            let digest = Hash.sha256(answer).hex
            var error: String?
            if (300..<400).contains(status) {
                error = "the receiver redirected (\(status)\(response.headers.first(name: "location").map { " to \($0)" } ?? "")); "
                    + "redirects are not followed"
            } else if !(200..<300).contains(status) {
                error = "the receiver answered \(status) \(response.status.reasonPhrase)"
            }
            return timer.outcome(accepted: error == nil, permanent: status == 410, httpStatus: status, responseSha256: digest, error: error)
        } catch {
            return timer.outcome(accepted: false, error: Self.describe(error, place: place))
        }
    }

    /// A failure in words a compliance officer can act on.
    static func describe(_ error: any Error, place: String) -> String {
        if let refusal = error as? OutboundRefusal { return refusal.description }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "no connection within the connect timeout"
            case .deadlineExceeded, .readTimeout: return "the receiver did not answer in time"
            case .remoteConnectionClosed: return "the receiver closed the connection"
            default: break
            }
        }
        if let error = error as? NIOSSLError, case .uncleanShutdown = error {
            return "the receiver closed the connection without ending TLS before its answer was complete "
                + "(an answer without Content-Length?); it is sent again"
        }
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") {
            return "connection refused by \(place): nothing listens there"
        }
        if error is NIOSSLError || text.contains("handshake") || text.contains("SSL") { return "TLS failed: \(text.prefix(200))" }
        return String(text.prefix(300))
    }
}
