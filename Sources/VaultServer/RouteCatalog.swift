import Hummingbird
import Synchronization

/// Every route the server registers, as `METHOD /path` with OpenAPI-style parameters
/// (`:id` becomes `{id}`, a trailing `**` becomes `{tilePath}`), so a test can hold the OpenAPI
/// document to the routes that really exist.
final class RouteCatalog: Sendable {
    private let routes = Mutex([String]())

    var all: [String] { routes.withLock { $0 } }

    /// A group whose routes are recorded under `prefix`.
    func group(_ group: RouterGroup<VaultRequestContext>, prefix: String) -> CatalogedRoutes {
        CatalogedRoutes(group: group, prefix: prefix, catalog: self)
    }

    fileprivate func record(_ method: String, _ path: String, catchAll: String) {
        let openAPIPath = path.split(separator: "/").map { part -> String in
            if part == "**" { return "{\(catchAll)}" }
            return part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
        }.joined(separator: "/")
        routes.withLock { $0.append("\(method) /\(openAPIPath)") }
    }
}

/// Registers routes on a router group and records them in a `RouteCatalog`.
struct CatalogedRoutes {
    let group: RouterGroup<VaultRequestContext>
    let prefix: String
    let catalog: RouteCatalog
    /// The OpenAPI name of a trailing `**`.
    var catchAll = "tilePath"

    typealias Handler = @Sendable (Request, VaultRequestContext) async throws -> Response

    /// Registers `handler` for `method` on `path` and records the route.
    func on(_ method: HTTPRequest.Method, _ path: String, use handler: @escaping Handler) {
        catalog.record(method.rawValue, prefix + "/" + path, catchAll: catchAll)
        group.on(RouterPath(path), method: method, use: handler)
    }

    func get(_ path: String, use handler: @escaping @Sendable (Request, VaultRequestContext) async throws -> some ResponseGenerator) {
        on(.get, path) { try await handler($0, $1).response(from: $0, context: $1) }
    }

    func post(_ path: String, use handler: @escaping @Sendable (Request, VaultRequestContext) async throws -> some ResponseGenerator) {
        on(.post, path) { try await handler($0, $1).response(from: $0, context: $1) }
    }

    func put(_ path: String, use handler: @escaping @Sendable (Request, VaultRequestContext) async throws -> some ResponseGenerator) {
        on(.put, path) { try await handler($0, $1).response(from: $0, context: $1) }
    }

    func head(_ path: String, use handler: @escaping @Sendable (Request, VaultRequestContext) async throws -> some ResponseGenerator) {
        on(.head, path) { try await handler($0, $1).response(from: $0, context: $1) }
    }

    func delete(_ path: String, use handler: @escaping @Sendable (Request, VaultRequestContext) async throws -> some ResponseGenerator) {
        on(.delete, path) { try await handler($0, $1).response(from: $0, context: $1) }
    }
}
