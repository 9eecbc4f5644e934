import Foundation

/// The server's configuration file (JSON). Every option a deployment must decide has no default:
/// the server refuses to start without TLS files and at least one identity.
///
/// ```json
/// {
///   "data": "/var/lib/regvault",
///   "listen": "0.0.0.0:8443",
///   "tls": {"certificate": "server.pem", "privateKey": "server.key", "clientCAs": ["clients-ca.pem"]},
///   "identities": [
///     {"commonName": "bonus-engine", "roles": ["ingest"], "allowFrom": ["10.20.0.0/16"]},
///     {"commonName": "mga-inspector-1", "roles": ["regulator_read"], "allowFrom": ["192.0.2.10/32"]}
///   ],
///   "limits": {"maxBodyBytes": 16777216, "maxBatchRecords": 10000, "maxObjectBytes": 67108864,
///              "requestHeadSeconds": 10, "bodySeconds": 120, "maxConnections": 1024, "maxConnectionsPerAddress": 128},
///   "sweepIntervalSeconds": 3600,
///   "bearerTokens": {"issuer": "https://sso.regulator.example", "audience": "regvault", "jwks": "sso-keys.json"},
///   "sandbox": {"scenario": "demo", "clientCA": "sandbox-ca.pem", "allowFrom": ["198.51.100.0/24"]},
///   "storage": {"postgres": "postgres://regvault@db1.internal:5432/vault"},
///   "advertiseURL": "https://node1.internal:8443"
/// }
/// ```
/// `storage` (optional) states where the vault in `data` is kept; see `Storage`.
/// `advertiseURL` (optional) is the base URL clients reach this node on: while it is the sequencer
/// of a vault on PostgreSQL, the other nodes redirect clients there (see `advertisedURL`).
/// `sandbox` (optional) serves the regulator sandbox under `/sandbox/regulator/` (see `Sandbox`).
/// A client is identified by the common name of its verified certificate; relative file paths
/// are resolved against the configuration file's directory. `sweepIntervalSeconds` (default 3600;
/// 0 turns it off) is how often the server erases records whose retention has ended.
public struct ServerConfiguration: Codable, Sendable {
    public var data: String
    public var listen: String
    public var tls: TLSFiles
    public var identities: [Identity]
    public var limits: Limits = Limits()
    public var sweepIntervalSeconds: Int = 3600
    /// Optional OAuth2 bearer tokens for identities that accept them (see `BearerTokens`).
    public var bearerTokens: BearerTokens?
    /// Optional regulator sandbox beside the production routes.
    public var sandbox: Sandbox?
    /// Optional S3-compatible endpoint on a listener of its own.
    public var s3: S3Endpoint?
    /// Optional destinations for what the vault delivers (filed reports).
    public var deliveries: Deliveries?
    /// Thresholds of the built-in incident rules; every rule runs with its defaults without it.
    public var rules: Rules?
    /// Where the vault in `data` is kept, as the deployment expects it.
    public var storage: Storage?
    /// The base URL (`https://HOST[:PORT]`) clients reach this node on, for the other nodes'
    /// redirects while it is the sequencer.
    public var advertiseURL: String?

    /// Where the vault in `data` must be kept. The data directory itself says where its vault is
    /// (`vault.sqlite`, or `postgres.url` naming the database, written by `regvault init --postgres`
    /// or `regvault migrate`, and read by every command on the directory); the server refuses to
    /// start when the two disagree, so a node whose configuration names one database never serves
    /// and signs a vault kept in another, or in a local file. `postgres` is compared by user, host,
    /// port and database; the password and TLS settings are `postgres.url`'s (mode 0600), so this
    /// file need not hold a secret.
    public struct Storage: Codable, Sendable {
        public var postgres: String?

        public init(postgres: String? = nil) {
            self.postgres = postgres
        }
    }

    /// The S3 endpoint: its own TLS listener (the same certificate), where AWS Signature Version 4
    /// is the credential. `credentials` is an AWS shared-credentials file readable by the vault's
    /// user only (mode 0600): one `[section]` per identity, named by the identity's `commonName`,
    /// with `aws_access_key_id` and `aws_secret_access_key`. The identity's roles and `allowFrom`
    /// apply to requests signed with its key.
    public struct S3Endpoint: Codable, Sendable {
        public var listen: String
        public var credentials: String

        public init(listen: String, credentials: String) {
            self.listen = listen
            self.credentials = credentials
        }
    }

