import Hummingbird
import VaultFormat

/// Every route the server registers, as `METHOD /path` with OpenAPI-style parameters
/// (`:id` becomes `{id}`, a trailing `**` becomes `{tilePath}`), so a test can hold the OpenAPI
/// document to the routes that really exist.
final class RouteCatalog: Sendable {
    private let routes = Locked([String]())
    /// Each route's method and the segments of its router path (`:name` one segment, `**` the rest).
    private let templates = Locked([(method: String, segments: [Substring])]())

    var all: [String] { routes.withLock { $0 } }

    /// The methods registered for a request path, in registration order: what an `Allow` header
    /// lists when the path exists but the method does not. Empty when no route has this path.
    func methods(forPath path: String) -> [String] {
        let parts = path.split(separator: "/")
        var methods: [String] = []
        for template in templates.withLock({ $0 }) where Self.matches(template.segments, parts) {
            if !methods.contains(template.method) { methods.append(template.method) }
        }
        return methods
    }

    /// Whether request path segments fit a router path the way the router matches them: literal
    /// segments exactly, `:name` any one segment, a trailing `**` one or more segments.
    private static func matches(_ template: [Substring], _ parts: [Substring]) -> Bool {
        if template.last == "**" {
            return parts.count >= template.count && zip(template.dropLast(), parts).allSatisfy(segmentMatches)
        }
        return parts.count == template.count && zip(template, parts).allSatisfy(segmentMatches)
    }

    private static func segmentMatches(_ template: Substring, _ part: Substring) -> Bool {
        template.hasPrefix(":") || template == part
    }

    /// A group whose routes are recorded under `prefix`.
    func group(_ group: RouterGroup<VaultRequestContext>, prefix: String) -> CatalogedRoutes {
        CatalogedRoutes(group: group, prefix: prefix, catalog: self)
    }

    fileprivate func record(_ method: String, _ path: String, catchAll: String) {
        templates.withLock { $0.append((method, path.split(separator: "/"))) }
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

/// Answers a request whose path is a route's but whose method is not with 405 in the API's error
/// shape (`method_not_allowed`) and an `Allow` header listing the path's methods, instead of the
/// router's 404. It runs after authentication, so only an admitted client learns which methods exist.
///
/// HEAD is answered wherever GET is (RFC 9110 §9.3.2): the router generates a HEAD endpoint for
/// every GET route that has none (`autoGenerateHeadEndpoints`), which answers the GET's status and
/// headers without its body; this middleware adds the body's length to those headers, which the
/// generated endpoint would otherwise announce as 0.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = VaultRequestContext
    let catalog: RouteCatalog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            var response = try await next(request, context)
            if request.method == .head, response.headers[.contentLength] == nil, let length = response.body.contentLength {
                response.headers[.contentLength] = String(length)
            }
            return response
        } catch let error as HTTPError where error.status == .notFound {
            var allowed = catalog.methods(forPath: request.uri.path)
            if let get = allowed.firstIndex(of: "GET"), !allowed.contains("HEAD") { allowed.insert("HEAD", at: get + 1) }
            guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { throw error }
            let message = "\(request.method.rawValue) is not allowed on \(request.uri.path.prefix(200)); allowed: "
                + allowed.joined(separator: ", ")
            var response = try APIError(.methodNotAllowed, "method_not_allowed", message).response(from: request, context: context)
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        }
    }
}
