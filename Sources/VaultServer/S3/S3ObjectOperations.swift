import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VaultCore
import VaultFormat
import VaultReports
import VaultS3

/// Objects: put, get (with ranges), head, delete (marker or version), retention and legal hold.
extension S3Operations {
    func putObject(_ bucketName: String, _ key: String) async throws -> Response {
        try identity.require(S3Endpoint.writers, "store objects")
        let bucket = try existingBucket(bucketName)
        let lock = try lockHeaders()
        if lock.legalHold { try identity.require(S3Endpoint.holdSetters, "place legal holds") }
        let period = try reportPeriod()
        let payload = try await readBody(limit: endpoint.maxObjectBytes)
        let md5 = Insecure.MD5.hash(data: payload.bytes).map { String(format: "%02x", $0) }.joined()
        let version = try await writer.putBucketObject(
            bucket: bucket.name, key: key, bytes: payload.bytes,
            contentType: request.header("content-type") ?? "binary/octet-stream", period: period,
            attributes: attributes(etag: md5, checksums: payload.checksums, metadata: request.userMetadata),
            explicit: lock.retention, legalHold: lock.legalHold, actor: identity.actor)
        var response = empty()
        response.headers[.eTag] = "\"\(md5)\""
        response.headers[.init("x-amz-version-id")!] = version.versionId
        response.headers[.init("x-regvault-seq")!] = String(version.seq)
        for (algorithm, value) in payload.checksums {
            response.headers[.init("x-amz-checksum-" + algorithm.lowercased())!] = value
        }
        return response
    }

    func getObject(_ bucketName: String, _ key: String, withBody: Bool) throws -> Response {
        try identity.require(S3Endpoint.readers, "read objects")
        let version = try readableVersion(bucketName, key)
        let state = try vault.retention.state(seq: version.seq).state
        if version.erased {
            throw S3Error("NoSuchVersion", status: 404, "version \(version.versionId) was erased at the end of its retention; "
                + "its entry \(version.seq) remains in the log")
        }
        var response = Response(status: .ok)
        headers(of: version, state, into: &response)
        let range = try request.header("range").map { try S3ByteRange(header: $0, size: version.size) }
        if range != nil { response.status = .partialContent }
        guard withBody else {
            response.headers[.contentLength] = String(range?.count ?? version.size)
            if let range { response.headers[.contentRange] = range.contentRange(size: version.size) }
            return response
        }
        let bytes = try vault.objectBytes(version)
        if let range {
            response.headers[.contentRange] = range.contentRange(size: version.size)
            response.body = .pieces(bytes.subdata(in: range.lower..<(range.upper + 1)))
        } else {
            response.body = .pieces(bytes)
            if request.header("x-amz-checksum-mode")?.uppercased() == "ENABLED",
               let checksums = version.attributes["checksums"]?.objectValue {
                for (algorithm, value) in checksums {
                    if let text = value.stringValue { response.headers[.init("x-amz-checksum-" + algorithm.lowercased())!] = text }
                }
            }
        }
        response.headers[.contentLength] = String(range?.count ?? version.size)
        return response
    }

    /// DeleteObject: without a version id, a delete marker (the versions stay); with one, the
    /// permanent deletion of that version, which its retention and legal holds must allow.
    func deleteObject(_ bucketName: String, _ key: String) async throws -> Response {
        try identity.require(S3Endpoint.writers, "delete objects")
        let bucket = try existingBucket(bucketName)
        var response = empty(.noContent)
        if let versionId = request.query["versionId"] {
            let version = try findVersion(bucket.name, key, versionId)
            if version.isDeleteMarker || version.erased {
                try await writer.eraseDeleteMarkerOrGone(version)
                response.headers[.init("x-amz-delete-marker")!] = version.isDeleteMarker ? "true" : nil
            } else {
                _ = try await writer.deleteObjectVersion(version, authority: authority(), actor: identity.actor)
            }
            response.headers[.init("x-amz-version-id")!] = versionId
        } else {
            let marker = try await writer.putDeleteMarker(bucket: bucket.name, key: key, actor: identity.actor)
            response.headers[.init("x-amz-delete-marker")!] = "true"
            response.headers[.init("x-amz-version-id")!] = marker.versionId
        }
        return response
    }

    func getObjectRetention(_ bucketName: String, _ key: String) throws -> Response {
        try identity.require(S3Endpoint.readers, "read object retention")
        let bucket = try existingBucket(bucketName)
        guard bucket.objectLockEnabled else {
            throw S3Error.invalidRequest("Bucket is missing Object Lock Configuration")
        }
        let version = try readableVersion(bucketName, key)
        let state = try vault.retention.state(seq: version.seq).state
        var out = S3XMLWriter(root: "Retention")
        out.element("Mode", state.mode.name.uppercased())
        out.element("RetainUntilDate", S3Time.iso8601(millis: state.retainUntil))
        return xml(out)
    }

