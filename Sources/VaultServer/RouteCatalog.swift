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

    fileprivate func record(_ method: String, _ path: String) {
        let openAPIPath = path.split(separator: "/").map { part -> String in
            if part == "**" { return "{tilePath}" }
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

    func get(_ path: String,
             use handler: @escaping @Sendable (Request, VaultRequestContext) async throws -> some ResponseGenerator) {
        catalog.record("GET", prefix + "/" + path)
        group.get(RouterPath(path), use: handler)
    }

    func post(_ path: String,
              use handler: @escaping @Sendable (Request, VaultRequestContext) async throws -> some ResponseGenerator) {
        catalog.record("POST", prefix + "/" + path)
        group.post(RouterPath(path), use: handler)
    }
}
