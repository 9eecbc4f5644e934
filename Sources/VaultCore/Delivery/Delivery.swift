import Foundation
import VaultFormat
public import VaultStore

/// One thing sent to one configured destination, as the log records it: entity `delivery`/<id> on
/// the stream `vault.delivery`. Its first entry (`enqueue`) is appended in the same batch as what
/// it carries (a filed report), which also puts it in the outbox; each attempt appends the state
/// after it (`attempt` while it will be tried again, then `deliver` or `give_up`). The id is the
/// Standard Webhooks `webhook-id` of every attempt, so a receiver can drop repeats.
public struct Delivery: Sendable, Equatable {
    public static let entityType = "delivery"
    public static let actor = VaultActor(id: "regvault-delivery", role: "system")

    public enum Status: String, Sendable, CaseIterable {
        /// Not tried yet.
        case pending
        /// Tried and failed; it will be tried again at `nextAttemptAt`.
        case retrying
        /// The receiver accepted it (a 2xx answer).
        case delivered
        /// Given up on after the last allowed attempt, or refused by configuration: an incident was raised.
        case dead

        public var isFinal: Bool { self == .delivered || self == .dead }
    }

    /// What a delivery carries: a filed report (`report`) or the answer to a regulator's request
    /// (`request`): the event id and entity of its record.
    public struct Subject: Sendable, Equatable {
        public var kind: String
        public var eventId: String
        public var entityType: String
        public var entityId: String

        public init(kind: String, eventId: String, entityType: String, entityId: String) {
            (self.kind, self.eventId, self.entityType, self.entityId) = (kind, eventId, entityType, entityId)
        }
    }

    /// One try and what the receiver answered.
    public struct Attempt: Sendable, Equatable {
        /// When the attempt started (milliseconds since the Unix epoch).
        public var at: Int64
        public var durationMillis: Int64
        /// The receiver's HTTP status, when it answered (webhooks).
        public var httpStatus: Int?
        /// The relay's last reply code, when it answered (e-mail: 250 once it took the mail).
        public var replyCode: Int?
        /// SHA-256 of the receiver's answer body (at most the response cap), when it answered.
        public var responseSha256: String?
        /// Why the attempt failed, in words (connection refused, timeout, TLS, a status), when it did.
        public var error: String?

        public init(at: Int64, durationMillis: Int64, httpStatus: Int?, replyCode: Int? = nil, responseSha256: String?, error: String?) {
            (self.at, self.durationMillis, self.httpStatus, self.replyCode, self.responseSha256, self.error) =
                (at, durationMillis, httpStatus, replyCode, responseSha256, error)
        }

        var json: JSONValue {
            var object: [String: JSONValue] = ["at": .string(Timestamp.format(millis: at)), "durationMillis": .int(durationMillis)]
            if let httpStatus { object["httpStatus"] = .int(Int64(httpStatus)) }
            if let replyCode { object["replyCode"] = .int(Int64(replyCode)) }
            if let responseSha256 { object["responseSha256"] = .string(responseSha256) }
            if let error { object["error"] = .string(error) }
            return .object(object)
        }

        init?(json: JSONValue?) {
            guard let object = json?.objectValue, let at = object["at"]?.stringValue.flatMap(Timestamp.parseMillis) else { return nil }
            self.at = at
            durationMillis = object["durationMillis"]?.numberText.flatMap { Int64($0) } ?? 0
            httpStatus = object["httpStatus"]?.numberText.flatMap { Int($0) }
            replyCode = object["replyCode"]?.numberText.flatMap { Int($0) }
            responseSha256 = object["responseSha256"]?.stringValue
            error = object["error"]?.stringValue
        }
    }

    public var id: String
    public var destination: String
    public var channel: String
    public var subject: Subject
    /// The jurisdiction of what it carries (its entries are filed under it).
    public var jurisdiction: String
    public var status: Status
    public var attempts: Int
    public var enqueuedAt: Int64
    public var nextAttemptAt: Int64?
    public var lastAttempt: Attempt?
    /// The address, for a delivery to an address named by a request (a regulator's callback); nil
    /// for a configured destination.
    public var url: String?
    /// SHA-256 of the body sent (the same on every attempt), once one was made.
    public var payloadSha256: String?
    /// The seq of the entry that recorded this state (-1 before it is appended).
    public var seq: Int64 = -1

