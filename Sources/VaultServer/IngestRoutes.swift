import Foundation
import Hummingbird
import NIOCore
import VaultCore
import VaultConfiguration

/// `POST /v1/records`: a JSON array of records, or JSON lines. The whole body is validated before
/// anything is stored; then the records are committed as one batch and each is answered with its
/// sequence number once the batch is durable and covered by a signed checkpoint.
struct IngestRoutes {
    let writer: LogWriter
    let limits: ServerConfiguration.Limits
    let clock: any VaultClock
    let metrics: ServerMetrics

    func register(on group: CatalogedRoutes) {
        group.post("records") { request, context in try await ingest(request, context) }
    }

    private func ingest(_ request: Request, _ context: VaultRequestContext) async throws -> Response {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limits.maxBodyBytes)
        } catch {
            throw APIError(.contentTooLarge, "body_too_large", "the body is larger than \(limits.maxBodyBytes) bytes")
        }
        let bytes = Array(buffer.readableBytesView)
        let items = try split(bytes)
        guard !items.isEmpty else { throw APIError(.badRequest, "empty_batch", "the body holds no records") }
        guard items.count <= limits.maxBatchRecords else {
            throw APIError(.contentTooLarge, "batch_too_large",
                           "\(items.count) records; send at most \(limits.maxBatchRecords) per request")
        }
        let validator = RecordValidator()
        let now = clock.nowMillis()
        var records: [ValidatedRecord] = []
        records.reserveCapacity(items.count)
        for (line, item) in items {
            do {
                var record = try validator.validate(item, now: now)
                record.line = line
                records.append(record)
            } catch var rejection {
                rejection.line = line
                throw APIError.from(rejection)
            }
        }
        let results: [AppendResult]
        do {
            results = try await writer.append(records)
        } catch let rejection as RecordRejection {
            throw APIError.from(rejection)
        }
        let duplicates = results.filter(\.duplicate).count
        metrics.ingested(stored: results.count - duplicates, duplicates: duplicates)
        let answers = results.map { result -> JSONValue in
            var object: [String: JSONValue] = ["eventId": .string(result.eventId), "seq": .number(JSONNumber(Int(result.seq)))]
            if result.duplicate { object["duplicate"] = .bool(true) }
            return .object(object)
        }
        return .json(.object(["results": .array(answers)]))
    }

    /// The records of a body with their line (JSON lines) or position (array), 1-based.
    private func split(_ bytes: [UInt8]) throws -> [(Int, [UInt8])] {
        let first = bytes.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        if first == UInt8(ascii: "[") {
            let value: JSONValue
            do {
                value = try JSONParser.parse(bytes, limits: JSONLimits(maxDepth: 33, maxStringBytes: 65_536,
                                                                       maxBytes: limits.maxBodyBytes))
            } catch {
                throw APIError(.badRequest, "malformed_json", "\(error)")
            }
            return (value.arrayValue ?? []).enumerated().map { ($0.offset + 1, $0.element.canonicalBytes) }
        }
        var items: [(Int, [UInt8])] = []
        for (index, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.last == 0x0D ? line.dropLast() : line[...]
            if trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            items.append((index + 1, Array(trimmed)))
        }
        return items
    }
}
