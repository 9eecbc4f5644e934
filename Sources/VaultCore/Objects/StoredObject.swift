import Crypto
public import Foundation
public import VaultFormat
import VaultStore

/// One stored version of an object, as its record in the log describes it.
public struct ObjectVersion: Sendable {
    /// The object's entity id: the key of a native object, `bucket/key` of an S3 object.
    public let key: String
    public let versionId: String
    /// The seq of the version's record: its entry commits to the digest below.
    public let seq: Int64
    public let contentType: String
    public let size: Int
    /// SHA-256 of the bytes, lower-case hex.
    public let sha256: String
    /// The reporting period it belongs to (`2026-11`, `2026-Q4`, ...), if any.
    public let period: String?
    public let recordedAt: Int64
    /// True once retention ended and the version was erased (its bytes are gone).
    public let erased: Bool
    /// Further fields of the descriptor (an S3 object's bucket, ETag, user metadata, checksums,
    /// delete marker), kept in its record's `state` as given.
    public let attributes: [String: JSONValue]

    /// The descriptor fields every version has; the rest are `attributes`.
    static let coreFields: Set<String> = ["key", "versionId", "contentType", "size", "sha256", "period"]

    /// True for an S3 delete marker: a version without bytes that hides the object from reads.
    public var isDeleteMarker: Bool { attributes["deleteMarker"] == .bool(true) }

    /// The version's descriptor, which is its record's `state`.
    var state: JSONValue {
        var object = attributes
        object["key"] = .string(key)
        object["versionId"] = .string(versionId)
        object["contentType"] = .string(contentType)
        object["size"] = .int(Int64(size))
        object["sha256"] = .string(sha256)
        if let period { object["period"] = .string(period) }
        return .object(object)
    }

    /// `{"key","versionId","seq","contentType","size","sha256","period","recordedAt","erased", attributes...}`.
    public var json: JSONValue {
        var object = state.objectValue ?? [:]
        object["seq"] = .int(seq)
        object["recordedAt"] = .string(Timestamp.format(millis: recordedAt))
        object["erased"] = .bool(erased)
        return .object(object)
    }

    /// Reads a version back from its stored record (nil for a record that is not an object version).
    init?(record: StoredRecord) throws {
        guard record.stream == VaultStream.object.rawValue, record.eventId.hasPrefix(ObjectFiles.eventIdPrefix) else {
            return nil
        }
        key = record.entityId
        versionId = String(record.eventId.dropFirst(ObjectFiles.eventIdPrefix.count))
        seq = record.seq
        recordedAt = record.recordedAt
        guard let state = try RetentionLedger.stateValue(of: record) else {
            (contentType, size, sha256, period, erased, attributes) = ("", 0, "", nil, true, [:])
            return
        }
        contentType = state["contentType"]?.stringValue ?? "application/octet-stream"
        size = state["size"]?.numberText.flatMap { Int($0) } ?? 0
        sha256 = state["sha256"]?.stringValue ?? ""
        period = state["period"]?.stringValue
        erased = false
        attributes = (state.objectValue ?? [:]).filter { !ObjectVersion.coreFields.contains($0.key) }
    }

    init(key: String, versionId: String, seq: Int64, contentType: String, size: Int, sha256: String, period: String?,
         recordedAt: Int64, attributes: [String: JSONValue] = [:]) {
        (self.key, self.versionId, self.seq, self.contentType, self.size) = (key, versionId, seq, contentType, size)
        (self.sha256, self.period, self.recordedAt, self.erased) = (sha256, period, recordedAt, false)
        self.attributes = attributes
    }

    func sequenced(at seq: Int64) -> ObjectVersion {
        ObjectVersion(key: key, versionId: versionId, seq: seq, contentType: contentType, size: size, sha256: sha256,
                      period: period, recordedAt: recordedAt, attributes: attributes)
    }
}

/// What a client asks for when storing an object, as in S3 Object Lock.
public struct ObjectLockRequest: Sendable {
    public var mode: RetentionMode?
    public var retainUntil: Int64?
    public var legalHold: Bool

    public init(mode: RetentionMode? = nil, retainUntil: Int64? = nil, legalHold: Bool = false) {
        self.mode = mode
        self.retainUntil = retainUntil
        self.legalHold = legalHold
    }
}

extension LogWriter {
    /// Stores a new version of the native object `key`: its bytes are sealed and durably written to a
    /// read-only file, then the version is recorded (kind `objectVersion`, stream `vault.object`,
    /// entity `object`/<key>) with its content type, size and SHA-256, so its entry commits to the bytes.
    /// Retention follows `ObjectLockRules` with the report rule of `jurisdiction` as the floor: a
    /// mode without a date keeps the floor's date, a date without a mode takes the floor's mode, and
    /// a request below the floor is refused. A legal hold asked for at upload is placed on this
    /// version. Earlier versions keep their own locks.
    public func putObject(key: String, bytes: Data, contentType: String, period: String?, jurisdiction: String,
                          lock: ObjectLockRequest, actor: VaultActor) async throws -> ObjectVersion {
        guard ObjectKey.isValid(key) else {
            throw VaultError(.invalidRequest, "object keys are 1 to \(ObjectKey.maxLength) characters of A-Z a-z 0-9 . _ - "
                + "in /-separated segments")
        }
        let now = max(clock.nowMillis(), lastRecordedAt)
        let floor = ObjectLockFloor(policies: policies, jurisdiction: jurisdiction)
        var explicit: ObjectRetention?
        if lock.mode != nil || lock.retainUntil != nil {
            explicit = ObjectRetention(mode: lock.mode ?? floor.mode,
                                       retainUntil: lock.retainUntil ?? floor.earliestRetainUntil(recordedAt: now))
        }
        let retention: ObjectRetention
        do {
            retention = try ObjectLockRules.resolve(explicit: explicit, bucketDefault: nil, floor: floor, recordedAt: now)
        } catch {
            throw VaultError(.invalidRequest, error.reason)
        }
        let version = try await storeObjectVersion(
            entityType: ObjectKey.entityType, key: key, bytes: bytes, contentType: contentType, period: period,
            attributes: [:], jurisdiction: jurisdiction, retention: retention, recordedAt: now, actor: actor)
        if lock.legalHold {
            _ = try await placeHold(scope: .record(seq: version.seq), caseReference: "object-lock",
                                    reason: "legal hold requested when the object was stored", actor: actor)
        }
        return version
    }

