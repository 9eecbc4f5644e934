import Hummingbird
import Logging
import VaultCore

/// Writes every inspector request to the log as an access entry, in batches off the request path:
/// a request only adds its record to the pending batch, which is appended every
/// `flushInterval` or once it holds `maxBatch` records, and once more when the server stops.
actor AccessJournal {
    static let flushInterval: Duration = .milliseconds(200)
    static let maxBatch = 1_000

    private let writer: LogWriter
    private let logger = Logger(label: "regvault.access")
    private var pending: [ValidatedRecord] = []
    private var scheduled = false

    init(writer: LogWriter) {
        self.writer = writer
    }

    func record(_ access: AccessRecord) {
        pending.append(access.validated())
        if pending.count >= AccessJournal.maxBatch {
            Task { await flush() }
        } else if !scheduled {
            scheduled = true
            Task {
                try? await Task.sleep(for: AccessJournal.flushInterval)
                await flush()
            }
        }
    }

    /// Appends what is pending; a failure is logged and the records are kept for the next flush.
    func flush() async {
        scheduled = false
        guard !pending.isEmpty else { return }
        let batch = pending
        pending = []
        do {
            _ = try await writer.append(batch)
        } catch {
            logger.error("could not record \(batch.count) inspector accesses; will retry", metadata: ["error": "\(error)"])
            pending = batch + pending
        }
    }
}

/// Records each inspector request in the `AccessJournal` once it has been answered.
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
            await journal.record(AccessRecord(identity: identity.name, address: identity.address,
                                              method: request.method.rawValue, path: request.uri.path,
                                              query: request.uri.query ?? "", status: status, resultCount: count,
                                              at: SystemClock().nowMillis()))
        }
        if let failure { throw failure }
        return response!
    }
}
