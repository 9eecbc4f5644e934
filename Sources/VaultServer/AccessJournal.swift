import Hummingbird
import Logging
import VaultCore

/// Writes every inspector request to the log as an access entry before its answer leaves.
///
/// Contract: `record(_:)` returns only once the access entry is durable (the writer's append
/// returns after its batch is synced and covered by a signed checkpoint). Concurrent requests'
/// entries commit together through the writer's group commit, so the cost is one shared sync, not
/// one per request. If the entry cannot be written, `record(_:)` throws and the request is
/// answered 503 `access_not_journaled` instead of its data: an inspector never receives an answer
/// that the log does not show was given.
struct AccessJournal: Sendable {
    let writer: LogWriter
    private let logger = Logger(label: "regvault.access")

    init(writer: LogWriter) {
        self.writer = writer
    }

    func record(_ access: AccessRecord) async throws {
        do {
            _ = try await writer.append([access.validated()])
        } catch {
            logger.error("could not record an inspector access; the answer is withheld", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, "access_not_journaled",
                           "the vault could not record this access in its log, so it does not answer; try again")
        }
    }
}

/// Records each inspector request in the `AccessJournal` once it has been handled and before its
/// answer is sent.
struct AccessJournalMiddleware: RouterMiddleware {
    typealias Context = VaultRequestContext
    let journal: AccessJournal

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let status: Int
        let response: Response?
        let failure: (any Error)?
        do {
            let answered = try await next(request, context)
            (status, response, failure) = (Int(answered.status.code), answered, nil)
        } catch let error as APIError {
            (status, response, failure) = (Int(error.status.code), nil, error)
        } catch {
            (status, response, failure) = (500, nil, error)
        }
        if let identity = context.identity {
            let count = response?.headers[.init("X-Result-Count")!].flatMap { Int($0) }
            try await journal.record(AccessRecord(identity: identity.name, address: identity.address,
                                                  method: request.method.rawValue, path: request.uri.path,
                                                  query: Self.redacted(request.uri.query ?? ""), status: status, resultCount: count,
                                                  at: SystemClock().nowMillis()))
        }
        if let failure { throw failure }
        return response!
    }

    /// The query as the journal keeps it: a credential in `access=` (a P1 notice's link) is
    /// replaced by `redacted`; the grant it names is in the identity.
    static func redacted(_ query: String) -> String {
        query.split(separator: "&", omittingEmptySubsequences: false).map { pair in
            pair.hasPrefix("access=") ? "access=redacted" : String(pair)
        }.joined(separator: "&")
    }
}
