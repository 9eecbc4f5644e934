import CHeap
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import X509
public import VaultCore
public import VaultReports
public import VaultSandbox
public import VaultConfiguration

/// The RegVault HTTPS server: TLS 1.2 or later with client certificates required and verified,
/// identities and roles checked in middleware before any handler, and the routes:
///
/// | route | roles |
/// |---|---|
/// | `POST /v1/records`, `PUT /v1/objects/{key}` | ingest |
/// | `GET/HEAD /v1/objects/{key}`, `GET/PUT /v1/records/{seq}/retention` | ingest, compliance_officer, admin |
/// | `DELETE /v1/objects/{key}?versionId=` | admin (governance bypass) |
/// | `POST /v1/holds`, `POST /v1/holds/{id}/lift`, `GET /v1/holds`, `GET /v1/deliveries[/{id}]`, `GET /v1/incidents` | compliance_officer |
/// | `POST /regulator/exports`, `GET /regulator/exports/{id}` | regulator_read, compliance_officer |
/// | `POST /webhook/regulator/request`, `GET /webhook/regulator/request/{jobId}` | regulator_read, compliance_officer |
/// | `GET /regulator/checkpoint`, `/regulator/proof/inclusion`, `/regulator/proof/consistency`, `/regulator/audit`, `/regulator/logs/{stream}`, `/regulator/player/{id}`, `/regulator/reports/{period}[/{eventId}]` | regulator_read, compliance_officer |
/// | `GET /log/checkpoint`, `/log/tile/…` (C2SP tlog-tiles) | any identity |
/// | `GET /healthz`, `/healthz/node`, `/healthz/sequencer`, `/metrics`, `/openapi.yaml` | any identity |
/// | `/sandbox/regulator/…` (every inspector route above, exports included, plus `GET key`, `status`, `vectors`) | sandbox (certificates from the sandbox CA, which open nothing else) |
/// | `POST /sandbox/admin/reset` | admin |
///
/// Every request under `/regulator` from an authenticated identity, answered or refused, becomes
/// an access entry in the log (stream `vault.access`), durable before the answer leaves
/// (`AccessJournal`). Every
/// `sweepIntervalSeconds` the server erases the records whose retention has ended.
public struct VaultHTTPServer: Sendable {
    public let configuration: VaultConfiguration.ServerConfiguration
    public let vault: Vault
    public let writer: LogWriter
    let metrics: ServerMetrics
    let journal: AccessJournal
    private let exports: ExportJobs
    /// The regulator sandbox's log, when the configuration has a sandbox.
    public let sandbox: SandboxLog?
    private let sandboxRoutes: SandboxRoutes?
    /// The reports filed as their periods close, if any are configured.
    public let reports: ReportConfiguration?
    /// How often the report schedule looks for closed periods; 0 files none.
    public var reportIntervalSeconds = 60
    /// Makes and checks the read access P1 notices carry.
    let incidentAccess: IncidentAccessKey

    public init(configuration: VaultConfiguration.ServerConfiguration, vault: Vault, writer: LogWriter,
                reports: ReportConfiguration? = nil) throws {
        self.configuration = configuration
        self.vault = vault
        self.writer = writer
        self.reports = reports
        self.journal = AccessJournal(writer: writer)
        self.exports = ExportJobs(vault: vault)
        let sandbox = configuration.sandboxDirectory.map { SandboxLog(root: $0) }
        self.sandbox = sandbox
        self.sandboxRoutes = sandbox.map { SandboxRoutes(sandbox: $0) }
        self.incidentAccess = try IncidentAccessKey.load(dataDirectory: configuration.data)
        let rules = configuration.rules ?? .init()
        metrics = ServerMetrics(refusalRuns: RefusalRuns(threshold: rules.refusalRunCount, windowMinutes: rules.refusalRunMinutes))
    }

