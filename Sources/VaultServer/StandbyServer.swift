import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
public import VaultConfiguration
public import VaultCore

/// What a node of a vault kept in PostgreSQL serves while another node holds the sequencer lease:
/// on the same address, with the same TLS, client CAs and identities as the server it will become,
/// `GET /healthz/node` answers `{"sequencer": false, …}` so that a load balancer or an SRE can tell
/// a standby from a dead node, and every other request is answered 503 `standby` with
/// `Retry-After: 1` (the vault is served by the sequencer; a standby appends nothing, not even the
/// access entries inspector reads are journaled with, so it answers no reads either).
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
        let listen = try ListenAddress(configuration.listen)
        let metrics = ServerMetrics()
        let router = Router(context: VaultRequestContext.self)
        router.add(middleware: AuthenticationMiddleware(policy: AccessPolicy(configuration.identities, tokens: nil), metrics: metrics))
        router.add(middleware: StandbyMiddleware())
        router.get("healthz/node") { [vault] _, _ in try await VaultHTTPServer.offloaded { try NodeStatus.json(vault: vault) } }
        let connections = ConnectionCounter(limits: configuration.limits.connections
            .fitted(toDescriptorLimit: ConnectionLimits.processDescriptorLimit()))
        let app = Application(
            router: router,
            server: .guardedTLS(try VaultHTTPServer.makeTLSConfiguration(configuration),
                                clientChains: try VaultHTTPServer.clientChainVerifier(configuration), counter: connections,
                                onRefused: {}),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "RegVault"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listen.port
                let host = listen.host.contains(":") ? "[\(listen.host)]" : listen.host
                onListening("https://\(host):\(port)")
            },
            logger: Logger(label: "regvault.standby")
        )
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

/// Answers everything but `/healthz/node` with 503 `standby`.
struct StandbyMiddleware: RouterMiddleware {
    typealias Context = VaultRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path == "/healthz/node" else {
            var response = try APIError(.serviceUnavailable, "standby", "this node is a standby: another node holds the sequencer "
                + "lease and serves the vault; ask that node, or this one again once it has taken over")
                .response(from: request, context: context)
            response.headers[.retryAfter] = "1"
            return response
        }
        return try await next(request, context)
    }
}
