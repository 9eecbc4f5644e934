import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOSSL
import X509
import VaultConfiguration

/// Who may connect, from where, with which roles: the configured identities by certificate common
/// name.
public struct AccessPolicy: Sendable {
    struct Entry: Sendable {
        let roles: Set<Role>
        let allowFrom: [CIDR]
        let acceptsBearerTokens: Bool
    }

    let identities: [String: Entry]
    /// Set when the configuration has `bearerTokens`.
    let tokens: BearerTokens?
    /// Set when the server runs the regulator sandbox.
    let sandbox: SandboxAccess?
    /// Checks the read access P1 notices carry (`rvi_…`).
    let incidentAccess: IncidentAccessKey?

    init(_ identities: [ServerConfiguration.Identity], tokens: BearerTokens?, sandbox: SandboxAccess? = nil,
         incidentAccess: IncidentAccessKey? = nil) {
        var table: [String: Entry] = [:]
        for identity in identities {
            table[identity.commonName] = Entry(roles: Set(identity.roles), allowFrom: identity.allowFrom.compactMap(CIDR.init),
                                               acceptsBearerTokens: identity.acceptsBearerTokens)
        }
        self.identities = table
        self.tokens = tokens
        self.sandbox = sandbox
        self.incidentAccess = incidentAccess
    }
}

/// Who may use the regulator sandbox: any certificate issued by the sandbox CA, from the sandbox's
/// allowed ranges, on `/sandbox/` paths only.
struct SandboxAccess: Sendable {
    let authority: Certificate
    let allowFrom: [CIDR]

    init(authorityPEMFile path: String, allowFrom: [String]) throws {
        do {
            authority = try Certificate(pemEncoded: String(contentsOfFile: path, encoding: .utf8))
        } catch {
            throw ServerError.configuration("cannot read the sandbox CA certificate \(path): \(error)")
        }
        self.allowFrom = allowFrom.compactMap(CIDR.init)
    }

    /// True if the sandbox CA signed `certificate` (its issuer name is the CA's and the CA's key
    /// verifies its signature). The TLS layer has already checked the chain and validity.
    func issued(_ certificate: Certificate) -> Bool {
        certificate.issuer == authority.subject && authority.publicKey.isValidSignature(certificate.signature, for: certificate)
    }
}