    /// The delivery of `subjectEventId` to `destination`: its id is derived from both, so filing the
    /// same report twice can never send it twice to one destination.
    public static func id(destination: String, subjectEventId: String) -> String {
        "msg_" + Hash.sha256(Array((destination + "\n" + subjectEventId).utf8)).hex.prefix(32)
    }

    public init(destination: String, channel: String, subject: Subject, jurisdiction: String, enqueuedAt: Int64) {
        id = Delivery.id(destination: destination, subjectEventId: subject.eventId)
        self.destination = destination
        self.channel = channel
        self.subject = subject
        self.jurisdiction = jurisdiction
        status = .pending
        attempts = 0
        self.enqueuedAt = enqueuedAt
        nextAttemptAt = enqueuedAt
    }

    /// The state as recorded in the log.
    public var state: JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id), "destination": .string(destination), "channel": .string(channel),
            "subject": .object(["kind": .string(subject.kind), "eventId": .string(subject.eventId),
                                "entity": .object(["type": .string(subject.entityType), "id": .string(subject.entityId)])]),
            "jurisdiction": .string(jurisdiction), "status": .string(status.rawValue), "attempts": .int(Int64(attempts)),
            "enqueuedAt": .string(Timestamp.format(millis: enqueuedAt)),
        ]
        if let nextAttemptAt { object["nextAttemptAt"] = .string(Timestamp.format(millis: nextAttemptAt)) }
        if let lastAttempt { object["lastAttempt"] = lastAttempt.json }
        if let url { object["url"] = .string(url) }
        if let payloadSha256 { object["payloadSha256"] = .string(payloadSha256) }
        return .object(object)
    }

    /// The state with the seq of the entry that recorded it, as the API and the CLI show it.
    public var json: JSONValue {
        var object = state.objectValue ?? [:]
        object["seq"] = .int(seq)
        return .object(object)
    }

    /// The delivery a stored entry records, or nil when the entry was erased or is not a delivery.
    public init?(record: StoredRecord) throws {
        guard let body = record.body,
              let state = try JSONParser.parse([UInt8](body)).objectValue?["state"]?.objectValue,
              let id = state["id"]?.stringValue, let destination = state["destination"]?.stringValue,
              let subject = state["subject"]?.objectValue, let entity = subject["entity"]?.objectValue,
              let status = state["status"]?.stringValue.flatMap(Status.init(rawValue:)) else { return nil }
        self.id = id
        self.destination = destination
        channel = state["channel"]?.stringValue ?? "webhook"
        self.subject = Subject(kind: subject["kind"]?.stringValue ?? "report", eventId: subject["eventId"]?.stringValue ?? "",
                               entityType: entity["type"]?.stringValue ?? "", entityId: entity["id"]?.stringValue ?? "")
        jurisdiction = state["jurisdiction"]?.stringValue ?? ""
        self.status = status
        attempts = state["attempts"]?.numberText.flatMap { Int($0) } ?? 0
        enqueuedAt = state["enqueuedAt"]?.stringValue.flatMap(Timestamp.parseMillis) ?? record.recordedAt
        nextAttemptAt = state["nextAttemptAt"]?.stringValue.flatMap(Timestamp.parseMillis)
        lastAttempt = Attempt(json: state["lastAttempt"])
        url = state["url"]?.stringValue
        payloadSha256 = state["payloadSha256"]?.stringValue
        seq = record.seq
    }

    /// The entry that records this state.
    func record(action: String, at: Int64, eventId: String? = nil) -> ValidatedRecord {
        VaultRecord.make(stream: .delivery, kind: .record, entityType: Delivery.entityType, entityId: id, action: action,
                         actor: Delivery.actor, at: at, state: state, eventId: eventId, jurisdiction: jurisdiction)
    }
}

/// Which filed reports go to a destination: those of the listed licences and templates (every one
/// when a list is nil).
public struct DeliveryRoute: Sendable, Equatable {
    public var destination: String
    public var channel: String
    public var licences: Set<String>?
    public var templates: Set<String>?

    public init(destination: String, channel: String, licences: Set<String>? = nil, templates: Set<String>? = nil) {
        (self.destination, self.channel, self.licences, self.templates) = (destination, channel, licences, templates)
    }

    public func carries(licence: String, template: String) -> Bool {
        (licences?.contains(licence) ?? true) && (templates?.contains(template) ?? true)
    }
}
