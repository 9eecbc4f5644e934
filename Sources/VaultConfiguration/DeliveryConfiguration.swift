import Foundation

extension ServerConfiguration {
    /// Where the vault sends what regulators are due, and how hard it tries: each destination is a
    /// receiver of one regulator (an HTTPS webhook, an SMTP relay with its recipients, or an SFTP
    /// directory) and the filed reports and incidents it takes.
    ///
    /// Destinations come from this file only. A webhook's address must be `https://`, mail goes
    /// over TLS (STARTTLS or implicit), SFTP pins the server's host key; any of them may be on a
    /// private, loopback or link-local address only when `allowPrivateAddress` says so. Secrets
    /// live in files readable by the vault's user alone (mode 0600), never in this file.
    public struct Deliveries: Codable, Sendable {
        public var destinations: [Destination]
        /// Attempts before a delivery is given up on and an incident raised. Default 8.
        public var maxAttempts: Int = 8
        /// The wait before the first retry; each later wait doubles, with jitter. Default 5.
        public var firstRetrySeconds: Int = 5
        /// The longest wait between two attempts. Default 3,600.
        public var maxRetrySeconds: Int = 3_600
        /// Public holidays by jurisdiction (`YYYY-MM-DD`), skipped when incident deadlines count
        /// working days: `{"MT": ["2026-12-08", "2026-12-25"]}`.
        public var holidays: [String: [String]] = [:]
        /// The vault's inspector address as regulators reach it (`https://vault.example:8443`): links
        /// in mails and the read access a P1 notice carries start with it. Without it a notice names
        /// the routes only.
        public var linkBase: String?
        /// How long the read access a P1 notice gives its regulator lasts, in hours; 0 for none.
        /// Default 72 (GDPR art. 33's window).
        public var incidentAccessHours: Int = 72

        public init(destinations: [Destination], maxAttempts: Int = 8, firstRetrySeconds: Int = 5, maxRetrySeconds: Int = 3_600) {
            self.destinations = destinations
            self.maxAttempts = maxAttempts
            self.firstRetrySeconds = firstRetrySeconds
            self.maxRetrySeconds = maxRetrySeconds
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            destinations = try container.decode([Destination].self, forKey: .destinations)
            maxAttempts = try container.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? maxAttempts
            firstRetrySeconds = try container.decodeIfPresent(Int.self, forKey: .firstRetrySeconds) ?? firstRetrySeconds
            maxRetrySeconds = try container.decodeIfPresent(Int.self, forKey: .maxRetrySeconds) ?? maxRetrySeconds
            holidays = try container.decodeIfPresent([String: [String]].self, forKey: .holidays) ?? [:]
            linkBase = try container.decodeIfPresent(String.self, forKey: .linkBase)
            incidentAccessHours = try container.decodeIfPresent(Int.self, forKey: .incidentAccessHours) ?? incidentAccessHours
        }

        /// One receiver: its id (named in the log's delivery entries), its channel (exactly one of
        /// `webhook`, `email` and `sftp`) and what it takes.
        public struct Destination: Codable, Sendable {
            public var id: String
            public var webhook: Webhook?
            public var email: Email?
            public var sftp: SFTP?
            /// The filed reports it takes; when absent, every report, unless `incidents` is given
            /// (a destination for incidents only).
            public var reports: ReportSelection?
            /// The incidents it is notified of, as they are recorded; none when absent.
            public var incidents: IncidentSelection?

            public init(id: String, webhook: Webhook? = nil, email: Email? = nil, sftp: SFTP? = nil, reports: ReportSelection? = nil,
                        incidents: IncidentSelection? = nil) {
                (self.id, self.webhook, self.email, self.sftp, self.reports, self.incidents) = (id, webhook, email, sftp, reports, incidents)
            }

            /// The channel's name as delivery entries record it: `webhook`, `email` or `sftp`.
            public var channel: String { email != nil ? "email" : sftp != nil ? "sftp" : "webhook" }

            /// True if it takes filed reports at all.
            public var takesReports: Bool { reports != nil || incidents == nil }
        }

