import Foundation
import JWTKit
import VaultConfiguration

/// OAuth2 bearer tokens (JWT) as a second source of inspector roles, for identities that sign
/// individual inspectors in through their own single sign-on (a regulator's gateway, say).
///
/// How certificate and token combine: a token never replaces the client certificate. Every
/// connection still needs a verified certificate of a configured identity, from one of its allowed
/// addresses. An identity configured with `acceptsBearerTokens` may add `Authorization: Bearer
/// <JWT>`: the token must be signed by a key in the configured JWKS, name the configured issuer,
/// include the configured audience, and be within its `nbf`/`exp` window. The request then has the
/// token's roles instead of the certificate's, limited to `regulator_read` and
/// `compliance_officer` (from the claim `roles`, an array, or `scope`, space-separated), and its
/// identity is `<certificate common name>/<token subject>`, as access entries record it. A token
/// that fails any check, or one sent by an identity that does not accept tokens, is refused with
/// 401 `invalid_token`.
struct BearerTokens: Sendable {
    /// The roles a token may carry.
    static let grantable: Set<Role> = [.regulatorRead, .complianceOfficer]

    private let keys: JWTKeyCollection
    private let issuer: String
    private let audience: String

    init(configuration: ServerConfiguration.BearerTokens) async throws {
        let jwks: String
        do {
            jwks = try String(contentsOfFile: configuration.jwks, encoding: .utf8)
        } catch {
            throw ServerError.configuration("cannot read the JWKS file \(configuration.jwks): \(error.localizedDescription)")
        }
        keys = JWTKeyCollection()
        do {
            try await keys.add(jwksJSON: jwks)
        } catch {
            throw ServerError.configuration("\(configuration.jwks) is not a usable JWKS: \(error)")
        }
        issuer = configuration.issuer
        audience = configuration.audience
    }

    /// The token's subject and roles, or why it is refused.
    func verify(_ token: String) async throws(TokenRefusal) -> (subject: String, roles: Set<Role>) {
        let payload: InspectorToken
        do {
            payload = try await keys.verify(token, as: InspectorToken.self)
        } catch {
            throw TokenRefusal("the token's signature, form or validity period does not check out: \(error)")
        }
        guard payload.iss.value == issuer else { throw TokenRefusal("the token's issuer is not \(issuer)") }
        do {
            try payload.aud.verifyIntendedAudience(includes: audience)
        } catch {
            throw TokenRefusal("the token is not meant for audience \(audience)")
        }
        let names = (payload.roles ?? []) + (payload.scope?.split(separator: " ").map(String.init) ?? [])
        let roles = Set(names.compactMap(Role.init(rawValue:))).intersection(BearerTokens.grantable)
        guard !roles.isEmpty else { throw TokenRefusal("the token grants neither regulator_read nor compliance_officer") }
        let subject = String(payload.sub.value.unicodeScalars.filter { $0.isASCII && $0.value > 0x20 && $0 != "/" }.prefix(64))
        guard !subject.isEmpty else { throw TokenRefusal("the token has no usable subject") }
        return (subject, roles)
    }

    struct TokenRefusal: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}

/// The claims an inspector's token carries.
struct InspectorToken: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var roles: [String]?
    var scope: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf?.verifyNotBefore()
    }
}
