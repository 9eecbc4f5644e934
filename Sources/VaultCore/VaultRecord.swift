import Foundation
import VaultFormat
import VaultStore

/// The vault's own streams, written by the vault rather than by clients. Their records go through
/// the same writer, entries and proofs as client records.
public enum VaultStream: String, CaseIterable, Sendable {
    /// Every inspector request: who, from where, what, with what result.
    case access = "vault.access"
    /// Legal holds placed and lifted (entity `legal_hold`/<hold id>).
    case hold = "vault.hold"
    /// Retention changes of single records (entity `retention`/`seq-N`) and business-relationship
    /// events that start event-triggered periods (entity `relationship`/<player id>).
    case retention = "vault.retention"
    /// Erasures at the end of retention (entity `erasure`/<id>).
    case erasure = "vault.erasure"
    /// Retention policies put in force (entity `retention_policy`/<policy id>).
    case policy = "vault.policy"
    /// Stored object versions (entity `object`/<key>).
    case object = "vault.object"
    /// Data key rotations (entity `data_key`/<key file name>).
    case keys = "vault.keys"
    /// S3 buckets created, configured and deleted (entity `s3.bucket`/<name>): the lock rules their
    /// objects were kept under.
    case bucket = "vault.bucket"
    /// Deliveries to regulators and their every attempt (entity `delivery`/<delivery id>): what
    /// was sent where, when it reached the receiver and what the receiver answered.
    case delivery = "vault.delivery"
    /// Requests regulators made through the request webhook (entity `regulatorRequest`/<job id>):
    /// who asked for what, to be answered where.
    case request = "vault.request"
}

/// Who made a change the vault records: an identity from a client certificate or an operator at
/// the command line.
public struct VaultActor: Sendable, Equatable {
    public let id: String
    public let role: String?
    public let ip: String?

    public init(id: String, role: String? = nil, ip: String? = nil) {
        self.id = id
        self.role = role
        self.ip = ip
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["id": .string(id)]
        if let role { object["role"] = .string(role) }
        if let ip { object["ip"] = .string(ip) }
        return .object(object)
    }
}

/// Builds the records of the vault's own streams. They have the shape of a client record (event
/// id, stream, entity, action, actor, occurredAt) plus a `state` that is the entity's new state,
/// so holds and retention changes get versions and diffs like any entity.
enum VaultRecord {
    static func make(stream: VaultStream, kind: EntryKind, entityType: String, entityId: String, action: String,
                     actor: VaultActor, at: Int64, reason: String? = nil, state: JSONValue? = nil,
                     extra: [String: JSONValue] = [:], eventId: String? = nil, jurisdiction: String = "",
                     reproducible: Bool = false) -> ValidatedRecord {
        let eventId = eventId ?? stream.rawValue + "-" + UUID().uuidString.lowercased()
        var object = extra
        object["eventId"] = .string(eventId)
        object["stream"] = .string(stream.rawValue)
        object["entity"] = .object(["type": .string(entityType), "id": .string(entityId)])
        object["action"] = .string(action)
        object["actor"] = actor.json
        object["occurredAt"] = .string(Timestamp.format(millis: at))
        if let reason { object["reason"] = .string(reason) }
        if let state { object["state"] = state }
        let body = JSONValue.object(object).canonicalBytes
        // A reproducible record's salt is SHA-256 of its bytes: the same every run, and hiding nothing.
        let salt = reproducible ? Hash.sha256(body).bytes : SecureRandom.bytes(RecordValidator.saltLength)
        return ValidatedRecord(eventId: eventId, streamName: stream.rawValue, kind: kind, entityType: entityType,
                               entityId: entityId, playerId: nil, jurisdiction: jurisdiction, occurredAt: at, action: action,
                               canonicalBytes: body, state: state, explicitDiff: nil, salt: salt,
                               commitment: Entry.commitment(salt: salt, record: body))
    }
}