    /// Serves until SIGINT or SIGTERM; `onListening` gets the base URL once the port is bound, and
    /// `onS3Listening` the S3 endpoint's when one is configured. On shutdown, requests in flight
    /// finish first, so nothing acknowledged is lost.
    public func run(onListening: @escaping @Sendable (String) -> Void,
                    onS3Listening: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        // Checked before anything starts: a destination whose secret or TLS files are unusable stops the server here.
        let deliveryWorker = try makeDeliveryWorker()
        // Answers of a megabyte or more (audit trails, objects, reports) get their own mappings,
        // returned to the system when freed; otherwise the server's resident memory keeps the
        // high-water mark of every answer size it has built.
        regvault_heap_return_large_blocks(1 << 20)
        var tokens: BearerTokens?
        if let bearer = configuration.bearerTokens { tokens = try await BearerTokens(configuration: bearer) }
        let sandboxAccess = try sandboxAccess()
        let connections = APIListener.counter(configuration)
        if let sandbox, let scenario = configuration.sandbox?.scenario {
            // The sandbox serves its initial records from the first request on.
            let source = try ScenarioSource(nameOrPath: scenario)
            guard source.scenario.origin != vault.origin else {
                throw ServerError.configuration("the sandbox scenario's origin is the production log's (\(vault.origin))")
            }
            try await sandbox.start(source)
        }
        // The S3 listener says it listens only after the API has, so "listening on" is always the first line.
        let (apiListening, apiBound) = AsyncStream<Void>.makeStream()
        let app = try APIListener.application(configuration, router: makeRouter(tokens: tokens, sandboxAccess: sandboxAccess),
                                              counter: connections, logger: Logger(label: "regvault"),
                                              onRefused: { [metrics] in metrics.refused("connection_limit") },
                                              onListening: { url in
            onListening(url)
            apiBound.finish()
        })
        let sweeper = BlockingWorkExecutor.task { [configuration, writer, metrics] in
            await VaultHTTPServer.sweepPeriodically(every: configuration.sweepIntervalSeconds, writer: writer, metrics: metrics)
        }
        let replay = BlockingWorkExecutor.task { [sandbox] in
            let logger = Logger(label: "regvault.sandbox")
            await sandbox?.run { logger.error("sandbox replay failed: \($0)") }
        }
        let trimmer = BlockingWorkExecutor.task { await VaultHTTPServer.releaseFreePagesPeriodically() }
        await writer.routeIncidents(incidentRoutes)
        let delivering = BlockingWorkExecutor.task { await deliveryWorker?.run() }
        let ruling = BlockingWorkExecutor.task { [vault, writer, metrics, configuration] in
            await RuleWorker(vault: vault, writer: writer, configuration: configuration.rules ?? .init(), refusals: metrics.refusalRuns)
                .run()
        }
        let reporter = BlockingWorkExecutor.task { [reports, vault, writer, metrics, reportIntervalSeconds, deliveryRoutes] in
            guard let reports, reportIntervalSeconds > 0 else { return }
            let schedule = ReportSchedule(filer: ReportFiler(vault: vault, writer: writer, configuration: reports,
                                                             deliveryRoutes: deliveryRoutes))
            await VaultHTTPServer.fileReportsPeriodically(every: reportIntervalSeconds, schedule: schedule, metrics: metrics)
        }
        // One service group, so SIGTERM reaches both listeners however early it comes.
        var services: [any Service] = [app]
        if let s3 = configuration.s3 {
            services.append(try makeS3Application(s3, counter: connections, after: apiListening, onListening: onS3Listening))
        }
        try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                    logger: Logger(label: "regvault"))).run()
        reporter.cancel()
        delivering.cancel()
        await delivering.value
        ruling.cancel()
        await ruling.value
        sweeper.cancel()
        replay.cancel()
        trimmer.cancel()
        // Requests have finished (each inspector access was journaled before its answer left);
        // remove the export archives (record bodies in the clear) from the temporary directory.
        exports.removeAll()
        sandboxRoutes?.removeExports()
    }

    /// The router; every route it gets is also recorded in `catalog`.
    func makeRouter(catalog: RouteCatalog = RouteCatalog(), tokens: BearerTokens? = nil,
                    sandboxAccess: SandboxAccess? = nil) -> Router<VaultRequestContext> {
        let router = Router(context: VaultRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: BlockingWorkMiddleware())
        router.add(middleware: ResponseTimeMiddleware(metrics: metrics))
        router.add(middleware: DeclaredLengthMiddleware(maxBodyBytes: configuration.limits.maxBodyBytes,
                                                        maxObjectBytes: configuration.limits.maxObjectBytes))
        router.add(middleware: AuthenticationMiddleware(
            policy: AccessPolicy(configuration.identities, tokens: tokens, sandbox: sandboxAccess, incidentAccess: incidentAccess),
            metrics: metrics))
        router.add(middleware: MethodNotAllowedMiddleware(catalog: catalog))
        let root = catalog.group(router.group(), prefix: "")
        root.get("healthz") { _, _ in Response.text("ok\n") }
        for route in NodeStatus.routes(vault: vault) { root.get(route.path, use: route.handler) }
        let holidays = (configuration.deliveries?.holidays ?? [:]).mapValues(Set.init)
        root.get("metrics") { [metrics, vault] _, _ in
            metrics.incidentGauges(vault: vault, holidays: holidays)
            return Response.text(metrics.render(vault: vault), contentType: "text/plain; version=0.0.4")
        }
        root.get("openapi.yaml") { _, _ in Response.text(OpenAPIDocument.yaml, contentType: "application/yaml") }
        let ingest = router.group("v1").add(middleware: RequireRole(roles: [.ingest], metrics: metrics))
        IngestRoutes(writer: writer, limits: configuration.limits, clock: SystemClock(), metrics: metrics)
            .register(on: catalog.group(ingest, prefix: "/v1"))
        let objects = ObjectRoutes(vault: vault, writer: writer, maxObjectBytes: configuration.limits.maxObjectBytes)
        var objectWrites = catalog.group(ingest, prefix: "/v1")
        objectWrites.catchAll = "key"
        objects.registerWrites(on: objectWrites)
        let lifecycle = router.group("v1").add(middleware: RequireRole(roles: [.ingest, .complianceOfficer, .admin],
                                                                       metrics: metrics))
        var objectReads = catalog.group(lifecycle, prefix: "/v1")
        objectReads.catchAll = "key"
        objects.registerReads(on: objectReads)
        let retention = RetentionRoutes(vault: vault, writer: writer)
        retention.registerRecordRetention(on: catalog.group(lifecycle, prefix: "/v1"))
        let holds = router.group("v1").add(middleware: RequireRole(roles: [.complianceOfficer], metrics: metrics))
        retention.registerHolds(on: catalog.group(holds, prefix: "/v1"))
        DeliveryRoutes(vault: vault, writer: writer).register(on: catalog.group(holds, prefix: "/v1"))
        IncidentRoutes(vault: vault, writer: writer, holidays: holidays).register(on: catalog.group(holds, prefix: "/v1"))
        let requests = router.group("webhook/regulator")
            .add(middleware: AccessJournalMiddleware(journal: journal))
            .add(middleware: RequireRole(roles: [.regulatorRead, .complianceOfficer], metrics: metrics))
        RequestRoutes(vault: vault, writer: writer,
                      identities: Dictionary(configuration.identities.map { ($0.commonName, $0) }, uniquingKeysWith: { first, _ in first }))
            .register(on: catalog.group(requests, prefix: "/webhook/regulator"))
        let inspector = router.group("regulator")
            .add(middleware: AccessJournalMiddleware(journal: journal))
            .add(middleware: RequireRole(roles: [.regulatorRead, .complianceOfficer], metrics: metrics))
        RegulatorRoutes(vault: vault).register(on: catalog.group(inspector, prefix: "/regulator"))
        ExportRoutes(jobs: exports).register(on: catalog.group(inspector, prefix: "/regulator"))
        let incidentAccessGroup = router.group("access").add(middleware: AccessJournalMiddleware(journal: journal))
        IncidentAccessRoutes(vault: vault, holidays: holidays).register(on: catalog.group(incidentAccessGroup, prefix: "/access"))
        LogRoutes(vault: vault).register(on: catalog.group(router.group("log"), prefix: "/log"))
        registerConsole(on: router, catalog: catalog)
        if let routes = sandboxRoutes {
            let mirror = router.group("sandbox/regulator").add(middleware: RequireRole(roles: [.sandbox], metrics: metrics))
            routes.register(regulator: catalog.group(mirror, prefix: "/sandbox/regulator"))
            let admin = router.group("sandbox/admin").add(middleware: RequireRole(roles: [.admin], metrics: metrics))
            routes.register(admin: catalog.group(admin, prefix: "/sandbox/admin"))
            registerSandboxConsole(on: router, catalog: catalog, sandbox: routes.sandbox)
        }
        return router
    }

    /// The inspector's console (`ConsoleRoutes`): `/` and `/console/…` for `regulator_read` and
    /// `compliance_officer`, every page view journaled as the JSON routes are; its assets for any
    /// identity, unjournaled (they hold no records).
    private func registerConsole(on router: Router<VaultRequestContext>, catalog: RouteCatalog) {
        let renderer = ConsoleRenderer()
        let console = ConsoleRoutes(vaults: { [vault] in vault }, renderer: renderer, links: ConsoleLinks(base: ""), isSandbox: false)
        func pages(_ group: RouterGroup<VaultRequestContext>) -> RouterGroup<VaultRequestContext> {
            group.add(middleware: AccessJournalMiddleware(journal: journal))
                .add(middleware: ConsoleErrorPages(renderer: renderer, routes: console))
                .add(middleware: ConsoleRoles(roles: [.regulatorRead, .complianceOfficer], metrics: metrics))
        }
        console.registerHome(on: catalog.group(pages(router.group()), prefix: ""), path: "")
        console.register(on: catalog.group(pages(router.group("console")), prefix: "/console"))
        ConsoleAssets.register(on: catalog.group(router.group("console"), prefix: "/console"))
    }

    /// The sandbox's console under `/sandbox/console` (`/sandbox` leads there), for sandbox
    /// certificates, over the sandbox log and unjournaled like the rest of the sandbox.
    private func registerSandboxConsole(on router: Router<VaultRequestContext>, catalog: RouteCatalog, sandbox: SandboxLog) {
        let renderer = ConsoleRenderer()
        let console = ConsoleRoutes(vaults: { try SandboxRoutes.generation(sandbox).vault }, renderer: renderer,
                                    links: ConsoleLinks(base: "/sandbox"), isSandbox: true)
        let group = router.group("sandbox/console")
            .add(middleware: ConsoleErrorPages(renderer: renderer, routes: console))
            .add(middleware: ConsoleRoles(roles: [.sandbox], metrics: metrics))
        let routes = catalog.group(group, prefix: "/sandbox/console")
        console.registerHome(on: routes, path: "")
        console.register(on: routes)
        ConsoleAssets.register(on: routes)
        catalog.group(router.group("sandbox").add(middleware: RequireRole(roles: [.sandbox], metrics: metrics)), prefix: "/sandbox")
            .get("") { _, _ in Response(status: .seeOther, headers: [.location: "/sandbox/console"]) }
    }

    /// The sandbox CA and ranges, when the configuration has a sandbox. Refuses a sandbox CA whose
    /// key is also a production client CA's (the same CA under another file name would let every
    /// production certificate in as a sandbox one, and the reverse).
    func sandboxAccess() throws -> SandboxAccess? {
        guard let sandbox = configuration.sandbox else { return nil }
        let access = try SandboxAccess(authorityPEMFile: sandbox.clientCA, allowFrom: sandbox.allowFrom)
        for file in configuration.tls.clientCAs {
            let production: [Certificate]
            do {
                production = try NIOSSLCertificate.fromPEMFile(file).map { try Certificate(derEncoded: try $0.toDERBytes()) }
            } catch {
                throw ServerError.configuration("cannot read the client CA bundle \(file): \(error)")
            }
            if production.contains(where: { $0.publicKey == access.authority.publicKey }) {
                throw ServerError.configuration("the sandbox CA (\(sandbox.clientCA)) is also a production client CA (in \(file)): "
                    + "the sandbox needs a CA of its own, so that a sandbox certificate opens the sandbox and nothing else")
            }
        }
        return access
    }

    /// Every 30 seconds, hands the free pages glibc keeps inside its arenas back to the system:
    /// without it the resident memory grows with the spread of answer sizes while the heap in use
    /// stays flat (RELIABILITY.md, Soak). A few milliseconds of CPU for a heap of tens of MiB.
    static func releaseFreePagesPeriodically() async {
        while (try? await Task.sleep(for: .seconds(30))) != nil {
            regvault_heap_release_free_pages()
        }
    }

    /// Sweeps every `seconds` (never when 0) until cancelled; a failed sweep is logged and retried
    /// at the next interval.
    static func sweepPeriodically(every seconds: Int, writer: LogWriter, metrics: ServerMetrics) async {
        guard seconds > 0 else { return }
        let logger = Logger(label: "regvault.sweep")
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(seconds))
                let summary = try await writer.sweep()
                metrics.swept(summary)
                if summary.erased > 0 {
                    logger.info("erased \(summary.erased) records; erasure entries \(summary.erasureEntries)")
                    if let remains = summary.remains { logger.notice("after the sweep: \(remains)") }
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("sweep failed: \(error)")
            }
        }
    }

    /// The TLS 1.2 cipher suites offered: ECDHE with AES-GCM or ChaCha20-Poly1305 only.
    static let tls12CipherSuites = ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
                                    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
                                    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"].joined(separator: ":")

    /// The client CA files: production and, when configured, the sandbox's. Sandbox certificates
    /// complete the handshake too; the authentication middleware then confines them to /sandbox/.
    var clientAuthorityFiles: [String] { VaultHTTPServer.clientAuthorityFiles(configuration) }

    static func clientAuthorityFiles(_ configuration: VaultConfiguration.ServerConfiguration) -> [String] {
        configuration.tls.clientCAs + [configuration.sandbox?.clientCA].compactMap { $0 }
    }

    func clientChainVerifier() throws -> ClientChainVerifier {
        try VaultHTTPServer.clientChainVerifier(configuration)
    }

    static func clientChainVerifier(_ configuration: VaultConfiguration.ServerConfiguration) throws -> ClientChainVerifier {
        do {
            return try ClientChainVerifier(authorityFiles: clientAuthorityFiles(configuration))
        } catch {
            throw ServerError.configuration("cannot read the client CAs: \(error)")
        }
    }

    func makeTLSConfiguration() throws -> TLSConfiguration {
        try VaultHTTPServer.makeTLSConfiguration(configuration)
    }

    static func makeTLSConfiguration(_ configuration: VaultConfiguration.ServerConfiguration) throws -> TLSConfiguration {
        let clientAuthorityFiles = clientAuthorityFiles(configuration)
        let tls = configuration.tls
        do {
            var config = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.privateKey, format: .pem))
            )
            config.minimumTLSVersion = .tlsv12
            // TLS 1.2 offers only forward-secret AEAD suites (no CBC, no SHA-1 MACs); TLS 1.3's are all AEAD.
            config.cipherSuites = VaultHTTPServer.tls12CipherSuites
            // The client's certificate is checked against the client CAs; its name is not matched
            // against its address (identities are mapped by common name, addresses by allowFrom).
            config.certificateVerification = .noHostnameVerification
            // The client CAs, production and sandbox; `clientChainVerifier` checks each chain against
            // them during the handshake, with RFC 5280's path rules.
            config.trustRoots = .certificates(try clientAuthorityFiles.flatMap { try NIOSSLCertificate.fromPEMFile($0) })
            return config
        } catch let error as NIOSSLError {
            throw ServerError.configuration("cannot load the TLS files: \(error)")
        }
    }
}
