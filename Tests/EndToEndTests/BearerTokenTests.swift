import Crypto
import Foundation
import JWTKit
import Testing
import VaultServer

/// Inspectors signed in through an identity provider: a JWT on top of the gateway's client
/// certificate, with real TLS, real curl and keys generated here.
@Suite("bearer tokens over mutual TLS", .serialized)
struct BearerTokenTests {
    struct Claims: JWTPayload {
        var iss: IssuerClaim
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var roles: [String]?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func base64URL(_ bytes: some DataProtocol) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test("a gateway's certificate plus a valid token reads as the token's role; every bad token is refused with 401")
    func tokens() async throws {
        let data = RegVaultBinary.temporaryDirectory("tokens")
        try ExportFixture.check(RegVaultBinary.run(["init", "--data", data, "--origin", "tokens.test/log"]))
        var configuration = try DevelopmentMode.prepare(dataDirectory: data, listen: "127.0.0.1:0")
        // The ingest certificate plays the regulator's sign-in gateway; admin does not accept tokens.
        configuration.identities = configuration.identities.map { identity in
            var identity = identity
            identity.acceptsBearerTokens = identity.commonName == "ingest"
            return identity
        }
        let signing = P256.Signing.PrivateKey()
        let raw = signing.publicKey.x963Representation
        let jwks = #"{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"k1","x":"\#(Self.base64URL(raw[1..<33]))","y":"\#(Self.base64URL(raw[33..<65]))"}]}"#
        try jwks.write(toFile: data + "/sso-keys.json", atomically: true, encoding: .utf8)
        configuration.bearerTokens = .init(issuer: "https://sso.regulator.test", audience: "regvault", jwks: data + "/sso-keys.json")
        let configPath = data + "/server.json"
        try JSONEncoder().encode(configuration).write(to: URL(fileURLWithPath: configPath))
        let server = try ServerTests.Server(arguments: ["serve", "--config", configPath], data: data)

        let keys = JWTKeyCollection()
        await keys.add(ecdsa: try ES256PrivateKey(backing: signing), kid: "k1")
        let stranger = JWTKeyCollection()
        await stranger.add(ecdsa: ES256PrivateKey(), kid: "k1")
        func token(iss: String = "https://sso.regulator.test", aud: String = "regvault", expiresIn: TimeInterval = 300,
                   roles: [String] = ["regulator_read"], signer: JWTKeyCollection? = nil) async throws -> String {
            try await (signer ?? keys).sign(Claims(iss: .init(value: iss), sub: .init(value: "inspector-jane"), aud: .init(value: [aud]),
                                                  exp: .init(value: Date().addingTimeInterval(expiresIn)), roles: roles), kid: "k1")
        }
        func get(_ path: String, as role: String, bearer: String?) throws -> (status: Int, body: String) {
            try server.curl(path, as: role, extra: bearer.map { ["-H", "Authorization: Bearer \($0)"] } ?? [])
        }

        // Without a token the gateway is an ingest identity; with one it is an inspector.
        #expect(try get("/regulator/checkpoint", as: "ingest", bearer: nil).status == 403)
        let good = try await token()
        #expect(try get("/regulator/checkpoint", as: "ingest", bearer: good).status == 200)
        // The token's roles replace the certificate's: no ingest with an inspector token.
        #expect(try server.curl("/v1/records", as: "ingest", extra: ["-H", "Authorization: Bearer \(good)", "-X", "POST",
                                                                      "--data-binary", "[]"]).status == 403)

        let refused: [(String, String)] = [
            ("expired", try await token(expiresIn: -60)),
            ("wrong issuer", try await token(iss: "https://elsewhere.test")),
            ("wrong audience", try await token(aud: "another-service")),
            ("unknown key", try await token(signer: stranger)),
            ("no inspector role", try await token(roles: ["admin", "ingest"])),
            ("garbage", "not.a.token"),
        ]
        for (name, bad) in refused {
            let answer = try get("/regulator/checkpoint", as: "ingest", bearer: bad)
            #expect(answer.status == 401 && answer.body.contains("invalid_token"), "\(name): \(answer)")
        }
        // An identity that does not accept tokens is refused even with a valid one.
        #expect(try get("/regulator/checkpoint", as: "admin", bearer: good).status == 401)
        #expect(try server.curl("/metrics", as: "admin").body.contains(#"regvault_refusals_total{reason="invalid_token"}"#))

        // The access entry names the gateway and the inspector (the compliance officer reads everyone's).
        var recorded = false
        for _ in 0..<40 where !recorded {
            try await Task.sleep(for: .milliseconds(100))
            recorded = try get("/regulator/logs/vault.access", as: "compliance_officer", bearer: nil).body.contains("ingest/inspector-jane")
        }
        #expect(recorded)
    }
}
