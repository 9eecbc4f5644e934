import Foundation
import VaultFormat
import VaultStore

/// Bucket changes. Each first lets every queued commit finish, then reads the bucket and sequences
/// its entry without suspending, so two requests cannot both create a bucket, and a bucket is not
/// deleted while an object is being stored into it (object versions are sequenced the same way).
extension LogWriter {
    /// Creates a bucket. `jurisdiction` binds its objects to that jurisdiction's report rule as a
    /// floor ("" for the operator default); it must be a jurisdiction of the vault's policies.
    public func createBucket(name: String, objectLockEnabled: Bool, jurisdiction: String, actor: VaultActor) async throws
        -> Bucket {
        guard jurisdiction.isEmpty || policies.policies.contains(where: { $0.jurisdiction == jurisdiction }) else {
            let known = policies.policies.map(\.jurisdiction).filter { $0 != "*" }.sorted()
            throw BucketRefusal(.invalidArgument, "no retention policy for jurisdiction \(jurisdiction); the vault has "
                + (known.isEmpty ? "only the operator default" : known.joined(separator: ", ")))
        }
        try await quiesce()
        if try store.bucket(name) != nil {
            throw BucketRefusal(.bucketAlreadyOwnedByYou, "bucket \(name) already exists")
        }
        let now = max(clock.nowMillis(), lastRecordedAt)
        var bucket = Bucket(name: name, createdAt: now, objectLockEnabled: objectLockEnabled, defaultRetention: nil,
                            jurisdiction: jurisdiction)
        bucket.seq = try await record(bucket.state, for: name, action: "create", actor: actor, at: now)
        return bucket
    }

    /// Sets the bucket's Object Lock configuration: enables the lock (it cannot be disabled) and
    /// sets or clears the default retention, which must not fall below the bucket's floor.
    public func setObjectLockConfiguration(bucket name: String, defaultRetention: DefaultRetention?, actor: VaultActor)
        async throws -> Bucket {
        try await quiesce()
        guard var bucket = try store.bucket(name) else { throw BucketRefusal(.noSuchBucket, "no bucket \(name)") }
        if let defaultRetention {
            do {
                try ObjectLockRules.check(default: defaultRetention,
                                          floor: ObjectLockFloor(policies: policies, jurisdiction: bucket.jurisdiction))
            } catch {
                throw BucketRefusal(error)
            }
        }
        bucket.objectLockEnabled = true
        bucket.defaultRetention = defaultRetention
        bucket.seq = try await record(bucket.state, for: name, action: "configure_lock", actor: actor,
                                      at: max(clock.nowMillis(), lastRecordedAt))
        return bucket
    }

    /// Deletes an empty bucket: one whose every object version and delete marker has been erased.
    public func deleteBucket(name: String, actor: VaultActor) async throws {
        try await quiesce()
        guard try store.bucket(name) != nil else { throw BucketRefusal(.noSuchBucket, "no bucket \(name)") }
        let kept = try store.bucketVersions(name, prefix: "").filter { !$0.erased }.count
        guard kept == 0 else {
            throw BucketRefusal(.bucketNotEmpty, "bucket \(name) still holds \(kept) object version\(kept == 1 ? "" : "s") "
                + "or delete marker\(kept == 1 ? "" : "s"); a bucket can be deleted once each has been erased at the end of "
                + "its retention")
        }
        _ = try await record(.object(["name": .string(name), "deleted": .bool(true)]), for: name, action: "delete",
                             actor: actor, at: max(clock.nowMillis(), lastRecordedAt))
    }

    /// Sequences one bucket entry now (the caller has quiesced) and waits until it is durable.
    private func record(_ state: JSONValue, for name: String, action: String, actor: VaultActor, at now: Int64) async throws
        -> Int64 {
        let record = VaultRecord.make(stream: .bucket, kind: .policy, entityType: Bucket.entityType, entityId: name,
                                      action: action, actor: actor, at: now, state: state)
        return try await sequenceNow([record]).acknowledged()[0].seq
    }
}

extension VaultStorage {
    /// The bucket's current state (nil if it was never created or was deleted).
    func bucket(_ name: String) throws -> Bucket? {
        try history(entityType: Bucket.entityType, entityId: name).last.flatMap { try Bucket(record: $0) }
    }

    /// Every version and delete marker in `bucket` whose key starts with `prefix`, in log order.
    func bucketVersions(_ bucket: String, prefix: String) throws -> [ObjectVersion] {
        let idPrefix = bucket + "/" + prefix
        return try histories(entityType: Bucket.objectEntityType, idPrefix: idPrefix)
            .filter { $0.entityId.hasPrefix(idPrefix) }
            .compactMap { try ObjectVersion(record: $0) }
    }
}

extension Vault {
    /// The bucket's current state (nil if it was never created or was deleted).
    public func bucket(_ name: String) throws -> Bucket? { try store.bucket(name) }

    /// Every bucket that exists, by name.
    public func buckets() throws -> [Bucket] {
        try store.latestPerEntity(stream: .bucket).compactMap { try Bucket(record: $0) }.sorted { $0.name < $1.name }
    }

    /// Every version and delete marker in `bucket` whose key starts with `prefix`, in log order
    /// (oldest first). Their `key` is `bucket/key`.
    public func bucketVersions(_ bucket: String, prefix: String) throws -> [ObjectVersion] {
        try store.bucketVersions(bucket, prefix: prefix)
    }

    /// Every version of one key in a bucket, oldest first.
    public func bucketObjectVersions(_ bucket: String, key: String) throws -> [ObjectVersion] {
        try store.history(entityType: Bucket.objectEntityType, entityId: bucket + "/" + key)
            .compactMap { try ObjectVersion(record: $0) }
    }
}
