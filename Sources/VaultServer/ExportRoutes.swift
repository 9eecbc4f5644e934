import Foundation
import Hummingbird
import NIOCore
import VaultArchive
import VaultCore
import VaultFormat

/// `POST /regulator/exports` starts an export (body: the filters, all optional —
/// `{"from","to","entity":{"type","id"},"player","stream","compression"}`; none for a full export)
/// and answers 202 with the job. `GET /regulator/exports/{id}` answers 202 with its progress while it
/// runs, and the archive itself once it is done (or 500 with the reason if it failed).
struct ExportRoutes {
    let jobs: ExportJobs

    func register(on group: CatalogedRoutes) {
        group.post("exports") { request, context in
            let body = try await jsonBody(request)
            let filter = try ExportRoutes.filter(body)
            let compression = try body["compression"].map { value -> ArchiveCompression in
                guard let name = value.stringValue, let compression = ArchiveCompression(rawValue: name) else {
                    throw APIError(.badRequest, "invalid_request", "compression is none, gzip or zstd")
                }
                return compression
            } ?? .gzip
            let job = try jobs.start(filter: filter, compression: compression, proveFrom: try ExportRoutes.proveFrom(body),
                                     requestedBy: context.identity?.name ?? "unknown")
            var response = Response.json(job.json, status: .accepted)
            response.headers[.location] = group.prefix + "/exports/\(job.id)"
            return response
        }
        group.get("exports/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let job = jobs.job(id) else { throw APIError(.notFound, "not_found", "no export \(id)") }
            switch job.state {
            case .running: return Response.json(job.json, status: .accepted)
            case .failed: throw job.error ?? APIError(.internalServerError, "export_failed", "the export failed")
            case .done: return try ExportRoutes.file(job)
            }
        }
    }

    /// The finished archive, streamed from its file.
    static func file(_ job: ExportJobs.Job) throws -> Response {
        guard let handle = FileHandle(forReadingAtPath: job.path),
              let size = (try? FileManager.default.attributesOfItem(atPath: job.path))?[.size] as? Int else {
            throw APIError(.gone, "expired", "export \(job.id) is no longer available; start another")
        }
        let type = job.compression == .gzip ? "application/gzip" : job.compression == .zstd ? "application/zstd" : "application/x-tar"
        let name = (job.path as NSString).lastPathComponent
        let body = ResponseBody(contentLength: size) { writer in
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: ResponseBody.pieceBytes), !chunk.isEmpty {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: type, .contentDisposition: "attachment; filename=\"\(name)\""],
                        body: body)
    }

    /// The filters of a request body. Every field is checked: a filter of the wrong type or an
    /// unknown stream is refused, never dropped (dropping it would export more than was asked).
    static func filter(_ body: JSONValue) throws -> ExportFilter {
        let known: Set = ["from", "to", "entity", "player", "stream", "compression", "proveFrom"]
        if let unknown = body.objectValue?.keys.filter({ !known.contains($0) }).sorted().first {
            throw APIError(.badRequest, "invalid_request", "unknown field \(unknown)")
        }
        func text(_ key: String) throws -> String? {
            guard let value = body[key] else { return nil }
            guard let text = value.stringValue, !text.isEmpty, text.utf8.count <= 256 else {
                throw APIError(.badRequest, "invalid_request", "\(key) must be a non-empty string")
            }
            return text
        }
        if let stream = try text("stream") {
            let streams = RecordSchema.Stream.allCases.map(\.rawValue) + VaultStream.allCases.map(\.rawValue)
            guard streams.contains(stream) else {
                throw APIError(.badRequest, "unknown_stream", "unknown stream '\(stream.prefix(64))'; streams are "
                    + streams.joined(separator: ", "))
            }
        }
        func time(_ key: String) throws -> Int64? {
            guard let value = body[key] else { return nil }
            guard let text = value.stringValue, let millis = Timestamp.parseMillis(text) else {
                throw APIError(.badRequest, "invalid_request", "\(key) must be an RFC 3339 time")
            }
            return millis
        }
        let entity = body["entity"]
        if let entity {
            guard let members = entity.objectValue, members.count == 2, let type = members["type"]?.stringValue, !type.isEmpty,
                  let id = members["id"]?.stringValue, !id.isEmpty else {
                throw APIError(.badRequest, "invalid_request", "entity is {\"type\":...,\"id\":...}")
            }
        }
        return ExportFilter(from: try time("from"), to: try time("to"), entityType: entity?["type"]?.stringValue,
                            entityId: entity?["id"]?.stringValue, player: try text("player"), stream: try text("stream"))
    }

    /// `proveFrom`: an earlier tree size the archive proves consistency from (`--prove-from`).
    static func proveFrom(_ body: JSONValue) throws -> Int64? {
        guard let value = body["proveFrom"] else { return nil }
        guard let text = value.numberText, let size = Int64(text), size >= 1 else {
            throw APIError(.badRequest, "invalid_request", "proveFrom must be a tree size of 1 or more")
        }
        return size
    }
}
