import VaultFormat
import VaultStore

/// An S3 bucket as the log records it: entity `s3.bucket`/<name> on the stream `vault.bucket`, one
/// version per change (created, lock configuration set, deleted). These entries are permanent
/// evidence of the rules its objects were kept under. Every bucket is versioned: the vault keeps
/// every version of every object.
public struct Bucket: Sendable, Equatable {
    public static let entityType = "s3.bucket"
    /// The entity type of the objects in buckets; each object is `s3.object`/<bucket>/<key>.
    public static let objectEntityType = "s3.object"

    public let name: String
    public let createdAt: Int64
    /// True if S3 Object Lock is enabled (at creation, or later with a lock configuration).
    public var objectLockEnabled: Bool
    public var defaultRetention: DefaultRetention?
    /// The jurisdiction whose report rule is the floor of the bucket's objects ("" for the operator default).
    public let jurisdiction: String
    /// The seq of the entry that recorded this state.
    public var seq: Int64 = -1

    public init(name: String, createdAt: Int64, objectLockEnabled: Bool, defaultRetention: DefaultRetention?,
                jurisdiction: String) {
        self.name = name
        self.createdAt = createdAt
        self.objectLockEnabled = objectLockEnabled
        self.defaultRetention = defaultRetention
        self.jurisdiction = jurisdiction
    }

    /// The entity id of `key` in this bucket.
    public func objectId(_ key: String) -> String { name + "/" + key }

    var state: JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(name), "createdAt": .string(Timestamp.format(millis: createdAt)),
            "objectLock": .bool(objectLockEnabled), "versioning": .string("Enabled"), "jurisdiction": .string(jurisdiction),
        ]
        if let defaultRetention {
            var rule: [String: JSONValue] = ["mode": .string(defaultRetention.mode.name.uppercased())]
            switch defaultRetention.period {
            case .days(let days): rule["days"] = .int(Int64(days))
            case .years(let years): rule["years"] = .int(Int64(years))
            }
            object["defaultRetention"] = .object(rule)
        }
        return .object(object)
    }

    /// The bucket a record describes; nil for a deleted bucket or an erased record.
    init?(record: StoredRecord) throws {
        guard record.entityType == Bucket.entityType, let state = try RetentionLedger.stateValue(of: record),
              state["deleted"] != .bool(true), let name = state["name"]?.stringValue else { return nil }
        self.name = name
        createdAt = state["createdAt"]?.stringValue.flatMap { Timestamp.parseMillis($0) } ?? record.recordedAt
        objectLockEnabled = state["objectLock"] == .bool(true)
        jurisdiction = state["jurisdiction"]?.stringValue ?? ""
        if let rule = state["defaultRetention"], let mode = rule["mode"]?.stringValue.flatMap({ RetentionMode(name: $0.lowercased()) }) {
            if let days = rule["days"]?.numberText.flatMap({ Int($0) }) {
                defaultRetention = DefaultRetention(mode: mode, period: .days(days))
            } else if let years = rule["years"]?.numberText.flatMap({ Int($0) }) {
                defaultRetention = DefaultRetention(mode: mode, period: .years(years))
            }
        }
        seq = record.seq
    }
}

/// Why a bucket or bucket-object request was refused, named with S3's error codes so that the S3
/// endpoint answers as Amazon S3 does.
public struct BucketRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case noSuchBucket = "NoSuchBucket"
        case bucketAlreadyOwnedByYou = "BucketAlreadyOwnedByYou"
        case bucketNotEmpty = "BucketNotEmpty"
        case noSuchKey = "NoSuchKey"
        case noSuchVersion = "NoSuchVersion"
        case invalidRequest = "InvalidRequest"
        case invalidArgument = "InvalidArgument"
        case invalidRetentionPeriod = "InvalidRetentionPeriod"
        case objectLockConfigurationNotFound = "ObjectLockConfigurationNotFoundError"
        case accessDenied = "AccessDenied"
        case methodNotAllowed = "MethodNotAllowed"
        case noSuchUpload = "NoSuchUpload"
        case invalidPart = "InvalidPart"
        case invalidPartOrder = "InvalidPartOrder"
        case entityTooSmall = "EntityTooSmall"
        case entityTooLarge = "EntityTooLarge"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }

    /// A lock refusal in S3's terms: a period out of range is `InvalidRetentionPeriod`, a date in the
    /// past `InvalidArgument` (as Amazon S3 answers both), a retention below the floor `InvalidRequest`.
    init(_ refusal: ObjectLockRefusal) {
        switch refusal.code {
        case .invalidPeriod: self.init(.invalidRetentionPeriod, refusal.reason)
        case .pastDate: self.init(.invalidArgument, refusal.reason)
        case .belowFloor: self.init(.invalidRequest, refusal.reason)
        }
    }
}
