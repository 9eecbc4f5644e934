import Foundation

extension ServerConfiguration {
    /// Where the vault sends what regulators are due, and how hard it tries: each destination is a
    /// receiver of one regulator (for now an HTTPS webhook) and the filed reports it takes.
    ///
    /// Destinations come from this file only. A webhook's address must be `https://`; it may be on
    /// a private, loopback or link-local address only when `allowPrivateAddress` says so. Secrets
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
        }

        /// One receiver: its id (named in the log's delivery entries), its channel and what it takes.
        public struct Destination: Codable, Sendable {
            public var id: String
            public var webhook: Webhook
            /// The filed reports it takes; when absent, every report, unless `incidents` is given
            /// (a destination for incidents only).
            public var reports: ReportSelection?
            /// The incidents it is notified of, as they are recorded; none when absent.
            public var incidents: IncidentSelection?

            public init(id: String, webhook: Webhook, reports: ReportSelection? = nil, incidents: IncidentSelection? = nil) {
                (self.id, self.webhook, self.reports, self.incidents) = (id, webhook, reports, incidents)
            }

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
            "deliveries": ["destinations", "maxAttempts", "firstRetrySeconds", "maxRetrySeconds", "holidays"],
            "deliveries.destinations[]": ["id", "webhook", "reports", "incidents"],
            "deliveries.destinations[].webhook": ["url", "secretFile", "clientCertificate", "clientKey", "trustedCAs",
                                                  "allowPrivateAddress", "timeoutSeconds"],
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
                found.append(("deliveries.destinations[].reports", members?["reports"]))
                found.append(("deliveries.destinations[].incidents", members?["incidents"]))
            }
            return found
        }

        /// Resolves the files' paths against `resolve`.
        mutating func resolvePaths(_ resolve: (String) -> String) {
            for index in destinations.indices {
                destinations[index].webhook.secretFile = resolve(destinations[index].webhook.secretFile)
                destinations[index].webhook.clientCertificate = destinations[index].webhook.clientCertificate.map(resolve)
                destinations[index].webhook.clientKey = destinations[index].webhook.clientKey.map(resolve)
                destinations[index].webhook.trustedCAs = destinations[index].webhook.trustedCAs.map(resolve)
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
                guard let url = URL(string: destination.webhook.url), url.scheme == "https", let host = url.host, !host.isEmpty else {
                    throw ServerError.configuration("delivery destination \(id): webhook url must be https://HOST[:PORT]/PATH, "
                        + "not '\(destination.webhook.url)'")
                }
                guard url.user == nil, url.password == nil else {
                    throw ServerError.configuration("delivery destination \(id): the webhook url must not carry a user or password")
                }
                guard (destination.webhook.clientCertificate == nil) == (destination.webhook.clientKey == nil) else {
                    throw ServerError.configuration("delivery destination \(id): clientCertificate and clientKey go together")
                }
                for severity in destination.incidents?.severities ?? [] where !["P1", "P2", "P3", "P4"].contains(severity) {
                    throw ServerError.configuration("delivery destination \(id): incident severity '\(severity)' is not P1, P2, P3 or P4")
                }
                guard (1...300).contains(destination.webhook.timeoutSeconds) else {
                    throw ServerError.configuration("delivery destination \(id): timeoutSeconds must be 1...300")
                }
            }
        }
    }
}
