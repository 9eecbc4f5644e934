public import Foundation
import VaultFormat
import VaultStore

/// Objects in buckets (the S3 endpoint's): versions, delete markers, their retention and legal
/// holds, all through `ObjectLockRules` and `RetentionState`, as the native objects are.
extension LogWriter {
    /// Stores a new version of `key` in `bucket`. Its retention is `explicit` if given (only in a
    /// lock-enabled bucket), else the bucket's default, else the bucket's floor; below the floor it
    /// is refused. A legal hold asked for at upload is placed on the new version.
    public func putBucketObject(bucket name: String, key: String, bytes: Data, contentType: String, period: String?,
                                attributes: [String: JSONValue], explicit: ObjectRetention?, legalHold: Bool,
                                actor: VaultActor) async throws -> ObjectVersion {
        guard let bucket = try store.bucket(name) else { throw BucketRefusal(.noSuchBucket, "no bucket \(name)") }
        if !bucket.objectLockEnabled && (explicit != nil || legalHold) {
            throw BucketRefusal(.invalidRequest, "Bucket is missing Object Lock Configuration: bucket \(name) was created "
                + "without Object Lock; set a lock configuration first")
        }
        let now = max(clock.nowMillis(), lastRecordedAt)
        let retention: ObjectRetention
        do {
            retention = try ObjectLockRules.resolve(explicit: explicit, bucketDefault: bucket.defaultRetention,
                                                    floor: ObjectLockFloor(policies: policies, jurisdiction: bucket.jurisdiction),
                                                    recordedAt: now)
        } catch {
            throw BucketRefusal(error)
        }
        var attributes = attributes
        attributes["bucket"] = .string(name)
        let version = try await storeObjectVersion(
            entityType: Bucket.objectEntityType, key: bucket.objectId(key), bytes: bytes, contentType: contentType,
            period: period, attributes: attributes, jurisdiction: bucket.jurisdiction, retention: retention, recordedAt: now,
            actor: actor, inBucket: name)
        if legalHold {
            _ = try await placeHold(scope: .record(seq: version.seq), caseReference: "s3-object-lock",
                                    reason: "legal hold requested when the object was stored", actor: actor)
        }
        return version
    }

    /// Records a delete marker for `key`: the key disappears from reads and listings; every
    /// version stays, retained as it was. The marker itself is kept for the bucket's floor.
    public func putDeleteMarker(bucket name: String, key: String, actor: VaultActor) async throws -> ObjectVersion {
        guard let bucket = try store.bucket(name) else { throw BucketRefusal(.noSuchBucket, "no bucket \(name)") }
        let now = max(clock.nowMillis(), lastRecordedAt)
        let floor = ObjectLockFloor(policies: policies, jurisdiction: bucket.jurisdiction)
        let retention = ObjectRetention(mode: floor.mode, retainUntil: floor.earliestRetainUntil(recordedAt: now))
        return try await storeObjectVersion(
            entityType: Bucket.objectEntityType, key: bucket.objectId(key), bytes: nil, contentType: "", period: nil,
            attributes: ["bucket": .string(name), "deleteMarker": .bool(true)], jurisdiction: bucket.jurisdiction,
            retention: retention, recordedAt: now, actor: actor, action: "delete_marker", inBucket: name)
    }

    /// Sets a version's retention as S3's PutObjectRetention does: a later date (or a switch from
    /// governance to compliance) is an extension anyone allowed to write retention may make; an
    /// earlier date in governance mode needs `authority` (the admin role, the bypass flag and a
    /// reason); compliance mode is never shortened nor turned back into governance. No retention set
    /// here goes below the bucket's floor, bypass or not. (Deleting a version with the bypass, where
    /// the floor's own rule is in governance mode, is `deleteObjectVersion`'s privileged erasure.)
    public func setBucketObjectRetention(_ version: ObjectVersion, bucket name: String, requested: ObjectRetention,
                                         authority: RetentionState.Authority, actor: VaultActor) async throws
        -> RetentionState {
        guard let bucket = try store.bucket(name) else { throw BucketRefusal(.noSuchBucket, "no bucket \(name)") }
        guard bucket.objectLockEnabled else {
            throw BucketRefusal(.invalidRequest, "Bucket is missing Object Lock Configuration")
        }
        let now = max(clock.nowMillis(), lastRecordedAt)
        guard requested.retainUntil > now else {
            throw BucketRefusal(.invalidArgument, "The retain until date must be in the future!")
        }
        let floor = ObjectLockFloor(policies: policies, jurisdiction: bucket.jurisdiction)
        var state = try ledger.state(seq: version.seq).state
        if state.mode == .compliance && requested.mode == .governance {
            throw BucketRefusal(.accessDenied, "version \(version.versionId) is in COMPLIANCE mode until "
                + "\(Timestamp.format(millis: state.retainUntil)); it cannot be changed to GOVERNANCE by anyone")
        }
        let shortening = requested.retainUntil < state.retainUntil
        do {
            try ObjectLockRules.check(requested, floor: floor, recordedAt: version.recordedAt, what: "the requested retention")
        } catch {
            throw BucketRefusal(error)
        }
        do {
            if shortening {
                state = try await changeRetention(seq: version.seq, change: .shorten(until: requested.retainUntil, authority: authority),
                                                  actor: actor, reason: authority.reason).state
            } else if requested.retainUntil > state.retainUntil {
                state = try await changeRetention(seq: version.seq, change: .extend(until: requested.retainUntil), actor: actor,
                                                  reason: nil).state
            }
            if requested.mode == .compliance && state.mode == .governance {
                state = try await changeRetention(seq: version.seq, change: .lockInComplianceMode, actor: actor, reason: nil).state
            }
        } catch let refusal as RetentionRefusal {
            throw BucketRefusal(.accessDenied, refusal.reason)
        }
        return state
    }

    /// Turns a version's S3 legal hold on (a hold scoped to that version) or off (lifting every
    /// active hold scoped to exactly that version; holds on a player, entity or stream stay).
    public func setBucketObjectLegalHold(_ version: ObjectVersion, on: Bool, actor: VaultActor) async throws {
        let own = try ledger.holds().filter { $0.isActive && $0.scope == .record(seq: version.seq) }
        if on {
            guard own.isEmpty else { return }
            _ = try await placeHold(scope: .record(seq: version.seq), caseReference: "s3-legal-hold",
                                    reason: "legal hold set ON through the S3 endpoint", actor: actor)
        } else {
            for hold in own {
                _ = try await liftHold(id: hold.id, reason: "legal hold set OFF through the S3 endpoint", actor: actor)
            }
        }
    }

    /// DeleteObject with the version id of a delete marker, or of a version already erased: the
    /// marker is erased if its retention allows (a deletion request is evidence too, kept for the
    /// bucket's floor); an erased version is already gone.
    public func eraseDeleteMarkerOrGone(_ version: ObjectVersion) async throws {
        guard !version.erased else { return }
        let result = try await erase(seqs: [version.seq])
        if let refusal = result.refused[version.seq] {
            throw BucketRefusal(.accessDenied, "the delete marker \(version.versionId) is kept as evidence of the deletion "
                + "request: \(refusal.reason)")
        }
    }
}
