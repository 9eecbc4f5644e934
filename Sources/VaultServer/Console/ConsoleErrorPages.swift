import Hummingbird
import VaultConfiguration
import VaultCore
import VaultFormat

/// Answers a console page's failure as a page a person reads, with the same status and message
/// the JSON routes would give: a refused role, a bad filter, an entity that has no records.
struct ConsoleErrorPages: RouterMiddleware {
    typealias Context = VaultRequestContext
    let renderer: ConsoleRenderer
    let routes: ConsoleRoutes

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let failure: APIError
        do {
            return try await next(request, context)
        } catch let error as APIError {
            failure = error
        } catch let error as VaultError {
            failure = APIError.from(error)
        } catch let error as VaultFormatError {
            failure = APIError(.badRequest, error.code.rawValue, error.reason)
        }
        let title = switch failure.status.code {
        case 403: "Not for this certificate"
        case 404: "Not found"
        case 400...499: "That request could not be answered"
        default: "The vault could not answer"
        }
        return renderer.page("error", ["title": title, "message": failure.message, "home": routes.links.home],
                             chrome: routes.chrome(context, title: title), status: failure.status)
    }
}

/// Refuses, with a 403 page, a console request whose identity has none of `roles`.
struct ConsoleRoles: RouterMiddleware {
    typealias Context = VaultRequestContext
    let roles: Set<Role>
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let refusal = RequireRole.refusal(context, roles: roles, metrics: metrics) { throw refusal }
        return try await next(request, context)
    }
}
