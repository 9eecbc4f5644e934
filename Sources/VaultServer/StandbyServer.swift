import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
public import VaultConfiguration
public import VaultCore
import VaultFormat

/// What a node of a vault kept in PostgreSQL serves while another node holds the sequencer lease:
/// on the same address, with the same TLS, client CAs and identities as the server it will become,
/// `GET /healthz/node` answers `{"sequencer": false, …}` so that a load balancer or an SRE can tell
/// a standby from a dead node (and `GET /healthz/sequencer` the same with status 503, for a load
/// balancer that should send nothing to a standby). Every other request from an identity is sent to the sequencer: 307
/// `standby` with `Location` at the same path and query on the URL the sequencer published (a
/// client that follows redirects repeats the request there, body and method unchanged), or, while
/// no live sequencer has published one (it is starting, or died and its lease has not yet
/// lapsed), 503 `standby` with `Retry-After: 1`. A standby appends nothing, not even the access
/// entries inspector reads are journaled with, so it answers no reads itself.
public struct StandbyServer: Sendable {
    let configuration: VaultConfiguration.ServerConfiguration
    let vault: Vault

    public init(configuration: VaultConfiguration.ServerConfiguration, vault: Vault) {
        self.configuration = configuration
        self.vault = vault
    }

    /// Serves until `takeOver` returns (then stops listening, answering the requests in flight,
    /// and returns its result), throws (then stops and throws its error) or SIGINT/SIGTERM arrives
    /// (then returns nil). `onListening` gets the base URL once the port is bound.
    public func run<T: Sendable>(onListening: @escaping @Sendable (String) -> Void,
                                 takeOver: @escaping @Sendable () async throws -> T) async throws -> T? {
        let metrics = ServerMetrics()
        let ownURL = Locked<String?>(nil)
        let router = Router(context: VaultRequestContext.self)
        router.add(middleware: BlockingWorkMiddleware())
        router.add(middleware: AuthenticationMiddleware(policy: AccessPolicy(configuration.identities, tokens: nil), metrics: metrics))
        router.add(middleware: StandbyMiddleware(sequencer: SequencerAddress(vault: vault), ownURL: ownURL))
        for route in NodeStatus.routes(vault: vault) { router.get(RouterPath(route.path), use: route.handler) }
        let app = try APIListener.application(configuration, router: router, counter: APIListener.counter(configuration),
                                              logger: Logger(label: "regvault.standby")) { [configuration] url in
            ownURL.withLock { $0 = configuration.advertisedURL(listening: url) }
            onListening(url)
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: Logger(label: "regvault.standby")))
        // Taking over (or failing to: the database gone, a log this node refuses) ends the standby.
        let taken = Task<T?, any Error> {
            do {
                let result = try await takeOver()
                await group.triggerGracefulShutdown()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
        do {
            try await group.run()
        } catch {
            taken.cancel()
            throw error
        }
        // Stopped by a signal while still waiting: give up waiting.
        taken.cancel()
        do { return try await taken.value } catch is CancellationError { return nil }
    }
}

/// The URL the live sequencer published (`LogStorage.sequencerURL`), read from the database at
/// most once a second however many requests ask.
final class SequencerAddress: Sendable {
    private let vault: Vault
    private let known = Locked<(url: String?, readAt: Date)?>(nil)

    init(vault: Vault) {
        self.vault = vault
    }

    /// The sequencer's base URL, or nil when no live sequencer published one (or the database
    /// cannot be read: the answer is then 503, as with no sequencer).
    func current() async -> String? {
        if let known = known.withLock({ $0 }), Date().timeIntervalSince(known.readAt) < 1 { return known.url }
        let url = try? await VaultHTTPServer.offloaded { [vault] in try vault.store.sequencerURL() }
        known.withLock { $0 = (url ?? nil, Date()) }
        return url ?? nil
    }
}

/// Sends everything but the node's health checks (`NodeStatus.standbyPaths`) to the sequencer
/// (307), or answers 503 `standby`.
struct StandbyMiddleware: RouterMiddleware {
    typealias Context = VaultRequestContext
    let sequencer: SequencerAddress
    /// This node's own advertised URL: a sequencer URL equal to it would send clients in a circle.
    let ownURL: Locked<String?>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard NodeStatus.standbyPaths.contains(request.uri.path) else {
            if let url = await sequencer.current(), url != ownURL.withLock({ $0 }) {
                var response = try APIError(.temporaryRedirect, "standby", "this node is a standby; the sequencer at \(url) serves "
                    + "the vault: repeat the request there (a client that follows redirects does so by itself)")
                    .response(from: request, context: context)
                response.headers[.location] = url + request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                return response
            }
            var response = try APIError(.serviceUnavailable, "standby", "this node is a standby and no node serves the vault "
                + "at the moment (the sequencer is starting, or stopped and its lease has not yet lapsed); try again shortly")
                .response(from: request, context: context)
            response.headers[.retryAfter] = "1"
            return response
        }
        return try await next(request, context)
    }
}
