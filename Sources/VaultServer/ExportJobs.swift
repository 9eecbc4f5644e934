import Foundation
import Logging
import VaultArchive
import VaultCore
import VaultFormat

/// Export jobs started through `POST /regulator/exports`: each runs on a thread of its own, writes
/// its archive to a private temporary directory (outside the data directory, mode 0700: an archive
/// holds record bodies in the clear), and is forgotten, with its file, an hour after it finished or
/// when the server stops (`removeAll`).
final class ExportJobs: Sendable {
    struct Job: Sendable {
        let id: String
        let requestedBy: String
        let filter: ExportFilter
        let compression: ArchiveCompression
        let proveFrom: Int64?
        let path: String
        var state = State.running
        var done: Int64 = 0
        var total: Int64 = 0
        var summary: ExportSummary?
        /// Why it failed, as the client is told (no server paths).
        var error: APIError?
        var finishedAt: Date?

        enum State: String, Sendable { case running, done, failed }

        var json: JSONValue {
            var object: [String: JSONValue] = [
                "id": .string(id), "state": .string(state.rawValue), "requestedBy": .string(requestedBy),
                "filter": (try? JSONParser.parse(Array(filter.canonicalJSON.utf8))) ?? .null,
                "progress": .object(["done": .number(JSONNumber(Int(done))), "total": .number(JSONNumber(Int(total)))]),
            ]
            if let summary { object["summary"] = summary.json }
            if let error { object["error"] = .object(["code": .string(error.code), "message": .string(error.message)]) }
            return .object(object)
        }
    }

    static let keepFor: TimeInterval = 3600
    static let maxRunning = 2
    /// The log to export, asked when a job starts (the sandbox's changes when it is reset).
    private let vaults: @Sendable () throws -> Vault
    private let directory: String
    private let jobs = Locked([String: Job]())

    convenience init(vault: Vault) {
        self.init(vaults: { vault })
    }

    init(vaults: @escaping @Sendable () throws -> Vault) {
        self.vaults = vaults
        directory = NSTemporaryDirectory() + "regvault-exports-" + UUID().uuidString
    }

    /// Starts an export and returns its job; refuses when `maxRunning` are already running.
    func start(filter: ExportFilter, compression: ArchiveCompression, proveFrom: Int64? = nil, requestedBy: String) throws -> Job {
        forgetExpired()
        // Made at the first export, and again if something cleaned the temporary directory since.
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let vault = try vaults()
        let id = "export-" + UUID().uuidString.lowercased()
        let suffix = compression == .gzip ? ".tar.gz" : compression == .zstd ? ".tar.zst" : ".tar"
        let job = Job(id: id, requestedBy: requestedBy, filter: filter, compression: compression, proveFrom: proveFrom,
                      path: directory + "/" + id + suffix)
        try jobs.withLock { jobs in
            guard jobs.values.filter({ $0.state == .running }).count < ExportJobs.maxRunning else {
                throw APIError(.tooManyRequests, "exports_busy", "\(ExportJobs.maxRunning) exports are running; try again later")
            }
            jobs[id] = job
        }
        let thread = Thread { [self] in run(job, vault) }
        thread.name = "regvault-export"
        thread.start()
        return job
    }

    func job(_ id: String) -> Job? {
        jobs.withLock { $0[id] }
    }

    private func run(_ job: Job, _ vault: Vault) {
        do {
            let summary = try vault.export(to: job.path, filter: job.filter, compression: job.compression,
                                           proveFrom: job.proveFrom) { [self] progress in
                update(job.id) { $0.done = progress.done; $0.total = progress.total }
            }
            update(job.id) { $0.summary = summary; $0.state = .done; $0.finishedAt = Date() }
        } catch {
            let failure: APIError
            if let error = error as? VaultError, error.code == .notFound {
                failure = APIError(.notFound, "no_records", error.reason)
            } else if let error = error as? VaultError, error.code == .invalidRequest {
                failure = APIError(.badRequest, "invalid_request", error.reason)
            } else {
                Logger(label: "regvault.export").error("export \(job.id) failed: \(error)")
                failure = APIError(.internalServerError, "export_failed", "the export failed; the server's log has the details")
            }
            update(job.id) { $0.error = failure; $0.state = .failed; $0.finishedAt = Date() }
        }
    }

    /// Deletes every archive and the directory; for the server's shutdown.
    func removeAll() {
        jobs.withLock { $0.removeAll() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func update(_ id: String, _ change: (inout Job) -> Void) {
        jobs.withLock { jobs in if var job = jobs[id] { change(&job); jobs[id] = job } }
    }

    private func forgetExpired() {
        let expired = jobs.withLock { jobs in
            let old = jobs.values.filter { $0.finishedAt.map { Date().timeIntervalSince($0) > ExportJobs.keepFor } ?? false }
            for job in old { jobs[job.id] = nil }
            return old
        }
        for job in expired { try? FileManager.default.removeItem(atPath: job.path) }
    }
}
