import Foundation
import Testing
import VaultCore
@testable import VaultServer
import VaultConfiguration

@Suite("the OpenAPI document")
struct OpenAPITests {
    /// `METHOD /path` for every operation in the document.
    func documented() -> Set<String> {
        var operations: Set<String> = []
        var path: String?
        for line in OpenAPIDocument.yaml.split(separator: "\n") {
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("  "), !line.hasPrefix("   ") {
                path = nil
            } else if let path, let method = ["get", "head", "post", "put", "delete"].first(where: { line == "    \($0):" }) {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        return operations
    }

    @Test("every route the server registers is in the document, and the document describes no other")
    func routesMatch() throws {
        let data = RegVaultBinary.temporaryDirectory("openapi")
        let vault = try Vault.create(at: data, origin: "openapi.test/log")
        var configuration = ServerConfiguration(data: data, listen: "127.0.0.1:0",
                                                tls: .init(certificate: "", privateKey: "", clientCAs: []), identities: [])
        configuration.sandbox = .init(clientCA: "", allowFrom: ["127.0.0.1/32"])
        let server = try VaultHTTPServer(configuration: configuration, vault: vault, writer: try vault.makeWriter())
        let catalog = RouteCatalog()
        _ = server.makeRouter(catalog: catalog)
        let registered = Set(catalog.all)
        #expect(registered.count == catalog.all.count, "a route registered twice")
        #expect(registered.count >= 14)
        #expect(registered.contains("GET /sandbox/regulator/audit") && registered.contains("POST /sandbox/admin/reset"))
        #expect(registered.subtracting(documented()).isEmpty, "undocumented: \(registered.subtracting(documented()).sorted())")
        #expect(documented().subtracting(registered).isEmpty, "documented but missing: \(documented().subtracting(registered).sorted())")
    }
}
