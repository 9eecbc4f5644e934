import Foundation
import VaultFormat
public import VaultStore

/// A regulator's request for evidence, received through `POST /webhook/regulator/request`: entity
/// `regulatorRequest`/<job id> on the stream `vault.request`, appended in one batch with the
/// delivery that answers it (to the request's callback), so an accepted request is never without
/// its answer on the way. The job id is derived from the identity and its `requestId`, so asking
/// again finds the same job.
public struct RegulatorRequest: Sendable, Equatable {
    public static let entityType = "regulatorRequest"

    public var jobId: String
    public var requestId: String
    /// The certificate identity that asked.
    public var identity: String
    /// The query as the request gave it (kind and parameters).
    public var query: JSONValue
    public var format: String
    public var callbackUrl: String
    public var receivedAt: Int64
    /// The seq of its entry (-1 before it is appended).
    public var seq: Int64 = -1

    public static func jobId(identity: String, requestId: String) -> String {
        "job_" + Hash.sha256(Array((identity + "\n" + requestId).utf8)).hex.prefix(32)
    }

    public init(requestId: String, identity: String, query: JSONValue, format: String, callbackUrl: String, receivedAt: Int64) {
        jobId = RegulatorRequest.jobId(identity: identity, requestId: requestId)
        (self.requestId, self.identity, self.query, self.format, self.callbackUrl, self.receivedAt) =
            (requestId, identity, query, format, callbackUrl, receivedAt)
    }

    public var state: JSONValue {
        .object(["jobId": .string(jobId), "requestId": .string(requestId), "identity": .string(identity), "query": query,
                 "format": .string(format), "callbackUrl": .string(callbackUrl),
                 "receivedAt": .string(Timestamp.format(millis: receivedAt))])
    }

    /// True when `other` asks for the same thing to the same place (what makes a repeat a repeat).
    public func sameAsk(as other: RegulatorRequest) -> Bool {
        requestId == other.requestId && identity == other.identity && query == other.query && format == other.format
            && callbackUrl == other.callbackUrl
    }

    public init?(record: StoredRecord) throws {
        guard let body = record.body, let state = try JSONParser.parse([UInt8](body)).objectValue?["state"]?.objectValue,
              let jobId = state["jobId"]?.stringValue, let requestId = state["requestId"]?.stringValue,
              let identity = state["identity"]?.stringValue, let query = state["query"],
              let format = state["format"]?.stringValue, let callbackUrl = state["callbackUrl"]?.stringValue else { return nil }
        (self.jobId, self.requestId, self.identity, self.query, self.format, self.callbackUrl) =
            (jobId, requestId, identity, query, format, callbackUrl)
        receivedAt = state["receivedAt"]?.stringValue.flatMap(Timestamp.parseMillis) ?? record.recordedAt
        seq = record.seq
    }

    /// The destination name of the delivery that answers requests from `identity`.
    public static func destination(identity: String) -> String { "callback:" + identity }
}

extension LogWriter {
    /// Accepts a request: appends its entry and the delivery of its answer in one batch and returns
    /// both. A request already accepted under the same job id is returned as it was (`isNew`
    /// false) when it asks the same; one that asks something else under a used `requestId` is
    /// refused with `conflict`.
    public func acceptRegulatorRequest(_ request: RegulatorRequest, actor: VaultActor) async throws
        -> (request: RegulatorRequest, delivery: Delivery, isNew: Bool) {
        if let existing = try existingRequest(request) { return existing }
        var accepted = request
        accepted.receivedAt = max(clock.nowMillis(), lastRecordedAt)
        var delivery = Delivery(destination: RegulatorRequest.destination(identity: request.identity), channel: "webhook",
                                subject: .init(kind: "request", eventId: "req:\(request.jobId)", entityType: RegulatorRequest.entityType,
                                               entityId: request.jobId),
                                jurisdiction: "", enqueuedAt: accepted.receivedAt)
        delivery.url = request.callbackUrl
        let records = [
            VaultRecord.make(stream: .request, kind: .record, entityType: RegulatorRequest.entityType, entityId: request.jobId,
                             action: "receive", actor: actor, at: accepted.receivedAt, state: accepted.state,
                             eventId: "req:\(request.jobId)"),
            delivery.record(action: "enqueue", at: accepted.receivedAt, eventId: "dlv:\(delivery.id):enqueue"),
        ]
        do {
            let results = try await append(records)
            accepted.seq = results[0].seq
            delivery.seq = results[1].seq
            return (accepted, delivery, true)
        } catch let rejection as RecordRejection where rejection.code == .conflict {
            // The same request arrived twice at once; the other one was stored first.
            if let existing = try existingRequest(request) { return existing }
            throw rejection
        }
    }

    private func existingRequest(_ request: RegulatorRequest) throws -> (request: RegulatorRequest, delivery: Delivery, isNew: Bool)? {
        guard let record = try store.latestRecord(entityType: RegulatorRequest.entityType, entityId: request.jobId),
              let existing = try RegulatorRequest(record: record) else { return nil }
        guard existing.sameAsk(as: request) else {
            throw VaultError(.conflict, "requestId \(request.requestId) was already used for another request (job \(existing.jobId)); "
                + "use a new requestId")
        }
        let deliveryId = Delivery.id(destination: RegulatorRequest.destination(identity: request.identity),
                                     subjectEventId: "req:\(request.jobId)")
        guard let delivery = try store.latestRecord(entityType: Delivery.entityType, entityId: deliveryId).flatMap({ try Delivery(record: $0) })
        else { throw VaultError(.integrity, "request \(request.jobId) has no delivery") }
        return (existing, delivery, false)
    }
}

extension Vault {
    /// A request and its answer's delivery, by job id.
    public func regulatorRequest(jobId: String) throws -> (request: RegulatorRequest, delivery: Delivery?)? {
        guard let record = try store.latestRecord(entityType: RegulatorRequest.entityType, entityId: jobId),
              let request = try RegulatorRequest(record: record) else { return nil }
        let deliveryId = Delivery.id(destination: RegulatorRequest.destination(identity: request.identity),
                                     subjectEventId: "req:\(jobId)")
        return (request, try delivery(id: deliveryId))
    }
}
