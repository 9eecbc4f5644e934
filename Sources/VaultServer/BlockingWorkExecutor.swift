import Hummingbird
import NIOPosix

/// Where the server's request handlers and background jobs run: threads of their own, not the
/// event loops and not Swift's cooperative pool.
///
/// The vault's storage contract is synchronous: SQLite is, and a PostgreSQL call waits on its
/// thread for the database's answer. A handler that reads or commits therefore holds the thread it
/// runs on until the storage answers. Run on the cooperative pool (as many threads as cores, two
/// on a small appliance), a few slow queries, a lock held in the database or a connection being
/// re-opened would stop every other task of the process, accepting connections and answering
/// `GET /healthz` included. On this executor they hold at most as many requests as it has threads; the event
/// loops keep moving bytes and the cooperative pool keeps running the listener's tasks, so what
/// does not touch the storage still answers, and further requests wait their turn
/// here instead of piling into the database.
///
/// Swift's task executors (SE-0417): code of a task that prefers this executor, and the default
/// actors it calls (`LogWriter`), runs on these threads until the task leaves the preference's scope.
final class BlockingWorkExecutor: TaskExecutor, @unchecked Sendable {
    /// The one executor of the process.
    static let shared = BlockingWorkExecutor(threadCount: 32)

    private let pool: NIOThreadPool

    /// - Parameter threadCount: how many jobs run at once: as many requests or jobs as may wait on
    ///   the storage together.
    init(threadCount: Int) {
        pool = NIOThreadPool(numberOfThreads: threadCount)
        pool.start()
    }

    /// `body` run on the shared executor's threads, for as long as it takes.
    static func run<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        try await withTaskExecutorPreference(shared, operation: body)
    }

    /// A task whose code runs on the shared executor's threads (a background job of the server).
    @discardableResult
    static func task(_ body: sending @escaping @isolated(any) () async -> Void) -> Task<Void, Never> {
        Task(executorPreference: shared, operation: body)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        // The pool is never shut down, so every job runs (a cancelled state is not possible here).
        pool.submit { _ in job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Runs everything after it (the other middleware and the route's handler) on
/// `BlockingWorkExecutor.shared`. Added first to each router, so that no handler or middleware
/// that reaches the storage runs on the cooperative pool. A response body written after the
/// handler returned runs where the server writes it; the vault's bodies are bytes already read,
/// or a finished export file read in pieces.
struct BlockingWorkMiddleware: RouterMiddleware {
    typealias Context = VaultRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await BlockingWorkExecutor.run { try await next(request, context) }
    }
}
