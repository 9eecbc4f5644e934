import Foundation

extension ServerConfiguration.Deliveries {
    /// A mailbox reached through an SMTP relay: `url` is `smtp://HOST[:PORT]` (STARTTLS, required; port 25 by default)
    /// or `smtps://HOST[:PORT]` (TLS from the first byte; port 465 by default). The mail says what was filed or raised,
    /// with digests and a link under `linkBase`; it never carries a report's files or a player's data.
    public struct Email: Codable, Sendable {
        public var url: String
        /// The envelope and header sender.
        public var from: String
        /// The recipients (at least one).
        public var to: [String]
        /// The relay's login, with its password in `passwordFile` (mode 0600); both or neither.
        public var username: String?
        public var passwordFile: String?
        /// CA certificates (PEM) to trust for the relay besides the system's.
        public var trustedCAs: String?
        /// A client certificate and key (PEM) for relays that ask for one.
        public var clientCertificate: String?
        public var clientKey: String?
        /// True to allow a private, loopback or link-local relay. Default false.
        public var allowPrivateAddress: Bool = false
        /// True to send without TLS when the relay offers none: only with `allowPrivateAddress`, for
        /// a local sink in development. Default false.
        public var allowPlaintext: Bool = false
        /// The whole attempt's time limit. Default 60.
        public var timeoutSeconds: Int = 60

        public init(url: String, from: String, to: [String], username: String? = nil, passwordFile: String? = nil,
                    trustedCAs: String? = nil, allowPrivateAddress: Bool = false, allowPlaintext: Bool = false) {
            (self.url, self.from, self.to, self.username, self.passwordFile, self.trustedCAs) =
                (url, from, to, username, passwordFile, trustedCAs)
            (self.allowPrivateAddress, self.allowPlaintext) = (allowPrivateAddress, allowPlaintext)
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            url = try container.decode(String.self, forKey: .url)
            from = try container.decode(String.self, forKey: .from)
            to = try container.decode([String].self, forKey: .to)
            username = try container.decodeIfPresent(String.self, forKey: .username)
            passwordFile = try container.decodeIfPresent(String.self, forKey: .passwordFile)
            trustedCAs = try container.decodeIfPresent(String.self, forKey: .trustedCAs)
            clientCertificate = try container.decodeIfPresent(String.self, forKey: .clientCertificate)
            clientKey = try container.decodeIfPresent(String.self, forKey: .clientKey)
            allowPrivateAddress = try container.decodeIfPresent(Bool.self, forKey: .allowPrivateAddress) ?? false
            allowPlaintext = try container.decodeIfPresent(Bool.self, forKey: .allowPlaintext) ?? false
            timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? timeoutSeconds
        }

        /// True for `smtps://` (TLS from the first byte) rather than STARTTLS.
        public var implicitTLS: Bool { url.lowercased().hasPrefix("smtps://") }

        mutating func resolvePaths(_ resolve: (String) -> String) {
            passwordFile = passwordFile.map(resolve)
            trustedCAs = trustedCAs.map(resolve)
            clientCertificate = clientCertificate.map(resolve)
            clientKey = clientKey.map(resolve)
        }

        /// A mailbox as SMTP takes it: one `@`, no spaces, angle brackets or line breaks.
        static func isAddress(_ text: String) -> Bool {
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && text.count <= 254
                && !text.contains(where: { $0.isWhitespace || "<>,;\"\\".contains($0) || !$0.isASCII })
        }