    /// The regulator sandbox: a separate log replaying a synthetic scenario, opened only by
    /// certificates from its own CA.
    public struct Sandbox: Codable, Sendable {
        /// A built-in scenario name (`demo`, `mid-size-operator`) or a scenario file. Default `demo`.
        /// A reset to another scenario lasts until the server restarts.
        public var scenario: String = "demo"
        /// The CA that issues sandbox client certificates (`regvault sandbox issue-cert`). It must not
        /// be one of `tls.clientCAs`: a sandbox certificate opens the sandbox and nothing else.
        public var clientCA: String
        /// CIDR ranges sandbox certificates may connect from.
        public var allowFrom: [String]
        /// Where the sandbox log lives; default `<data>/sandbox`.
        public var data: String?

        public init(scenario: String = "demo", clientCA: String, allowFrom: [String], data: String? = nil) {
            self.scenario = scenario
            self.clientCA = clientCA
            self.allowFrom = allowFrom
            self.data = data
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            scenario = try container.decodeIfPresent(String.self, forKey: .scenario) ?? "demo"
            clientCA = try container.decode(String.self, forKey: .clientCA)
            allowFrom = try container.decode([String].self, forKey: .allowFrom)
            data = try container.decodeIfPresent(String.self, forKey: .data)
        }
    }

    /// The sandbox log's directory, when a sandbox is configured.
    public var sandboxDirectory: String? {
        sandbox.map { $0.data ?? data + "/sandbox" }
    }

    public struct BearerTokens: Codable, Sendable {
        /// The issuer (`iss`) every token must name.
        public var issuer: String
        /// The audience (`aud`) every token must include.
        public var audience: String
        /// A JWKS file with the issuer's public keys.
        public var jwks: String

        public init(issuer: String, audience: String, jwks: String) {
            self.issuer = issuer
            self.audience = audience
            self.jwks = jwks
        }
    }

    public struct TLSFiles: Codable, Sendable {
        public var certificate: String
        public var privateKey: String
        /// CA bundles that client certificates must chain to.
        public var clientCAs: [String]

        public init(certificate: String, privateKey: String, clientCAs: [String]) {
            self.certificate = certificate
            self.privateKey = privateKey
            self.clientCAs = clientCAs
        }
    }

    public struct Identity: Codable, Sendable {
        public var commonName: String
        public var roles: [Role]
        /// CIDR ranges the identity may connect from, e.g. `10.0.0.0/8`, `::1/128`.
        public var allowFrom: [String]
        /// True if requests on this identity's connections may carry a bearer token, whose roles then
        /// replace the certificate's (see `BearerTokens`). Default false.
        public var acceptsBearerTokens: Bool = false
        /// True if requests signed with this identity's S3 access key must also come on a connection
        /// with this identity's client certificate (the S3 listener asks for one but, by default,
        /// does not require it: the AWS CLI cannot present one). Default false.
        public var s3RequiresClientCertificate: Bool = false
        /// Where this identity's requests to `POST /webhook/regulator/request` may ask the answer to be
        /// sent: host names or addresses, exactly as the `callbackUrl` names them. Empty: it may ask
        /// for none. Hosts listed here may be private or loopback addresses: listing them says so.
        public var callbackHosts: [String] = []
        /// The secret (`whsec_` and base64, a file of mode 0600) that signs the answers sent to this
        /// identity's callbacks, as Standard Webhooks; required with `callbackHosts`.
        public var callbackSecretFile: String?
        /// CA certificates (PEM) trusted for the callbacks' hosts besides the system's.
        public var callbackTrustedCAs: String?

        public init(commonName: String, roles: [Role], allowFrom: [String], acceptsBearerTokens: Bool = false,
                    s3RequiresClientCertificate: Bool = false) {
            self.commonName = commonName
            self.roles = roles
            self.allowFrom = allowFrom
            self.acceptsBearerTokens = acceptsBearerTokens
            self.s3RequiresClientCertificate = s3RequiresClientCertificate
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            commonName = try container.decode(String.self, forKey: .commonName)
            roles = try container.decode([Role].self, forKey: .roles)
            allowFrom = try container.decode([String].self, forKey: .allowFrom)
            acceptsBearerTokens = try container.decodeIfPresent(Bool.self, forKey: .acceptsBearerTokens) ?? false
            s3RequiresClientCertificate = try container.decodeIfPresent(Bool.self, forKey: .s3RequiresClientCertificate) ?? false
            callbackHosts = try container.decodeIfPresent([String].self, forKey: .callbackHosts) ?? []
            callbackSecretFile = try container.decodeIfPresent(String.self, forKey: .callbackSecretFile)
            callbackTrustedCAs = try container.decodeIfPresent(String.self, forKey: .callbackTrustedCAs)
        }
    }

