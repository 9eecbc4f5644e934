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

    func get(_ path: String,
             use handler: @escaping @Sendable (Request, VaultRequestContext) async throws -> some ResponseGenerator) {
        catalog.record("GET", prefix + "/" + path, catchAll: catchAll)
        group.get(RouterPath(path), use: handler)
    }

    func post(_ path: String,
              use handler: @escaping @Sendable (Request, VaultRequestContext) async throws -> some ResponseGenerator) {
        catalog.record("POST", prefix + "/" + path, catchAll: catchAll)
        group.post(RouterPath(path), use: handler)
    }

    func put(_ path: String,
             use handler: @escaping @Sendable (Request, VaultRequestContext) async throws -> some ResponseGenerator) {
        catalog.record("PUT", prefix + "/" + path, catchAll: catchAll)
        group.put(RouterPath(path), use: handler)
    }

    func head(_ path: String,
              use handler: @escaping @Sendable (Request, VaultRequestContext) async throws -> some ResponseGenerator) {
        catalog.record("HEAD", prefix + "/" + path, catchAll: catchAll)
        group.head(RouterPath(path), use: handler)
    }

    func delete(_ path: String,
                use handler: @escaping @Sendable (Request, VaultRequestContext) async throws -> some ResponseGenerator) {
        catalog.record("DELETE", prefix + "/" + path, catchAll: catchAll)
        group.delete(RouterPath(path), use: handler)
    }
}