        /// Incidents by severity (`P1` when absent) and jurisdiction (every one when absent).
        public struct IncidentSelection: Codable, Sendable {
            public var severities: [String]?
            public var jurisdictions: [String]?

            public init(severities: [String]? = nil, jurisdictions: [String]? = nil) {
                (self.severities, self.jurisdictions) = (severities, jurisdictions)
            }
        }

        /// An HTTPS receiver, signed as Standard Webhooks.
        public struct Webhook: Codable, Sendable {
            public var url: String
            /// A file holding the signing secret, `whsec_` then base64 (mode 0600).
            public var secretFile: String
            /// A client certificate and key (PEM) presented to receivers that require one.
            public var clientCertificate: String?
            public var clientKey: String?
            /// CA certificates (PEM) to trust for the receiver besides the system's.
            public var trustedCAs: String?
            /// True to allow a private, loopback or link-local address. Default false.
            public var allowPrivateAddress: Bool = false
            /// The whole attempt's time limit. Default 30.
            public var timeoutSeconds: Int = 30

            public init(url: String, secretFile: String, clientCertificate: String? = nil, clientKey: String? = nil,
                        trustedCAs: String? = nil, allowPrivateAddress: Bool = false, timeoutSeconds: Int = 30) {
                (self.url, self.secretFile, self.clientCertificate, self.clientKey, self.trustedCAs) =
                    (url, secretFile, clientCertificate, clientKey, trustedCAs)
                self.allowPrivateAddress = allowPrivateAddress
                self.timeoutSeconds = timeoutSeconds
            }

            public init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                url = try container.decode(String.self, forKey: .url)
                secretFile = try container.decode(String.self, forKey: .secretFile)
                clientCertificate = try container.decodeIfPresent(String.self, forKey: .clientCertificate)
                clientKey = try container.decodeIfPresent(String.self, forKey: .clientKey)
                trustedCAs = try container.decodeIfPresent(String.self, forKey: .trustedCAs)
                allowPrivateAddress = try container.decodeIfPresent(Bool.self, forKey: .allowPrivateAddress) ?? false
                timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? timeoutSeconds
            }

            func validate(destination id: String) throws {
                guard let parsed = URL(string: url), parsed.scheme == "https", let host = parsed.host, !host.isEmpty else {
                    throw ServerError.configuration("delivery destination \(id): webhook url must be https://HOST[:PORT]/PATH, "
                        + "not '\(url)'")
                }
                guard parsed.user == nil, parsed.password == nil else {
                    throw ServerError.configuration("delivery destination \(id): the webhook url must not carry a user or password")
                }
                guard (clientCertificate == nil) == (clientKey == nil) else {
                    throw ServerError.configuration("delivery destination \(id): clientCertificate and clientKey go together")
                }
                guard (1...300).contains(timeoutSeconds) else {
                    throw ServerError.configuration("delivery destination \(id): timeoutSeconds must be 1...300")
                }
            }
        }

        /// Filed reports by licence id and template id; a missing list takes every one.
        public struct ReportSelection: Codable, Sendable {
            public var licences: [String]?
            public var templates: [String]?

            public init(licences: [String]? = nil, templates: [String]? = nil) {
                (self.licences, self.templates) = (licences, templates)
            }
        }

        static let knownKeys: [String: Set<String>] = [
            "deliveries": ["destinations", "maxAttempts", "firstRetrySeconds", "maxRetrySeconds", "holidays", "linkBase",
                           "incidentAccessHours"],
            "deliveries.destinations[]": ["id", "webhook", "email", "sftp", "reports", "incidents"],
            "deliveries.destinations[].webhook": ["url", "secretFile", "clientCertificate", "clientKey", "trustedCAs",
                                                  "allowPrivateAddress", "timeoutSeconds"],
            "deliveries.destinations[].email": ["url", "from", "to", "username", "passwordFile", "trustedCAs", "clientCertificate",
                                                "clientKey", "allowPrivateAddress", "allowPlaintext", "timeoutSeconds"],
            "deliveries.destinations[].sftp": ["host", "port", "user", "privateKey", "hostKey", "directory", "allowPrivateAddress",
                                               "timeoutSeconds"],
            "deliveries.destinations[].reports": ["licences", "templates"],
            "deliveries.destinations[].incidents": ["severities", "jurisdictions"],
        ]