/// Runs before every handler: turns the TLS connection's verified client certificate and source
/// address into a `ClientIdentity`, or refuses the request with 403 before anything is read.
/// (The TLS layer has already refused connections without a certificate from a configured CA.)
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = VaultRequestContext
    let policy: AccessPolicy
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let address = context.channel.remoteAddress?.ipAddress ?? ""
        guard let peer = try await context.channel.nioSSL_peerCertificate().get(),
              let der = try? peer.toDERBytes(), let certificate = try? Certificate(derEncoded: der),
              let commonName = AuthenticationMiddleware.commonName(of: certificate) else {
            return try refuse("no_client_certificate", "the connection has no verified client certificate", request, context)
        }
        if let sandbox = policy.sandbox, sandbox.issued(certificate) {
            guard sandbox.allowFrom.contains(where: { $0.contains(address) }) else {
                return try refuse("address_not_allowed", "sandbox certificate '\(commonName)' may not connect from \(address)",
                                  request, context)
            }
            guard request.uri.path.hasPrefix("/sandbox/") || request.uri.path == "/sandbox" else {
                return try refuse("sandbox_only", "a sandbox certificate opens /sandbox/regulator/ and nothing else", request, context,
                                  commonName: "sandbox:" + commonName)
            }
            context.identity = ClientIdentity(commonName: commonName, roles: [.sandbox], address: address)
            return try await next(request, context)
        }
        guard let entry = policy.identities[commonName] else {
            return try refuse("unknown_identity", "certificate '\(commonName)' is not a configured identity", request, context,
                              commonName: commonName)
        }
        guard entry.allowFrom.contains(where: { $0.contains(address) }) else {
            return try refuse("address_not_allowed", "identity '\(commonName)' may not connect from \(address)", request, context,
                              commonName: commonName)
        }
        var identity = ClientIdentity(commonName: commonName, roles: entry.roles, address: address)
        if let credential = IncidentAccessKey.credential(in: request) {
            // The read access of a P1 notice: it replaces the certificate's roles with none, so it
            // opens `/access/incident` (within its grant) and nothing else.
            guard let grantId = policy.incidentAccess?.grantId(of: credential) else {
                return try refuse("invalid_token", "not a read access this vault issued", request, context, status: .unauthorized,
                                  commonName: commonName)
            }
            // A credential seen on the way (a mail, an SFTP drop) opens nothing for the operator's own services.
            guard !entry.roles.isDisjoint(with: [.regulatorRead, .complianceOfficer]) else {
                return try refuse("role_not_allowed", "a P1 notice's read access is used with a regulator's (regulator_read) "
                    + "certificate; '\(commonName)' has none", request, context, commonName: commonName)
            }
            identity = ClientIdentity(commonName: commonName, roles: [], address: address, tokenSubject: "access:" + grantId)
            identity.incidentGrant = grantId
        } else if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer "), entry.acceptsBearerTokens, let tokens = policy.tokens else {
                return try refuse("invalid_token", "identity '\(commonName)' does not accept bearer tokens", request, context,
                                  status: .unauthorized, commonName: commonName)
            }
            do {
                let (subject, roles) = try await tokens.verify(String(header.dropFirst("Bearer ".count)))
                identity = ClientIdentity(commonName: commonName, roles: roles, address: address, tokenSubject: subject)
            } catch {
                return try refuse("invalid_token", error.reason, request, context, status: .unauthorized, commonName: commonName)
            }
        }
        context.identity = identity
        return try await next(request, context)
    }

    private func refuse(_ code: String, _ message: String, _ request: Request, _ context: Context,
                        status: HTTPResponse.Status = .forbidden, commonName: String? = nil) throws -> Response {
        metrics.refused(code, by: commonName ?? context.channel.remoteAddress?.ipAddress)
        var metadata: Logger.Metadata = ["code": .string(code), "path": .string(request.uri.path),
                                         "address": .string(context.channel.remoteAddress?.ipAddress ?? "")]
        if let commonName { metadata["certificate"] = .string(commonName) }
        context.logger.notice("refused request", metadata: metadata)
        var response = try APIError(status, code, message).response(from: request, context: context)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\"" }
        return response
    }

    static func commonName(of certificate: Certificate) -> String? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return String(describing: attribute.value)
            }
        }
        return nil
    }
}

/// Refuses, with 403, a request whose identity has none of `roles`.
struct RequireRole: RouterMiddleware {
    typealias Context = VaultRequestContext
    let roles: Set<Role>
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let refusal = RequireRole.refusal(context, roles: roles, metrics: metrics) {
            return try refusal.response(from: request, context: context)
        }
        return try await next(request, context)
    }

    /// The 403 `role_not_allowed` for a request whose identity has none of `roles` (counted in the
    /// metrics), or nil when it has one.
    static func refusal(_ context: VaultRequestContext, roles: Set<Role>, metrics: ServerMetrics) -> APIError? {
        guard let identity = context.identity, !identity.roles.isDisjoint(with: roles) else {
            metrics.refused("role_not_allowed", by: context.identity?.name ?? context.channel.remoteAddress?.ipAddress)
            if let grant = context.identity?.incidentGrant {
                return APIError(.forbidden, "role_not_allowed", "the read access \(grant) stands in for this certificate's roles and "
                    + "opens /access/incident and /access/incident/logs only; send the request without it to use the certificate's roles")
            }
            let needed = roles.map(\.rawValue).sorted().joined(separator: " or ")
            let held = context.identity.map { $0.roles.map(\.rawValue).sorted().joined(separator: ", ") } ?? ""
            return APIError(.forbidden, "role_not_allowed", "this route needs the role \(needed)"
                + (held.isEmpty ? "" : "; this certificate has \(held)"))
        }
        return nil
    }
}