    public struct Limits: Codable, Sendable {
        public var maxBodyBytes: Int = 16 * 1024 * 1024
        public var maxBatchRecords: Int = 10_000
        /// The largest object `PUT /v1/objects/{key}` accepts (64 MiB).
        public var maxObjectBytes: Int = 64 * 1024 * 1024
        /// Handshake, request-head and idle deadline in seconds.
        public var requestHeadSeconds: Int = 10
        /// How long a request body may take to arrive, in seconds.
        public var bodySeconds: Int = 120
        /// Connections held at once (lowered to fit the open-file limit).
        public var maxConnections: Int = 1024
        /// Connections one client address may hold at once.
        public var maxConnectionsPerAddress: Int = 128

        public init() {}

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            maxBodyBytes = try container.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? maxBodyBytes
            maxBatchRecords = try container.decodeIfPresent(Int.self, forKey: .maxBatchRecords) ?? maxBatchRecords
            maxObjectBytes = try container.decodeIfPresent(Int.self, forKey: .maxObjectBytes) ?? maxObjectBytes
            requestHeadSeconds = try container.decodeIfPresent(Int.self, forKey: .requestHeadSeconds) ?? requestHeadSeconds
            bodySeconds = try container.decodeIfPresent(Int.self, forKey: .bodySeconds) ?? bodySeconds
            maxConnections = try container.decodeIfPresent(Int.self, forKey: .maxConnections) ?? maxConnections
            maxConnectionsPerAddress = try container.decodeIfPresent(Int.self, forKey: .maxConnectionsPerAddress)
                ?? maxConnectionsPerAddress
            for (name, value) in [("requestHeadSeconds", requestHeadSeconds), ("bodySeconds", bodySeconds),
                                  ("maxConnections", maxConnections), ("maxConnectionsPerAddress", maxConnectionsPerAddress)]
            where !(1...1_000_000).contains(value) {
                throw ServerError.configuration("limits.\(name) must be 1 to 1000000, not \(value)")
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        data = try container.decode(String.self, forKey: .data)
        listen = try container.decode(String.self, forKey: .listen)
        tls = try container.decode(TLSFiles.self, forKey: .tls)
        identities = try container.decode([Identity].self, forKey: .identities)
        limits = try container.decodeIfPresent(Limits.self, forKey: .limits) ?? Limits()
        sweepIntervalSeconds = try container.decodeIfPresent(Int.self, forKey: .sweepIntervalSeconds) ?? sweepIntervalSeconds
        bearerTokens = try container.decodeIfPresent(BearerTokens.self, forKey: .bearerTokens)
        sandbox = try container.decodeIfPresent(Sandbox.self, forKey: .sandbox)
        s3 = try container.decodeIfPresent(S3Endpoint.self, forKey: .s3)
        deliveries = try container.decodeIfPresent(Deliveries.self, forKey: .deliveries)
        rules = try container.decodeIfPresent(Rules.self, forKey: .rules)
        storage = try container.decodeIfPresent(Storage.self, forKey: .storage)
        advertiseURL = try container.decodeIfPresent(String.self, forKey: .advertiseURL)
    }

    public init(data: String, listen: String, tls: TLSFiles, identities: [Identity], limits: Limits = Limits()) {
        self.data = data
        self.listen = listen
        self.tls = tls
        self.identities = identities
        self.limits = limits
    }

