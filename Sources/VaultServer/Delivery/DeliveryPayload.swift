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

    static func body(for delivery: Delivery, vault: Vault, writer: LogWriter, holidays: [String: Set<String>] = [:],
                     access: IncidentAccessKey? = nil, linkBase: String? = nil) async throws -> [UInt8] {
        switch delivery.subject.kind {
        case "report": return try reportBody(for: delivery, vault: vault)
        case "request": return try await requestBody(for: delivery, vault: vault, writer: writer, linkBase: linkBase)
        case "incident": return try incidentBody(for: delivery, vault: vault, holidays: holidays, access: access, linkBase: linkBase)
        default: throw DeliveryPayloadError("cannot send a \(delivery.subject.kind)")
        }
    }

    /// A request's answer: `{"type": "request.completed", "timestamp": <when asked>, "data": {jobId,
    /// requestId, query, format, contentType, sha256, size, objectKey, versionId, and `result` (the
    /// JSON answer), `resultBase64` (CSV) or, for an export archive, `download` (`{url}`: GET it
    /// with the asking identity's certificate)}}`. The answer is read once, at the first attempt,
    /// and kept as the write-once object `requests/<jobId>/answer.<json|csv>` or
    /// `requests/<jobId>/export.tar.gz`, so every attempt sends the same bytes and the log commits
    /// to them.
    static func requestBody(for delivery: Delivery, vault: Vault, writer: LogWriter, linkBase: String? = nil) async throws -> [UInt8] {
        guard let (request, _) = try vault.regulatorRequest(jobId: delivery.subject.entityId) else {
            throw DeliveryPayloadError("request \(delivery.subject.entityId) is not in the log")
        }
        let query: RequestQuery
        do { query = try RequestQuery(query: request.query, format: request.format) } catch let error as RequestQueryError {
            throw DeliveryPayloadError(error.description)
        }
        let key = RequestQuery.answerKey(jobId: request.jobId, query: query)
        let version: ObjectVersion
        if let stored = try vault.objectVersions(key: key).last {
            version = stored
        } else {
            let (contentType, bytes) = try await query.answer(from: vault)
            version = try await writer.putObject(key: key, bytes: Data(bytes), contentType: contentType, period: nil, jurisdiction: "",
                                                 lock: ObjectLockRequest(), actor: Delivery.actor)
        }
        let bytes = query.isArchive ? Data() : try vault.objectBytes(version)
        var data: [String: JSONValue] = [
            "jobId": .string(request.jobId), "requestId": .string(request.requestId), "query": request.query,
            "format": .string(request.format), "contentType": .string(version.contentType), "sha256": .string(version.sha256),
            "size": .int(Int64(version.size)), "objectKey": .string(key), "versionId": .string(version.versionId),
        ]
        if query.isArchive {
            data["download"] = .object(["url": .string(NoticeMail.link(linkBase, "/webhook/regulator/request/\(request.jobId)/answer"))])
        } else if query.csv {
            data["resultBase64"] = .string(bytes.base64EncodedString())
        } else {
            data["result"] = try JSONParser.parse([UInt8](bytes))
        }
        return JSONValue.object(["type": .string("request.completed"), "timestamp": .string(Timestamp.format(millis: request.receivedAt)),
                                 "data": .object(data)]).canonicalBytes
    }

    /// An incident notice: `{"type": "incident.raised", "timestamp": <when recorded>, "data":
    /// {deliveryId, destination, seq, incident: <the record as submitted>, deadlines: [{regime,
    /// dueAt, rule}], access?}}`, the deadlines those of the incident's jurisdiction and kind
    /// (`RegulatoryDeadlines`). A P1 notice's `access` is its read access: `{grantId, token,
    /// players, from, to, expiresAt, url}` (`IncidentAccessRoutes`; `url` under `linkBase`, the
    /// token in it as `?access=`).
    static func incidentBody(for delivery: Delivery, vault: Vault, holidays: [String: Set<String>], access: IncidentAccessKey? = nil,
                             linkBase: String? = nil) throws -> [UInt8] {
        guard let record = try vault.store.records(eventIds: [delivery.subject.eventId])[delivery.subject.eventId] else {
            throw DeliveryPayloadError("incident \(delivery.subject.eventId) is not in the log")
        }
        guard let body = record.body, let incident = try JSONParser.parse([UInt8](body)).objectValue else {
            throw DeliveryPayloadError("incident \(delivery.subject.eventId) was erased at the end of its retention")
        }
        let jurisdiction = incident["jurisdiction"]?.stringValue ?? ""
        let deadlines = RegulatoryDeadlines.deadlines(
            jurisdiction: jurisdiction, kind: incident["state"]?.objectValue?["kind"]?.stringValue,
            occurredAt: record.occurredAt, recordedAt: record.recordedAt, holidays: holidays[jurisdiction] ?? [])
        var data: [String: JSONValue] = [
            "deliveryId": .string(delivery.id), "destination": .string(delivery.destination), "seq": .int(record.seq),
            "incident": .object(incident), "deadlines": .array(deadlines.map(\.json)),
        ]
        if let access, let grant = try vault.incidentAccessGrant(id: IncidentAccessGrant.id(deliveryId: delivery.id)) {
            let token = access.token(grantId: grant.grantId)
            var shown = grant.json.objectValue ?? [:]
            shown["token"] = .string(token)
            shown["url"] = .string(NoticeMail.link(linkBase, "/access/incident/logs?access=\(token)"))
            data["access"] = .object(shown)
        }
        return JSONValue.object([
            "type": .string("incident.raised"), "timestamp": .string(Timestamp.format(millis: delivery.enqueuedAt)),
            "data": .object(data),
        ]).canonicalBytes
    }

    static func reportBody(for delivery: Delivery, vault: Vault) throws -> [UInt8] {
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
