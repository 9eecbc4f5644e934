import Foundation
import Testing
import VaultCore
@testable import VaultServer
import VaultConfiguration

/// A known path asked with a method it does not have is 405 with `Allow`, in the API's error shape;
/// a path that no route has stays 404 `no_route`.
@Suite("405 for a known path with an unknown method", .serialized)
struct MethodNotAllowedTests {
    typealias Server = ServerTests.Server

    @Test("the route catalog lists a path's methods the way the router matches paths")
    func catalogMatchesPaths() throws {
        let data = RegVaultBinary.temporaryDirectory("method-catalog")
        let vault = try Vault.create(at: data, origin: "methods.test/log")
        let configuration = ServerConfiguration(data: data, listen: "127.0.0.1:0",
                                                tls: .init(certificate: "", privateKey: "", clientCAs: []), identities: [])
        let server = try VaultHTTPServer(configuration: configuration, vault: vault, writer: try vault.makeWriter())
        let catalog = RouteCatalog()
        _ = server.makeRouter(catalog: catalog)
        #expect(catalog.methods(forPath: "/regulator/exports") == ["POST"])
        #expect(catalog.methods(forPath: "/regulator/exports/job-1") == ["GET"])
        #expect(catalog.methods(forPath: "/regulator/audit") == ["GET"])
        #expect(Set(catalog.methods(forPath: "/v1/objects/reports/2026/q4.pdf")) == ["PUT", "GET", "HEAD", "DELETE"])
        #expect(Set(catalog.methods(forPath: "/v1/records/7/retention")) == ["GET", "PUT"])
        #expect(catalog.methods(forPath: "/log/tile/0/000") == ["GET"])
        #expect(catalog.methods(forPath: "/regulator/nope").isEmpty)
        #expect(catalog.methods(forPath: "/regulator/logs").isEmpty, "a parameter stands for exactly one segment")
        #expect(catalog.methods(forPath: "/v1/objects").isEmpty, "a catch-all needs at least one segment")
    }

    @Test("DELETE on an inspector route is 405 with Allow: GET, HEAD and the error shape; an unknown path is still 404")
    func liveServerAnswers405() throws {
        let server = try Server.dev(RegVaultBinary.temporaryDirectory("method-live"))
        let refused = try server.curl("/regulator/audit?entity=bonusRule&id=1", as: "regulator_read",
                                      extra: ["-X", "DELETE", "-D", "-"])
        #expect(refused.status == 405, "\(refused.body)")
        let lines = refused.body.split(separator: "\r\n").map { $0.lowercased() }
        #expect(lines.contains("allow: get, head"), "\(refused.body)")
        #expect(refused.body.contains(#""code":"method_not_allowed""#), "\(refused.body)")

        let exports = try server.curl("/regulator/exports", as: "regulator_read", extra: ["-D", "-"])
        #expect(exports.status == 405 && exports.body.lowercased().contains("allow: post"), "\(exports.body)")

        let missing = try server.curl("/regulator/nope", as: "regulator_read", extra: ["-X", "DELETE"])
        #expect(missing.status == 404 && missing.body.contains(#""code":"no_route""#), "\(missing.body)")
        // The method that is registered still reaches its handler.
        #expect(try server.curl("/regulator/checkpoint", as: "regulator_read").status == 200)
    }

    @Test("HEAD on a GET route answers as the GET would, headers and length, without the body; errors keep their status")
    func headAnswersLikeGet() throws {
        let server = try Server.dev(RegVaultBinary.temporaryDirectory("method-head"))
        let get = try server.curl("/regulator/checkpoint", as: "regulator_read")
        #expect(get.status == 200 && !get.body.isEmpty)
        let head = try server.curl("/regulator/checkpoint", as: "regulator_read", extra: ["-I"])
        #expect(head.status == 200, "\(head.body)")
        let lines = head.body.split(separator: "\r\n").map { $0.lowercased() }
        #expect(lines.contains { $0.hasPrefix("content-type: text/plain") }, "\(head.body)")
        #expect(lines.contains { $0.hasPrefix("content-length: ") && $0 != "content-length: 0" }, "\(head.body)")
        #expect(!head.body.contains("— "), "no body: \(head.body)")

        let missing = try server.curl("/regulator/proof/inclusion?seq=999999", as: "regulator_read", extra: ["-I"])
        #expect(missing.status == 400 || missing.status == 404, "\(missing.body)")
        let refused = try server.curl("/regulator/checkpoint", as: "ingest", extra: ["-I"])
        #expect(refused.status == 403, "\(refused.body)")
    }
}
