import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes
import NIOSSL
import VaultConfiguration
import VaultCore

extension VaultHTTPServer {
    /// The S3 endpoint's application: its own listener, the server's certificate, TLS 1.2 or later
    /// with the same cipher suites, a client certificate asked for but not required (the AWS CLI cannot present one),
    /// the same connection limits and body deadline, and `Expect: 100-continue` answered.
    func makeS3Application(_ s3: ServerConfiguration.S3Endpoint, counter: ConnectionCounter, after apiListening: AsyncStream<Void>,
                           onListening: @escaping @Sendable (String) -> Void) throws -> some ApplicationProtocol {
        let listen = try ListenAddress(s3.listen)
        let credentials = try S3Credentials(file: s3.credentials, identities: configuration.identities)
        let endpoint = S3Endpoint(vault: vault, writer: writer, credentials: credentials, uploads: MultipartUploads(vault: vault),
                                  journal: journal, maxObjectBytes: configuration.limits.maxObjectBytes, metrics: metrics)
        // A client certificate is asked for, checked against the client CAs when one is presented
        // (with the same RFC 5280 path rules), and required only for identities configured so.
        var tls = try makeTLSConfiguration()
        tls.certificateVerification = .optionalVerification
        return Application(
            responder: endpoint,
            server: .s3TLS(tls, clientChains: try clientChainVerifier(), counter: counter,
                           onRefused: { [metrics] in metrics.refused("connection_limit") }),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "RegVault"),
            onServerRunning: { channel in
                for await _ in apiListening {}
                let port = channel.localAddress?.port ?? listen.port
                let host = listen.host.contains(":") ? "[\(listen.host)]" : listen.host
                onListening("https://\(host):\(port)")
            },
            logger: Logger(label: "regvault.s3")
        )
    }
}

extension HTTPServerBuilder {
    static func s3TLS(_ tls: TLSConfiguration, clientChains: ClientChainVerifier, counter: ConnectionCounter,
                      onRefused: @escaping @Sendable () -> Void) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            let http = HTTP1Channel(responder: responder, configuration: .init(
                additionalChannelHandlers: [ContinueHandler(), BodyDeadlineHandler(seconds: counter.limits.bodySeconds)],
                idleTimeout: .seconds(Int64(counter.limits.requestHeadSeconds))))
            let tlsChannel = try TLSChannel(http, configuration: TLSChannelConfiguration(
                tlsConfiguration: tls, customVerificationCallback: clientChains.callback))
            return AdmittedChannel(base: tlsChannel, counter: counter, onRefused: onRefused)
        }
    }
}

/// Answers `Expect: 100-continue` with `100 Continue` as the request head arrives, so that a client
/// that waits for it (boto3 and the AWS CLI do, for uploads) sends its body at once instead of
/// after its own timeout.
final class ContinueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data), head.headerFields[.expect]?.lowercased() == "100-continue" {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        context.fireChannelRead(data)
    }
}