    /// Reads a configuration file, resolving relative paths against its directory, and checks it.
    public static func load(path: String) throws -> ServerConfiguration {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ServerError.configuration("cannot read \(path): \(error.localizedDescription)")
        }
        var configuration: ServerConfiguration
        do {
            try refuseUnknownKeys(in: try JSONSerialization.jsonObject(with: data))
            configuration = try JSONDecoder().decode(ServerConfiguration.self, from: data)
        } catch let error as ServerError {
            throw ServerError.configuration("\(path): \(error)")
        } catch let error as DecodingError {
            throw ServerError.configuration("\(path) is not a valid configuration: \(describe(error))")
        } catch {
            throw ServerError.configuration("\(path) is not JSON: \(error.localizedDescription)")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ file: String) -> String {
            file.hasPrefix("/") ? file : base.appendingPathComponent(file).path
        }
        configuration.data = resolve(configuration.data)
        configuration.tls.certificate = resolve(configuration.tls.certificate)
        configuration.tls.privateKey = resolve(configuration.tls.privateKey)
        configuration.tls.clientCAs = configuration.tls.clientCAs.map(resolve)
        if let jwks = configuration.bearerTokens?.jwks { configuration.bearerTokens?.jwks = resolve(jwks) }
        if let s3 = configuration.s3 { configuration.s3?.credentials = resolve(s3.credentials) }
        configuration.deliveries?.resolvePaths(resolve)
        for index in configuration.identities.indices {
            configuration.identities[index].callbackSecretFile = configuration.identities[index].callbackSecretFile.map(resolve)
            configuration.identities[index].callbackTrustedCAs = configuration.identities[index].callbackTrustedCAs.map(resolve)
        }
        if let sandbox = configuration.sandbox {
            configuration.sandbox?.clientCA = resolve(sandbox.clientCA)
            configuration.sandbox?.data = sandbox.data.map(resolve)
            if sandbox.scenario.contains("/") || sandbox.scenario.hasSuffix(".json") {
                configuration.sandbox?.scenario = resolve(sandbox.scenario)
            }
        }
        try configuration.validate()
        return configuration
    }

    /// The keys each object of the file may have; a misspelt option is refused rather than ignored.
    static let knownKeys: [String: Set<String>] = [
        "": ["data", "listen", "tls", "identities", "limits", "sweepIntervalSeconds", "bearerTokens", "sandbox", "s3",
             "deliveries", "rules", "storage", "advertiseURL"],
        "storage": ["postgres"],
        "rules": Rules.knownKeys,
        "s3": ["listen", "credentials"],
        "tls": ["certificate", "privateKey", "clientCAs"],
        "identities[]": ["commonName", "roles", "allowFrom", "acceptsBearerTokens", "s3RequiresClientCertificate", "callbackHosts",
                           "callbackSecretFile", "callbackTrustedCAs"],
        "limits": ["maxBodyBytes", "maxBatchRecords", "maxObjectBytes", "requestHeadSeconds", "bodySeconds", "maxConnections",
                   "maxConnectionsPerAddress"],
        "bearerTokens": ["issuer", "audience", "jwks"],
        "sandbox": ["scenario", "clientCA", "allowFrom", "data"],
    ].merging(Deliveries.knownKeys) { first, _ in first }

