import Foundation
import VaultFormat
public import VaultStore

/// A legal hold: while active it blocks the erasure of every record and object version it covers,
/// whatever their retain-until says. Placed and lifted by a compliance officer, with a reason and a
/// case reference; both acts are entries (stream `vault.hold`, entity `legal_hold`/<id>), so the
/// hold's whole life is in the log.
public struct LegalHold: Sendable, Equatable {
    public let id: String
    public let scope: Scope
    public let caseReference: String
    public let reason: String
    public let placedBy: String
    public let placedAt: Int64
    public var lifted: Lifted?

    public struct Lifted: Sendable, Equatable {
        public let by: String
        public let at: Int64
        public let reason: String
    }

    /// What a hold covers: exactly one of these.
    public enum Scope: Sendable, Equatable {
        /// Every record about one player.
        case player(String)
        /// Every version of one entity (an object key is the entity `object`/<key>).
        case entity(type: String, id: String)
        /// Every record of one stream.
        case stream(String)
        /// One record.
        case record(seq: Int64)

        /// True if the hold covers `record`.
        public func covers(_ record: RetentionSubject) -> Bool {
            switch self {
            case .player(let id): record.playerId == id
            case .entity(let type, let id): record.entityType == type && record.entityId == id
            case .stream(let name): record.stream == name
            case .record(let seq): record.seq == seq
            }
        }

        var json: JSONValue {
            switch self {
            case .player(let id): .object(["playerId": .string(id)])
            case .entity(let type, let id): .object(["entity": .object(["type": .string(type), "id": .string(id)])])
            case .stream(let name): .object(["stream": .string(name)])
            case .record(let seq): .object(["seq": .int(seq)])
            }
        }

        /// Parses `{"playerId"}`, `{"entity":{"type","id"}}`, `{"objectKey"}`, `{"stream"}` or `{"seq"}`.
        public init(json value: JSONValue) throws(VaultError) {
            guard let object = value.objectValue, object.count == 1, let (key, member) = object.first else {
                throw VaultError(.invalidRequest, "scope must have exactly one of playerId, entity, objectKey, stream, seq")
            }
            switch key {
            case "playerId":
                guard let id = member.stringValue, RecordSchema.isIdentifier(id) else {
                    throw VaultError(.invalidRequest, "scope.playerId must be an identifier")
                }
                self = .player(id)
            case "entity":
                guard let type = member["type"]?.stringValue, RecordSchema.isName(type),
                      let id = member["id"]?.stringValue, RecordSchema.isIdentifier(id), member.objectValue?.count == 2 else {
                    throw VaultError(.invalidRequest, "scope.entity must be {\"type\":...,\"id\":...}")
                }
                self = .entity(type: type, id: id)
            case "objectKey":
                guard let key = member.stringValue, ObjectKey.isValid(key) else {
                    throw VaultError(.invalidRequest, "scope.objectKey is not a valid object key")
                }
                self = .entity(type: ObjectKey.entityType, id: key)
            case "stream":
                guard let name = member.stringValue, RecordSchema.Stream(rawValue: name) != nil else {
                    throw VaultError(.invalidRequest, "scope.stream must be one of the client streams")
                }
                self = .stream(name)
            case "seq":
                guard let text = member.numberText, let seq = Int64(text), seq >= 0 else {
                    throw VaultError(.invalidRequest, "scope.seq must be a record's sequence number")
                }
                self = .record(seq: seq)
            default:
                throw VaultError(.invalidRequest, "scope must have exactly one of playerId, entity, objectKey, stream, seq")
            }
        }
    }

    public var isActive: Bool { lifted == nil }

    /// The hold's state as recorded in its entries.
    var state: JSONValue {
        var object: [String: JSONValue] = [
            "holdId": .string(id), "scope": scope.json, "caseRef": .string(caseReference), "reason": .string(reason),
            "placedBy": .string(placedBy), "placedAt": .string(Timestamp.format(millis: placedAt)),
            "status": .string(isActive ? "active" : "lifted"),
        ]
        if let lifted {
            object["liftedBy"] = .string(lifted.by)
            object["liftedAt"] = .string(Timestamp.format(millis: lifted.at))
            object["liftReason"] = .string(lifted.reason)
        }
        return .object(object)
    }

    /// The JSON the API and CLI show.
    public var json: JSONValue { state }

    /// Reads a hold back from the state stored with its latest record.
    init(state value: JSONValue) throws {
        guard let id = value["holdId"]?.stringValue, let scopeValue = value["scope"],
              let caseReference = value["caseRef"]?.stringValue, let reason = value["reason"]?.stringValue,
              let placedBy = value["placedBy"]?.stringValue,
              let placedAt = value["placedAt"]?.stringValue.flatMap(Timestamp.parseMillis) else {
            throw StorageError(.corrupt, "a stored legal hold lacks a field")
        }
        self.id = id
        self.scope = try Scope(json: scopeValue)
        self.caseReference = caseReference
        self.reason = reason
        self.placedBy = placedBy
        self.placedAt = placedAt
        if value["status"]?.stringValue == "lifted" {
            guard let by = value["liftedBy"]?.stringValue, let at = value["liftedAt"]?.stringValue.flatMap(Timestamp.parseMillis),
                  let why = value["liftReason"]?.stringValue else {
                throw StorageError(.corrupt, "a stored lifted legal hold lacks a field")
            }
            lifted = Lifted(by: by, at: at, reason: why)
        }
    }

    init(id: String, scope: Scope, caseReference: String, reason: String, placedBy: String, placedAt: Int64) {
        self.id = id
        self.scope = scope
        self.caseReference = caseReference
        self.reason = reason
        self.placedBy = placedBy
        self.placedAt = placedAt
    }

    static let entityType = "legal_hold"
}