    func putObjectRetention(_ bucketName: String, _ key: String) async throws -> Response {
        try identity.require(S3Endpoint.retentionWriters, "set object retention")
        let bucket = try existingBucket(bucketName)
        let document = try S3XMLDocuments.retention(Array(try await readBody(limit: 64 * 1024).bytes))
        let version = try readableVersion(bucket.name, key)
        guard let mode = document.mode, let until = document.retainUntilMillis else {
            // Removal: S3 refuses it for compliance mode and without the bypass; with the bypass the
            // vault still refuses it, because the bucket's floor stays.
            let state = try vault.retention.state(seq: version.seq).state
            let bypass = authority()
            guard state.mode == .governance, bypass.isAdmin, bypass.bypassGovernance else {
                throw S3Error.accessDenied("Access Denied: the retention of version \(version.versionId) is "
                    + "\(state.mode.name.uppercased()) until \(S3Time.iso8601(millis: state.retainUntil))")
            }
            throw S3Error.invalidRequest("removing a retention is not allowed here: every version is kept at least "
                + "for its bucket's floor; give Mode and an earlier RetainUntilDate to shorten it")
        }
        _ = try await writer.setBucketObjectRetention(
            version, bucket: bucket.name, requested: ObjectRetention(mode: mode == .compliance ? .compliance : .governance,
                                                                     retainUntil: until),
            authority: authority(), actor: identity.actor)
        return empty()
    }

    func getObjectLegalHold(_ bucketName: String, _ key: String) throws -> Response {
        try identity.require(S3Endpoint.readers, "read legal holds")
        let bucket = try existingBucket(bucketName)
        guard bucket.objectLockEnabled else {
            throw S3Error.invalidRequest("Bucket is missing Object Lock Configuration")
        }
        let version = try readableVersion(bucketName, key)
        let state = try vault.retention.state(seq: version.seq).state
        var out = S3XMLWriter(root: "LegalHold")
        out.element("Status", state.holds.isEmpty ? "OFF" : "ON")
        return xml(out)
    }

    func putObjectLegalHold(_ bucketName: String, _ key: String) async throws -> Response {
        try identity.require(S3Endpoint.holdSetters, "place or lift legal holds")
        let bucket = try existingBucket(bucketName)
        guard bucket.objectLockEnabled else {
            throw S3Error.invalidRequest("Bucket is missing Object Lock Configuration")
        }
        let on = try S3XMLDocuments.legalHold(Array(try await readBody(limit: 64 * 1024).bytes))
        let version = try readableVersion(bucket.name, key)
        try await writer.setBucketObjectLegalHold(version, on: on, actor: identity.actor)
        return empty()
    }

    // MARK: pieces

    /// The version a GET, HEAD or lock request names: `versionId`, or the latest, which must not
    /// be a delete marker.
    func readableVersion(_ bucketName: String, _ key: String) throws -> ObjectVersion {
        _ = try existingBucket(bucketName)
        if let versionId = request.query["versionId"] {
            let version = try findVersion(bucketName, key, versionId)
            if version.isDeleteMarker {
                throw S3DeleteMarkerError(error: .methodNotAllowed("The specified method is not allowed against this resource."),
                                          versionId: version.versionId)
            }
            return version
        }
        // A version erased (its retention over, or deleted with the governance bypass) is gone, as in S3.
        guard let latest = try vault.bucketObjectVersions(bucketName, key: key).last(where: { !$0.erased }) else {
            throw S3Error.noSuchKey("The specified key does not exist.")
        }
        if latest.isDeleteMarker {
            throw S3DeleteMarkerError(error: .noSuchKey("The specified key does not exist."), versionId: latest.versionId)
        }
        return latest
    }

    func findVersion(_ bucketName: String, _ key: String, _ versionId: String) throws -> ObjectVersion {
        guard let version = try vault.bucketObjectVersions(bucketName, key: key).first(where: { $0.versionId == versionId }) else {
            throw S3Error.noSuchVersion("The specified version does not exist.")
        }
        return version
    }

    /// The governance bypass a request carries: the admin role, `x-amz-bypass-governance-retention: true`,
    /// and a reason (`x-regvault-reason`, or one naming the S3 request).
    func authority() -> RetentionState.Authority {
        RetentionState.Authority(
            isAdmin: identity.client.roles.contains(.admin),
            bypassGovernance: request.header("x-amz-bypass-governance-retention")?.lowercased() == "true",
            reason: request.header("x-regvault-reason") ?? "governance bypass through the S3 endpoint by \(identity.client.commonName)")
    }