        /// The sections of `object` (the `deliveries` member) by their key in `knownKeys`.
        static func sections(of object: Any?) -> [(String, Any?)] {
            var found: [(String, Any?)] = [("deliveries", object)]
            for destination in (object as? [String: Any])?["destinations"] as? [Any] ?? [] {
                found.append(("deliveries.destinations[]", destination))
                let members = destination as? [String: Any]
                found.append(("deliveries.destinations[].webhook", members?["webhook"]))
                found.append(("deliveries.destinations[].email", members?["email"]))
                found.append(("deliveries.destinations[].sftp", members?["sftp"]))
                found.append(("deliveries.destinations[].reports", members?["reports"]))
                found.append(("deliveries.destinations[].incidents", members?["incidents"]))
            }
            return found
        }

        /// Resolves the files' paths against `resolve`.
        mutating func resolvePaths(_ resolve: (String) -> String) {
            for index in destinations.indices {
                if var webhook = destinations[index].webhook {
                    webhook.secretFile = resolve(webhook.secretFile)
                    webhook.clientCertificate = webhook.clientCertificate.map(resolve)
                    webhook.clientKey = webhook.clientKey.map(resolve)
                    webhook.trustedCAs = webhook.trustedCAs.map(resolve)
                    destinations[index].webhook = webhook
                }
                destinations[index].email?.resolvePaths(resolve)
                destinations[index].sftp?.resolvePaths(resolve)
            }
        }

        static func isDate(_ text: String) -> Bool {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
                  let month = Int(parts[1]), let day = Int(parts[2]), Int(parts[0]) != nil else { return false }
            return (1...12).contains(month) && (1...31).contains(day)
        }

        /// Refuses what could not work or would be unsafe, naming the destination.
        public func validate() throws {
            guard (1...100).contains(maxAttempts) else {
                throw ServerError.configuration("deliveries.maxAttempts must be 1...100, not \(maxAttempts)")
            }
            guard firstRetrySeconds >= 1, maxRetrySeconds >= firstRetrySeconds else {
                throw ServerError.configuration("deliveries: firstRetrySeconds must be at least 1 and maxRetrySeconds at least "
                    + "firstRetrySeconds")
            }
            if let linkBase {
                guard let base = URL(string: linkBase), base.scheme == "https", base.host != nil, base.path.isEmpty || base.path == "/"
                else {
                    throw ServerError.configuration("deliveries.linkBase must be https://HOST[:PORT], not '\(linkBase)'")
                }
            }
            guard (0...24 * 90).contains(incidentAccessHours) else {
                throw ServerError.configuration("deliveries.incidentAccessHours must be 0 (none) to 2160 (90 days)")
            }
            for (jurisdiction, days) in holidays {
                for day in days where !Self.isDate(day) {
                    throw ServerError.configuration("deliveries.holidays.\(jurisdiction): '\(day)' is not a YYYY-MM-DD date")
                }
            }
            var seen = Set<String>()
            for destination in destinations {
                let id = destination.id
                guard !id.isEmpty, id.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
                else {
                    throw ServerError.configuration("delivery destination id '\(id)' must be 1...64 letters, digits, '-', '_' or '.'")
                }
                guard seen.insert(id).inserted else {
                    throw ServerError.configuration("delivery destination \(id) is named twice")
                }
                let channels = [destination.webhook != nil, destination.email != nil, destination.sftp != nil].filter { $0 }.count
                guard channels == 1 else {
                    throw ServerError.configuration("delivery destination \(id) must have exactly one of webhook, email and sftp")
                }
                if let webhook = destination.webhook { try webhook.validate(destination: id) }
                if let email = destination.email { try email.validate(destination: id) }
                if let sftp = destination.sftp { try sftp.validate(destination: id) }
                for severity in destination.incidents?.severities ?? [] where !["P1", "P2", "P3", "P4"].contains(severity) {
                    throw ServerError.configuration("delivery destination \(id): incident severity '\(severity)' is not P1, P2, P3 or P4")
                }
            }
        }
    }
}