    /// Writes the bytes (if any) and records the version with exactly `retention`, which the caller
    /// has resolved with `ObjectLockRules`. `recordedAt` is the time the rules were applied at; the
    /// record carries it. Nothing is recorded if the file cannot be written, and the file is removed
    /// if the record is not. With `inBucket`, the version is sequenced only while that bucket exists
    /// (checked on a drained queue, so a concurrent deletion of the bucket is either before or after).
    func storeObjectVersion(entityType: String, key: String, bytes: Data?, contentType: String, period: String?,
                            attributes: [String: JSONValue], jurisdiction: String, retention: ObjectRetention,
                            recordedAt now: Int64, actor: VaultActor, action: String = "put", inBucket: String? = nil)
        async throws -> ObjectVersion {
        guard let objectFiles else { throw VaultError(.invalidRequest, "this writer has no object store") }
        let versionId = ObjectFiles.newVersionId()
        let content = bytes ?? Data()
        let digest = Hash.sha256(content).hex
        if let bytes { try objectFiles.write(bytes, versionId: versionId) }
        let version = ObjectVersion(key: key, versionId: versionId, seq: -1, contentType: contentType, size: content.count,
                                    sha256: digest, period: period, recordedAt: now, attributes: attributes)
        var record = VaultRecord.make(stream: .object, kind: .objectVersion, entityType: entityType, entityId: key,
                                      action: action, actor: actor, at: now, state: version.state,
                                      eventId: ObjectFiles.eventIdPrefix + versionId, jurisdiction: jurisdiction)
        record.requestedRetention = (retention.mode, retention.retainUntil)
        do {
            guard let bucket = inBucket else { return version.sequenced(at: try await append([record])[0].seq) }
            try await quiesce()
            guard try store.bucket(bucket) != nil else { throw BucketRefusal(.noSuchBucket, "no bucket \(bucket)") }
            return version.sequenced(at: try await sequenceNow([record]).acknowledged()[0].seq)
        } catch {
            try? objectFiles.remove(eventId: record.eventId)
            throw error
        }
    }

    /// Deletes one version before its retention ends: allowed only in governance mode with the
    /// admin role, the bypass flag and a reason, and never under a legal hold. The shortening and
    /// the erasure are entries; the file is removed.
    public func deleteObjectVersion(_ version: ObjectVersion, authority: RetentionState.Authority, actor: VaultActor)
        async throws -> Int64 {
        let now = max(clock.nowMillis(), lastRecordedAt)
        let (state, _) = try await changeRetention(seq: version.seq, change: .shorten(until: now, authority: authority),
                                                   actor: actor, reason: authority.reason)
        if let refusal = state.erasureRefusal(now: now) { throw refusal }
        let result = try await erase(seqs: [version.seq])
        if let refusal = result.refused[version.seq] { throw refusal }
        guard let erasureSeq = result.erasureSeq else { throw VaultError(.integrity, "the version was not erased") }
        return erasureSeq
    }
}

extension Vault {
    /// Every version of `key`, oldest first.
    public func objectVersions(key: String) throws -> [ObjectVersion] {
        try store.history(entityType: ObjectKey.entityType, entityId: key).compactMap { try ObjectVersion(record: $0) }
    }

    /// One version (the latest when `versionId` is nil).
    public func objectVersion(key: String, versionId: String?) throws -> ObjectVersion {
        let versions = try objectVersions(key: key)
        let found = versionId.map { id in versions.first { $0.versionId == id } } ?? versions.last
        guard let version = found else {
            throw VaultError(.notFound, versionId.map { "no version \($0) of object \(key)" } ?? "no object \(key)")
        }
        return version
    }

    /// Where this vault keeps stored objects' bytes: files in the data directory, or the
    /// PostgreSQL database that holds the vault.
    var objectFiles: ObjectFiles {
        ObjectFiles(directory: directory.objectsPath, cipher: cipher, database: store as? any ObjectBytesStorage)
    }

    /// A version's bytes, checked against the digest its entry commits to.
    public func objectBytes(_ version: ObjectVersion) throws -> Data {
        guard !version.erased else {
            throw VaultError(.notFound, "version \(version.versionId) of \(version.key) was erased at the end of its retention")
        }
        let bytes = try objectFiles.read(versionId: version.versionId)
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        guard digest == version.sha256 else {
            throw VaultError(.integrity, "the bytes of \(version.key) version \(version.versionId) do not match their digest")
        }
        return bytes
    }

    /// Object versions stored for a reporting period (those given that period when stored).
    public func objectVersions(period: String) throws -> [ObjectVersion] {
        try store.allRecords(stream: VaultStream.object.rawValue).compactMap { try ObjectVersion(record: $0) }
            .filter { $0.period == period }
    }
}