    private static func refuseUnknownKeys(in object: Any) throws {
        func check(_ value: Any?, _ section: String) throws {
            guard let members = value as? [String: Any], let known = knownKeys[section] else { return }
            if let unknown = members.keys.filter({ !known.contains($0) }).sorted().first {
                let place = section.isEmpty ? "" : " in \(section)"
                throw ServerError.configuration("unknown option '\(unknown)'\(place); the options are "
                    + known.sorted().joined(separator: ", "))
            }
        }
        try check(object, "")
        let top = object as? [String: Any]
        for section in ["tls", "limits", "bearerTokens", "sandbox", "s3", "rules", "storage"] { try check(top?[section], section) }
        for identity in top?["identities"] as? [Any] ?? [] { try check(identity, "identities[]") }
        for (section, value) in Deliveries.sections(of: top?["deliveries"]) { try check(value, section) }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "'\(path(context)).\(key.stringValue)' is required".replacingOccurrences(of: "'.", with: "'")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "'\(path(context))' must be \(type)".replacingOccurrences(of: "'.", with: "'")
        case .dataCorrupted(let context):
            return "'\(path(context))': \(context.debugDescription)".replacingOccurrences(of: "'.", with: "'")
        @unknown default:
            return "\(error)"
        }
    }

    /// Where the other nodes send this node's clients while it is the sequencer: `advertiseURL`,
    /// or else the URL it listens on (`listening`) unless that is a wildcard address (0.0.0.0 or
    /// [::], which names no host a client could reach), or else nowhere (nil).
    public func advertisedURL(listening: String) -> String? {
        if let advertiseURL { return advertiseURL }
        guard let host = try? ListenAddress(listen).host, host != "0.0.0.0", host != "::" else { return nil }
        return listening
    }

    /// `https://HOST` or `https://HOST:PORT`, nothing more.
    static func isBaseURL(_ text: String) -> Bool {
        guard let url = URLComponents(string: text), url.scheme == "https", let host = url.host, !host.isEmpty,
              url.user == nil, url.password == nil, url.path.isEmpty, url.query == nil, url.fragment == nil else { return false }
        return url.port.map { (1...65535).contains($0) } ?? true
    }

    /// Refuses configurations that would leave the server open or unusable.
    public func validate() throws {
        guard !tls.clientCAs.isEmpty else {
            throw ServerError.configuration("tls.clientCAs is empty: every client must present a certificate from a known CA")
        }
        guard !identities.isEmpty else {
            throw ServerError.configuration("no identities: nobody could use the server")
        }
        try deliveries?.validate()
        try rules?.validate()
        if let s3 {
            _ = try ListenAddress(s3.listen)
            guard try s3.listen != listen || ListenAddress(listen).port == 0 else {
                throw ServerError.configuration("s3.listen is the same address as listen; the S3 endpoint needs a port of its own")
            }
        }
        for identity in identities {
            guard !identity.roles.isEmpty else {
                throw ServerError.configuration("identity \(identity.commonName) has no roles")
            }
            guard !identity.roles.contains(.sandbox) else {
                throw ServerError.configuration("identity \(identity.commonName): the sandbox role comes only from the "
                    + "sandbox CA (sandbox.clientCA), never from an identity")
            }
            guard !identity.allowFrom.isEmpty else {
                throw ServerError.configuration("identity \(identity.commonName) has no allowFrom ranges")
            }
            for range in identity.allowFrom where CIDR(range) == nil {
                throw ServerError.configuration("identity \(identity.commonName): '\(range)' is not a CIDR range")
            }
            guard identity.callbackHosts.isEmpty || identity.callbackSecretFile != nil else {
                throw ServerError.configuration("identity \(identity.commonName) has callbackHosts but no callbackSecretFile "
                    + "to sign what is sent there")
            }
        }
        _ = try ListenAddress(listen)
        if let advertiseURL, !ServerConfiguration.isBaseURL(advertiseURL) {
            throw ServerError.configuration("advertiseURL must be https://HOST or https://HOST:PORT with nothing after it, "
                + "not '\(advertiseURL)'")
        }
        if identities.contains(where: \.acceptsBearerTokens), bearerTokens == nil {
            throw ServerError.configuration("an identity accepts bearer tokens but bearerTokens (issuer, audience, jwks) is not configured")
        }
        guard sweepIntervalSeconds >= 0 else {
            throw ServerError.configuration("sweepIntervalSeconds must be 0 (off) or a number of seconds")
        }
        guard (1...(1 << 30)).contains(limits.maxObjectBytes) else {
            throw ServerError.configuration("limits.maxObjectBytes must be 1 to 1073741824")
        }
        if let sandbox {
            guard !tls.clientCAs.contains(sandbox.clientCA) else {
                throw ServerError.configuration("sandbox.clientCA is also in tls.clientCAs: a sandbox certificate must "
                    + "open the sandbox and nothing else, so the sandbox needs a CA of its own")
            }
            guard !sandbox.allowFrom.isEmpty, sandbox.allowFrom.allSatisfy({ CIDR($0) != nil }) else {
                throw ServerError.configuration("sandbox.allowFrom must list CIDR ranges, such as 198.51.100.0/24")
            }
        }
    }
}

/// What an identity may do.
public enum Role: String, Codable, Sendable, CaseIterable {
    case ingest
    case regulatorRead = "regulator_read"
    case complianceOfficer = "compliance_officer"
    case admin
    /// The regulator sandbox (`/sandbox/regulator/*`) and nothing else: held by every certificate
    /// from the sandbox CA, by no configured identity.
    case sandbox
}

/// `HOST:PORT` or `[IPv6]:PORT`.
public struct ListenAddress: Sendable {
    public let host: String
    public let port: Int

    public init(_ text: String) throws {
        let host: Substring, port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.first == ":" else {
                throw ServerError.configuration("listen address '\(text)' must be [IPv6]:PORT")
            }
            port = rest.dropFirst()
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        } else {
            throw ServerError.configuration("listen address '\(text)' must be HOST:PORT")
        }
        guard !host.isEmpty, let number = Int(port), String(number) == port, (0...65535).contains(number) else {
            throw ServerError.configuration("listen address '\(text)' must be HOST:PORT with a port from 0 to 65535")
        }
        self.host = String(host)
        self.port = number
    }
}

/// A failure to start the server.
public enum ServerError: Error, CustomStringConvertible {
    case configuration(String)

    public var description: String {
        switch self {
        case .configuration(let reason): return reason
        }
    }
}
