import Foundation
import VaultCore
import VaultFormat

/// The body a delivery sends: the same bytes on every attempt (canonical JSON, so the signature
/// and the receiver's digest of it never depend on the attempt).
///
/// A report delivery is `{"type": "report.filed", "timestamp": <when enqueued>, "data": {...}}`,
/// where `data` names the delivery, the report record (event id, seq, licence, template, period,
/// version, what it replaces, the checkpoint it was computed at) and each file with its digest,
/// size and bytes (base64), so the receiver can check the files against the log's digests.
enum DeliveryPayload {
    /// The files' bytes are sent inline up to this total; above it each file is named with its
    /// digest and `contentOmitted`, to be fetched from the regulator routes.
    static let inlineCap = 8 * 1024 * 1024

    static func body(for delivery: Delivery, vault: Vault) throws -> [UInt8] {
        guard delivery.subject.kind == "report" else {
            throw DeliveryPayloadError("cannot send a \(delivery.subject.kind)")
        }
        guard let record = try vault.store.records(eventIds: [delivery.subject.eventId])[delivery.subject.eventId] else {
            throw DeliveryPayloadError("report \(delivery.subject.eventId) is not in the log")
        }
        guard let body = record.body, let state = try JSONParser.parse([UInt8](body)).objectValue?["state"]?.objectValue else {
            throw DeliveryPayloadError("report \(delivery.subject.eventId) was erased at the end of its retention")
        }
        var report: [String: JSONValue] = ["eventId": .string(record.eventId), "seq": .int(record.seq),
                                           "entity": .object(["type": .string(record.entityType), "id": .string(record.entityId)])]
        for key in ["template", "templateVersion", "licence", "licenceNumber", "period", "cadence", "periodStart", "periodEnd",
                    "reportVersion", "replaces", "checkpoint", "records"] {
            if let value = state[key] { report[key] = value }
        }
        var files: [JSONValue] = []
        var inlined = 0
        for file in state["files"]?.arrayValue ?? [] {
            guard var object = file.objectValue, let key = object["objectKey"]?.stringValue,
                  let versionId = object["versionId"]?.stringValue else { continue }
            let size = object["size"]?.numberText.flatMap { Int($0) } ?? 0
            if inlined + size <= inlineCap {
                let bytes = try vault.objectBytes(vault.objectVersion(key: key, versionId: versionId))
                object["contentBase64"] = .string(bytes.base64EncodedString())
                inlined += size
            } else {
                object["contentOmitted"] = .bool(true)
            }
            files.append(.object(object))
        }
        return JSONValue.object([
            "type": .string("report.filed"), "timestamp": .string(Timestamp.format(millis: delivery.enqueuedAt)),
            "data": .object(["deliveryId": .string(delivery.id), "destination": .string(delivery.destination),
                             "report": .object(report), "files": .array(files)]),
        ]).canonicalBytes
    }
}

/// A delivery whose body cannot be made (what it carries is gone); it is given up on at once.
struct DeliveryPayloadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
