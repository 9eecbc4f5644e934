import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import VaultConfiguration

/// The API's listener, as the full server and a standby both open it: `configuration.listen`,
/// TLS 1.2 or later with client certificates from the configured CAs verified before any request
/// is read, and connections counted against the configured limits.
enum APIListener {
    /// The connection counter for `configuration`'s limits, fitted to the process's descriptors.
    static func counter(_ configuration: ServerConfiguration) -> ConnectionCounter {
        ConnectionCounter(limits: configuration.limits.connections.fitted(toDescriptorLimit: ConnectionLimits.processDescriptorLimit()))
    }

    /// An application serving `router` on the configured address; `onListening` gets its base URL
    /// (`https://HOST:PORT`, an IPv6 host in brackets, the bound port when the configured one is 0).
    static func application(_ configuration: ServerConfiguration, router: Router<VaultRequestContext>, counter: ConnectionCounter,
                            logger: Logger, onRefused: @escaping @Sendable () -> Void = {},
                            onListening: @escaping @Sendable (String) -> Void) throws -> some Service {
        let listen = try ListenAddress(configuration.listen)
        return Application(
            router: router,
            server: .guardedTLS(try VaultHTTPServer.makeTLSConfiguration(configuration),
                                clientChains: try VaultHTTPServer.clientChainVerifier(configuration), counter: counter,
                                onRefused: onRefused),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "RegVault"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listen.port
                let host = listen.host.contains(":") ? "[\(listen.host)]" : listen.host
                onListening("https://\(host):\(port)")
            },
            logger: logger
        )
    }
}
