import Foundation
public import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
public import VaultCore

/// The RegVault HTTPS server: TLS 1.2 or later with client certificates required and verified,
/// identities and roles checked in middleware before any handler, and the routes:
///
/// | route | roles |
/// |---|---|
/// | `POST /v1/records` | ingest |
/// | `GET /regulator/checkpoint`, `/regulator/proof/inclusion`, `/regulator/proof/consistency`, `/regulator/audit`, `/regulator/logs/{stream}`, `/regulator/player/{id}`, `/regulator/reports/{period}[/{eventId}]` | regulator_read, compliance_officer |
/// | `GET /log/checkpoint`, `/log/tile/…` (C2SP tlog-tiles) | any identity |
/// | `GET /healthz`, `/metrics`, `/openapi.yaml` | any identity |
///
/// Every request under `/regulator` from an authenticated identity, answered or refused, becomes
/// an access entry in the log (stream `vault.access`), batched by `AccessJournal`.
public struct VaultHTTPServer: Sendable {
    public let configuration: ServerConfiguration
    public let vault: Vault
    public let writer: LogWriter
    private let metrics = ServerMetrics()
    private let journal: AccessJournal

    public init(configuration: ServerConfiguration, vault: Vault, writer: LogWriter) {
        self.configuration = configuration
        self.vault = vault
        self.writer = writer
        self.journal = AccessJournal(writer: writer)
    }

    /// Serves until SIGINT or SIGTERM; `onListening` gets the base URL once the port is bound.
    /// On shutdown, requests in flight finish first, so nothing acknowledged is lost.
    public func run(onListening: @escaping @Sendable (String) -> Void) async throws {
        let listen = try ListenAddress(configuration.listen)
        let app = Application(
            router: makeRouter(),
            server: try .tls(.http1(), tlsConfiguration: try makeTLSConfiguration()),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "RegVault"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listen.port
                let host = listen.host.contains(":") ? "[\(listen.host)]" : listen.host
                onListening("https://\(host):\(port)")
            },
            logger: Logger(label: "regvault")
        )
        try await app.runService()
        // Requests have finished; record the last inspector accesses before stopping.
        await journal.flush()
    }

    /// The router; every route it gets is also recorded in `catalog`.
    func makeRouter(catalog: RouteCatalog = RouteCatalog()) -> Router<VaultRequestContext> {
        let router = Router(context: VaultRequestContext.self)
        router.add(middleware: ResponseTimeMiddleware(metrics: metrics))
        router.add(middleware: AuthenticationMiddleware(policy: AccessPolicy(configuration.identities), metrics: metrics))
        let root = catalog.group(router.group(), prefix: "")
        root.get("healthz") { _, _ in Response.text("ok\n") }
        root.get("metrics") { [metrics, vault] _, _ in
            Response.text(metrics.render(vault: vault), contentType: "text/plain; version=0.0.4")
        }
        root.get("openapi.yaml") { _, _ in Response.text(OpenAPIDocument.yaml, contentType: "application/yaml") }
        let ingest = router.group("v1").add(middleware: RequireRole(roles: [.ingest], metrics: metrics))
        IngestRoutes(writer: writer, limits: configuration.limits, clock: SystemClock(), metrics: metrics)
            .register(on: catalog.group(ingest, prefix: "/v1"))
        let inspector = router.group("regulator")
            .add(middleware: AccessJournalMiddleware(journal: journal))
            .add(middleware: RequireRole(roles: [.regulatorRead, .complianceOfficer], metrics: metrics))
        RegulatorRoutes(vault: vault).register(on: catalog.group(inspector, prefix: "/regulator"))
        LogRoutes(vault: vault).register(on: catalog.group(router.group("log"), prefix: "/log"))
        return router
    }

    func makeTLSConfiguration() throws -> TLSConfiguration {
        let tls = configuration.tls
        do {
            var config = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.privateKey, format: .pem))
            )
            config.minimumTLSVersion = .tlsv12
            // The client's certificate is checked against the client CAs; its name is not matched
            // against its address (identities are mapped by common name, addresses by allowFrom).
            config.certificateVerification = .noHostnameVerification
            config.trustRoots = .certificates(try tls.clientCAs.flatMap { try NIOSSLCertificate.fromPEMFile($0) })
            return config
        } catch let error as NIOSSLError {
            throw ServerError.configuration("cannot load the TLS files: \(error)")
        }
    }
}
