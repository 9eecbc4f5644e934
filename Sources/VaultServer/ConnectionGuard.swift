import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOHTTPTypes
import NIOSSL
import VaultFormat
import VaultConfiguration

extension ServerConfiguration.Limits {
    /// The connection limits these options give.
    var connections: ConnectionLimits {
        ConnectionLimits(requestHeadSeconds: requestHeadSeconds, bodySeconds: bodySeconds,
                         maxConnections: maxConnections, maxConnectionsPerAddress: maxConnectionsPerAddress)
    }
}

/// What a connection may hold of the server, and for how long. Defaults are safe for an
/// appliance on an operator's network; every one can be set under `limits` in the configuration.
///
/// - `requestHeadSeconds`: a connection must complete its TLS handshake and send a whole request
///   head within this time of opening, and the next request head within this time of the previous
///   answer; otherwise it is closed. This is the handshake, slow-header and idle timeout in one
///   (Hummingbird's idle timer, which runs from the moment the connection is set up).
/// - `bodySeconds`: once a request head has arrived, its whole body must arrive within this time,
///   or the connection is closed (`BodyDeadlineHandler`).
/// - `maxConnections`: connections held at once; more are closed as soon as they are accepted. The
///   server lowers it to fit the process's open-file limit (less a reserve for the database,
///   objects and exports), so a flood of connections cannot starve the vault of descriptors.
/// - `maxConnectionsPerAddress`: connections one client address may hold at once, so one address
///   cannot take every slot from the others.
struct ConnectionLimits: Sendable, Equatable {
    var requestHeadSeconds: Int
    var bodySeconds: Int
    var maxConnections: Int
    var maxConnectionsPerAddress: Int

    /// Descriptors kept for everything but client connections.
    static let reservedDescriptors = 128

    /// `maxConnections` lowered to what the open-file limit `descriptorLimit` leaves for clients.
    func fitted(toDescriptorLimit descriptorLimit: Int) -> ConnectionLimits {
        var fitted = self
        fitted.maxConnections = max(1, min(maxConnections, descriptorLimit - ConnectionLimits.reservedDescriptors))
        fitted.maxConnectionsPerAddress = min(maxConnectionsPerAddress, fitted.maxConnections)
        return fitted
    }

    /// The soft `RLIMIT_NOFILE` of this process.
    static func processDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return Int(clamping: min(limit.rlim_cur, rlim_t(Int32.max)))
    }
}

/// Counts open connections, in total and per client address, and says whether one more may stay.
/// Shared by every event loop; every method takes the lock briefly.
final class ConnectionCounter: Sendable {
    let limits: ConnectionLimits
    private let state = Locked<(total: Int, perAddress: [String: Int])>((0, [:]))

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    /// Admits a connection from `address` if both limits allow it; a connection admitted must be
    /// released exactly once.
    func admit(_ address: String) -> Bool {
        state.withLock { state in
            let fromAddress = state.perAddress[address, default: 0]
            guard state.total < limits.maxConnections, fromAddress < limits.maxConnectionsPerAddress else { return false }
            state.total += 1
            state.perAddress[address] = fromAddress + 1
            return true
        }
    }

    func release(_ address: String) {
        state.withLock { state in
            state.total -= 1
            let left = state.perAddress[address, default: 1] - 1
            state.perAddress[address] = left > 0 ? left : nil
        }
    }

    var open: Int { state.withLock { $0.total } }
}

/// The first handler of every connection, before TLS: closes a connection the counter does not
/// admit at once (before any handshake work), and releases its slot when it closes.
final class ConnectionAdmissionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let counter: ConnectionCounter
    private let onRefused: @Sendable () -> Void
    private var admittedAddress: String?

    init(counter: ConnectionCounter, onRefused: @escaping @Sendable () -> Void) {
        self.counter = counter
        self.onRefused = onRefused
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if counter.admit(address) {
            admittedAddress = address
        } else {
            onRefused()
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        releaseSlot()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        releaseSlot()
    }

    private func releaseSlot() {
        if let address = admittedAddress {
            counter.release(address)
            admittedAddress = nil
        }
    }
}

/// A server child channel that puts a `ConnectionAdmissionHandler` in front of `Base` (the TLS and
/// HTTP/1 channel), so every connection is counted and refused before its handshake starts.
struct AdmittedChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let counter: ConnectionCounter
    let onRefused: @Sendable () -> Void

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ConnectionAdmissionHandler(counter: counter, onRefused: onRefused),
                                                          position: .first)
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 over TLS with the vault's connection limits: admission control in front of TLS,
    /// and the request-head (handshake, slow header, idle) deadline as Hummingbird's idle timeout.
    /// `clientChains` checks every client certificate chain during the handshake.
    static func guardedTLS(_ tls: TLSConfiguration, clientChains: ClientChainVerifier, counter: ConnectionCounter,
                           onRefused: @escaping @Sendable () -> Void) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            let bodySeconds = counter.limits.bodySeconds
            let http = HTTP1Channel(responder: responder, configuration: .init(
                additionalChannelHandlers: [BodyDeadlineHandler(seconds: bodySeconds)],
                idleTimeout: .seconds(Int64(counter.limits.requestHeadSeconds))))
            // Answers are written in pieces (`ResponseBody.pieces`), which bounds NIOSSL's
            // per-connection ciphertext buffer.
            let tlsChannel = try TLSChannel(http, configuration: TLSChannelConfiguration(
                tlsConfiguration: tls, customVerificationCallback: clientChains.callback))
            return AdmittedChannel(base: tlsChannel, counter: counter, onRefused: onRefused)
        }
    }
}

/// Closes a connection whose request body has not fully arrived `seconds` after its head (a
/// slow-body client holds a connection and a handler otherwise). A request without a body ends
/// with its head, so only bodies are timed; the idle timeout covers the time between requests.
final class BodyDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let seconds: Int
    private var deadline: Scheduled<Void>?

    init(seconds: Int) {
        self.seconds = seconds
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            deadline?.cancel()
            let channel = context.channel
            deadline = context.eventLoop.scheduleTask(in: .seconds(Int64(seconds))) { channel.close(promise: nil) }
        case .end:
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }
}

/// Refuses a request whose declared `Content-Length` is over the route's limit with 413 at once,
/// before any of its body is read, and closes the connection after the answer (the client may
/// still be sending; nothing of it is waited for).
struct DeclaredLengthMiddleware: RouterMiddleware {
    typealias Context = VaultRequestContext
    let maxBodyBytes: Int
    let maxObjectBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let limit = request.uri.path.hasPrefix("/v1/objects/") ? maxObjectBytes : maxBodyBytes
        if let declared = request.headers[.contentLength] {
            guard let length = Int(declared), length >= 0 else {
                throw APIError(.badRequest, "invalid_content_length", "Content-Length must be a decimal number of bytes")
                    .closingConnection()
            }
            guard length <= limit else {
                throw APIError(.contentTooLarge, "body_too_large", "the body declares \(length) bytes; the limit here is \(limit)")
                    .closingConnection()
            }
        }
        return try await next(request, context)
    }
}
