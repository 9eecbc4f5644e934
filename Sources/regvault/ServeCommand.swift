import ArgumentParser
import Foundation
import VaultCore
import VaultReports
import VaultServer
import VaultConfiguration

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the ingest and inspector API over mutual TLS.",
        discussion: """
        Production: regvault serve --config FILE (see ServerConfiguration: TLS files, client CAs, identities with \
        roles and allowed address ranges). Development: regvault serve --dev --data DIR [--listen 127.0.0.1:8443] \
        creates the vault if absent and development certificates under DIR/dev-certs/, allows each role's \
        certificate from loopback only, and prints the base URL and certificate paths. Development mode also \
        serves the regulator sandbox under /sandbox/regulator/ (its log in DIR/sandbox, replaying the scenario \
        of --sandbox-scenario), opened by DIR/dev-certs/sandbox.pem from its own CA. Stops gracefully on \
        SIGINT or SIGTERM: requests in flight finish first.
        """
    )

    @Option(help: "The configuration file (production).") var config: String?
    @Flag(help: "Development mode: generated certificates, loopback only.") var dev = false
    @Option(help: "With --dev: the data directory.") var data: String?
    @Option(help: "With --dev: HOST:PORT to listen on (port 0 picks a free port).") var listen = "127.0.0.1:8443"
    @Option(name: .customLong("s3-listen"),
            help: "With --dev: HOST:PORT of the S3 endpoint (default: the next port after --listen; 0 with port 0).")
    var s3Listen: String?
    @Option(help: "With --dev: the origin of a vault created now.") var origin = "dev.regvault.local/log"
    @Option(help: "With --dev: keep a vault created now in this PostgreSQL database (see regvault init --help).")
    var postgres: String?
    @Option(name: .customLong("regulator-webhook"),
            help: "With --dev: deliver every filed report to this HTTPS URL, signed with DATA/dev-certs/webhook-secret.")
    var regulatorWebhook: String?
    @Option(name: .customLong("regulator-smtp"),
            help: "With --dev: HOST:PORT of an SMTP relay or local sink through which filed reports and P1 incidents are mailed.")
    var regulatorSMTP: String?
    @Option(name: .customLong("regulator-email"),
            help: "With --dev and --regulator-smtp: the development regulator's address (default regulator@dev.regvault.local).")
    var regulatorEmail: String?
    @Option(help: "With --dev: retention policy files for a vault created now (default: the operator default).")
    var retention: String?
    @Option(name: .customLong("sandbox-scenario"),
            help: "With --dev: the sandbox's scenario, built-in (demo, mid-size-operator) or a file.")
    var sandboxScenario = "demo"
    @Option(name: .customLong("sweep-interval"),
            help: "Seconds between sweeps that erase expired records (0: never); overrides the configuration.")
    var sweepInterval: Int?

    func validate() throws {
        if dev {
            guard data != nil, config == nil else { throw ValidationError("--dev needs --data DIR and no --config") }
            if postgres != nil, let data, VaultDirectory(path: data).exists {
                throw ValidationError("--postgres creates a vault; \(data) already holds one (serve it without --postgres)")
            }
            if regulatorEmail != nil, regulatorSMTP == nil {
                throw ValidationError("--regulator-email needs --regulator-smtp HOST:PORT (the relay or local sink to send through)")
            }
        } else if regulatorWebhook != nil || regulatorSMTP != nil || regulatorEmail != nil {
            throw ValidationError("--regulator-webhook, --regulator-smtp and --regulator-email are for --dev; in a configuration file, "
                + "destinations go under deliveries")
        } else {
            guard config != nil else {
                throw ValidationError("give --config FILE (TLS files and identities), or --dev --data DIR for development")
            }
        }
    }

    @Option(help: "Longest wait in seconds between the report schedule's looks for closed periods; it also wakes as a period closes (default 60; 0: file no reports).")
    var reportInterval: Int?

    /// DATA/reports.json; without one, the development configuration in --dev and no reports in
    /// production. Production refuses placeholder licence numbers.
    func reportConfiguration(data: String) throws -> ReportConfiguration? {
        let path = (data as NSString).appendingPathComponent("reports.json")
        guard let bytes = FileManager.default.contents(atPath: path) else { return dev ? .development() : nil }
        do {
            let configuration = try ReportConfiguration(json: [UInt8](bytes))
            if !dev { try configuration.checkForProduction() }
            return configuration
        } catch {
            throw CLIError("\(path): \(error.description)")
        }
    }

    func run() async throws {
        var configuration: ServerConfiguration
        var createdNow = false
        if dev, let data {
            if !VaultDirectory(path: data).exists {
                createdNow = true
                let policies = try retention.map { try RetentionPolicySet.load(directory: $0) } ?? .operatorDefault
                try Vault.create(at: data, origin: origin, policies: policies, postgres: postgres)
            }
            configuration = try DevelopmentMode.prepare(dataDirectory: data, listen: listen, s3Listen: s3Listen,
                                                        sandboxScenario: sandboxScenario, regulatorWebhook: regulatorWebhook,
                                                        regulatorMail: regulatorSMTP.map { ($0, regulatorEmail ?? "regulator@dev.regvault.local") })
        } else {
            configuration = try ServerConfiguration.load(path: config!)
        }
        if let sweepInterval {
            guard sweepInterval >= 0 else { throw ValidationError("--sweep-interval must be 0 or more seconds") }
            configuration.sweepIntervalSeconds = sweepInterval
        }
        try VaultDirectory(path: configuration.data).checkDeclaredStorage(postgres: configuration.storage?.postgres)
        let vault = try Vault.open(at: configuration.data)
        let writer: LogWriter
        if let now = try SequencerRole.takeOver(vault) {
            writer = now
        } else {
            let standby = StandbyServer(configuration: configuration, vault: vault)
            guard let later = try await standby.run(onListening: { url in
                Output.note("standby: listening on \(url) (GET /healthz/node answers; every other request is redirected to the "
                    + "sequencer, 307, or answered 503 while none has published its address, until this node takes over)")
            }, takeOver: { try await SequencerRole.waitToTakeOver(vault) }) else { return }
            writer = later
        }
        // A clean stop hands the sequencer lease over at once rather than letting it run out.
        defer {
            if let token = vault.store.sequencerToken {
                vault.store.resignSequencer()
                Output.note("gave up the sequencer lease (token \(token)): a standby may take over at once")
            }
        }
        var server = try VaultHTTPServer(configuration: configuration, vault: vault, writer: writer,
                                         reports: try reportConfiguration(data: configuration.data))
        if let reportInterval {
            guard reportInterval >= 0 else { throw ValidationError("--report-interval must be 0 (off) or more seconds") }
            server.reportIntervalSeconds = reportInterval
        }
        let certs = configuration.data + "/dev-certs"
        let dev = self.dev
        let keptIn = try vault.directory.postgresLocation().map { ", kept in \($0)" } ?? ""
        let vaultLine = "vault: \(configuration.data) (" + (createdNow ? "created now" : "existing, \(try vault.store.treeSize()) entries")
            + keptIn + ")\n"
        let regulatorWebhook = self.regulatorWebhook
        let mailTo = regulatorSMTP.map { "\(regulatorEmail ?? "regulator@dev.regvault.local") through \($0)" }
        let advertising = vault.store.sequencerToken != nil ? configuration : nil
        try await server.run { url in
            var text = "listening on \(url)\n"
            if dev {
                text += vaultLine
                text += "development certificates in \(certs): ca.pem, server.pem, "
                    + DevelopmentMode.roles.map { "\($0.rawValue).pem/.key" }.joined(separator: ", ")
                    + ", other-ca-client.pem/.key (refused), sandbox.pem/.key (the sandbox only, from sandbox-ca.pem)\n"
                text += "console: open \(url)/ in a browser holding \(certs)/regulator_read.pem and its key "
                    + "(README, \"The inspector's console\", says how to import them)\n"
                text += "try: curl --cacert \(certs)/ca.pem --cert \(certs)/regulator_read.pem --key \(certs)/regulator_read.key "
                    + "'\(url)/regulator/audit?entity=bonusRule&id=123&limit=5'\n"
                text += "sandbox: curl --cacert \(certs)/ca.pem --cert \(certs)/sandbox.pem --key \(certs)/sandbox.key "
                    + "'\(url)/sandbox/regulator/status'\n"
                if let regulatorWebhook {
                    text += "deliveries: each filed report is POSTed to \(regulatorWebhook), signed with \(certs)/webhook-secret; "
                        + "see them: curl --cacert \(certs)/ca.pem --cert \(certs)/compliance_officer.pem --key "
                        + "\(certs)/compliance_officer.key '\(url)/v1/deliveries'\n"
                }
                if let mailTo {
                    text += "deliveries: each filed report and P1 incident is mailed to \(mailTo)\n"
                }
            }
            FileHandle.standardOutput.write(Data(text.utf8))
            if let advertising {
                // The database is written off the server's threads; standbys answer 503 until it is.
                Task.detached {
                    let line = SequencerRole.advertise(vault, at: advertising.advertisedURL(listening: url),
                                                      certificate: advertising.tls.certificate)
                    FileHandle.standardOutput.write(Data(line.utf8))
                }
            }
        } onS3Listening: { url in
            var text = "s3 listening on \(url)\n"
            if dev {
                text += "s3: AWS_SHARED_CREDENTIALS_FILE=\(certs)/aws-credentials AWS_CA_BUNDLE=\(certs)/ca.pem "
                    + "aws --endpoint-url \(url) --region us-east-1 --profile admin s3api list-buckets\n"
            }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