    /// The lock asked for with `x-amz-object-lock-mode`, `x-amz-object-lock-retain-until-date`
    /// (both or neither, as S3) and `x-amz-object-lock-legal-hold`.
    func lockHeaders() throws -> (retention: ObjectRetention?, legalHold: Bool) {
        let mode = request.header("x-amz-object-lock-mode")
        let until = request.header("x-amz-object-lock-retain-until-date")
        var retention: ObjectRetention?
        switch (mode, until) {
        case (nil, nil): break
        case (let mode?, let until?):
            guard let parsed = S3LockMode(rawValue: mode) else {
                throw S3Error.invalidArgument("Unknown wormMode directive: x-amz-object-lock-mode is GOVERNANCE or COMPLIANCE")
            }
            guard let millis = S3Time.parseISO8601(until) else {
                throw S3Error.invalidArgument("The retain until date must be provided in ISO 8601 format")
            }
            retention = ObjectRetention(mode: parsed == .compliance ? .compliance : .governance, retainUntil: millis)
        default:
            throw S3Error.invalidArgument("x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied")
        }
        var hold = false
        if let text = request.header("x-amz-object-lock-legal-hold") {
            guard text == "ON" || text == "OFF" else {
                throw S3Error.invalidArgument("Legal Hold must be either of 'ON' or 'OFF'")
            }
            hold = text == "ON"
        }
        return (retention, hold)
    }

    /// `x-amz-meta-report-period`: lists the object under `/regulator/reports/{period}`.
    func reportPeriod() throws -> String? {
        guard let period = request.userMetadata["report-period"] else { return nil }
        guard (try? ReportPeriod(parsing: period)) != nil else {
            throw S3Error.invalidArgument("x-amz-meta-report-period must be a day (2026-11-20), ISO week (2026-W47), month "
                + "(2026-11) or quarter (2026-Q4)")
        }
        return period
    }

    /// The S3 fields kept in the version's record beside its digest.
    func attributes(etag: String, checksums: [String: String], metadata: [String: String]) -> [String: JSONValue] {
        var attributes: [String: JSONValue] = ["etag": .string(etag)]
        if !checksums.isEmpty { attributes["checksums"] = .object(checksums.mapValues { .string($0) }) }
        if !metadata.isEmpty { attributes["metadata"] = .object(metadata.mapValues { .string($0) }) }
        return attributes
    }

    /// The headers of a version: ETag, dates, user metadata, lock state and its seq in the log.
    func headers(of version: ObjectVersion, _ state: RetentionState, into response: inout Response) {
        response.headers[.contentType] = version.contentType.isEmpty ? "binary/octet-stream" : version.contentType
        response.headers[.eTag] = "\"\(version.attributes["etag"]?.stringValue ?? version.sha256)\""
        response.headers[.lastModified] = S3Time.httpDate(millis: version.recordedAt)
        response.headers[.acceptRanges] = "bytes"
        response.headers[.init("x-amz-version-id")!] = version.versionId
        response.headers[.init("x-amz-object-lock-mode")!] = state.mode.name.uppercased()
        response.headers[.init("x-amz-object-lock-retain-until-date")!] = S3Time.iso8601(millis: state.retainUntil)
        response.headers[.init("x-amz-object-lock-legal-hold")!] = state.holds.isEmpty ? "OFF" : "ON"
        response.headers[.init("x-regvault-seq")!] = String(version.seq)
        for (name, value) in version.attributes["metadata"]?.objectValue ?? [:] {
            if let text = value.stringValue, let field = HTTPField.Name("x-amz-meta-" + name) { response.headers[field] = text }
        }
    }
}

/// A `Range: bytes=…` header resolved against an object's size (one range; S3 serves one).
struct S3ByteRange {
    let lower: Int
    let upper: Int
    var count: Int { upper - lower + 1 }

    init(header: String, size: Int) throws {
        guard header.hasPrefix("bytes="), !header.contains(",") else {
            throw S3Error.invalidRange("The requested range is not satisfiable")
        }
        let spec = header.dropFirst("bytes=".count)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw S3Error.invalidRange("The requested range is not satisfiable") }
        if parts[0].isEmpty, let suffix = Int(parts[1]), suffix > 0 {
            (lower, upper) = (max(0, size - suffix), size - 1)
        } else if let first = Int(parts[0]), first < size {
            let last = parts[1].isEmpty ? size - 1 : (Int(parts[1]) ?? -1)
            guard last >= first else { throw S3Error.invalidRange("The requested range is not satisfiable") }
            (lower, upper) = (first, min(last, size - 1))
        } else {
            throw S3Error.invalidRange("The requested range is not satisfiable")
        }
        guard size > 0 else { throw S3Error.invalidRange("The requested range is not satisfiable") }
    }

    func contentRange(size: Int) -> String { "bytes \(lower)-\(upper)/\(size)" }
}