        func validate(destination id: String) throws {
            let place = "delivery destination \(id): email"
            guard let parsed = URLComponents(string: url), ["smtp", "smtps"].contains(parsed.scheme?.lowercased() ?? ""),
                  let host = parsed.host, !host.isEmpty, parsed.path.isEmpty || parsed.path == "/" else {
                throw ServerError.configuration("\(place) url must be smtp://HOST[:PORT] (STARTTLS) or smtps://HOST[:PORT], not '\(url)'")
            }
            guard parsed.user == nil, parsed.password == nil else {
                throw ServerError.configuration("\(place) url must not carry a user or password: use username and passwordFile")
            }
            guard Self.isAddress(from) else { throw ServerError.configuration("\(place) from '\(from)' is not an address") }
            guard !to.isEmpty else { throw ServerError.configuration("\(place) needs at least one address in to") }
            for address in to where !Self.isAddress(address) {
                throw ServerError.configuration("\(place) to '\(address)' is not an address")
            }
            if let username, username.isEmpty || username.contains(where: { $0.isNewline || $0 == "\"" || $0 == "\\" || !$0.isASCII }) {
                throw ServerError.configuration("\(place) username must be plain ASCII without quotes, backslashes or line breaks")
            }
            guard (username == nil) == (passwordFile == nil) else {
                throw ServerError.configuration("\(place) username and passwordFile go together")
            }
            guard (clientCertificate == nil) == (clientKey == nil) else {
                throw ServerError.configuration("\(place) clientCertificate and clientKey go together")
            }
            guard !allowPlaintext || allowPrivateAddress else {
                throw ServerError.configuration("\(place) allowPlaintext is only for a relay on a private address (allowPrivateAddress)")
            }
            guard (1...300).contains(timeoutSeconds) else {
                throw ServerError.configuration("\(place) timeoutSeconds must be 1...300")
            }
        }
    }

    /// A directory on an SFTP server: each delivery is uploaded under a temporary name and renamed
    /// into place, so the receiver never reads half a file. The server is known by `hostKey` (one
    /// line as `ssh-keyscan` prints it without the host, `ssh-ed25519 AAAA…`); any other key fails.
    public struct SFTP: Codable, Sendable {
        public var host: String
        public var port: Int = 22
        public var user: String
        /// The private key the vault logs in with (OpenSSH format, mode 0600).
        public var privateKey: String
        /// The server's public host key, pinned.
        public var hostKey: String
        /// Where files go on the server (created beforehand by the receiver).
        public var directory: String
        /// True to allow a private, loopback or link-local server. Default false.
        public var allowPrivateAddress: Bool = false
        /// The whole attempt's time limit. Default 120.
        public var timeoutSeconds: Int = 120

        public init(host: String, port: Int = 22, user: String, privateKey: String, hostKey: String, directory: String,
                    allowPrivateAddress: Bool = false) {
            (self.host, self.port, self.user, self.privateKey, self.hostKey, self.directory) = (host, port, user, privateKey, hostKey, directory)
            self.allowPrivateAddress = allowPrivateAddress
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            host = try container.decode(String.self, forKey: .host)
            port = try container.decodeIfPresent(Int.self, forKey: .port) ?? 22
            user = try container.decode(String.self, forKey: .user)
            privateKey = try container.decode(String.self, forKey: .privateKey)
            hostKey = try container.decode(String.self, forKey: .hostKey)
            directory = try container.decode(String.self, forKey: .directory)
            allowPrivateAddress = try container.decodeIfPresent(Bool.self, forKey: .allowPrivateAddress) ?? false
            timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? timeoutSeconds
        }

        mutating func resolvePaths(_ resolve: (String) -> String) {
            privateKey = resolve(privateKey)
        }

        func validate(destination id: String) throws {
            let place = "delivery destination \(id): sftp"
            let safe: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
            guard !host.isEmpty, host.count <= 253, host.allSatisfy({ safe($0) || $0 == ":" }) else {
                throw ServerError.configuration("\(place) host '\(host)' is not a host name or address")
            }
            guard (1...65535).contains(port) else { throw ServerError.configuration("\(place) port must be 1...65535") }
            guard !user.isEmpty, user.count <= 64, user.allSatisfy(safe), !user.hasPrefix("-") else {
                throw ServerError.configuration("\(place) user '\(user)' must be letters, digits, '-', '_' or '.'")
            }
            let keyParts = hostKey.split(separator: " ")
            guard keyParts.count >= 2, keyParts[0].hasPrefix("ssh-") || keyParts[0].hasPrefix("ecdsa-"),
                  Data(base64Encoded: String(keyParts[1])) != nil else {
                throw ServerError.configuration("\(place) hostKey must be the server's key as ssh-keyscan prints it "
                    + "('ssh-ed25519 AAAA…'), not '\(hostKey.prefix(40))'")
            }
            guard directory.hasPrefix("/"), !directory.contains(where: { $0.isNewline || $0 == "\"" || $0 == "\\" }) else {
                throw ServerError.configuration("\(place) directory must be an absolute path without quotes or line breaks")
            }
            guard (1...300).contains(timeoutSeconds) else {
                throw ServerError.configuration("\(place) timeoutSeconds must be 1...300")
            }
        }
    }
}
