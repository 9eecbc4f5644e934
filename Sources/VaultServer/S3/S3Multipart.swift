import Foundation
import Hummingbird
import VaultCore
import VaultFormat
import VaultS3

/// Multipart uploads, for large reports and archives: parts are kept sealed beside the object
/// store until CompleteMultipartUpload stores their concatenation as one version (one entry in
/// the log), with the lock asked for when the upload was created.
extension S3Operations {
    func createMultipartUpload(_ bucketName: String, _ key: String) async throws -> Response {
        try identity.require(S3Endpoint.writers, "store objects")
        let bucket = try existingBucket(bucketName)
        let lock = try lockHeaders()
        if lock.legalHold { try identity.require(S3Endpoint.holdSetters, "place legal holds") }
        if !bucket.objectLockEnabled && (lock.retention != nil || lock.legalHold) {
            throw S3Error.invalidRequest("Bucket is missing Object Lock Configuration")
        }
        let upload = MultipartUploads.Upload(
            bucket: bucket.name, key: key, contentType: request.header("content-type") ?? "binary/octet-stream",
            metadata: request.userMetadata, period: try reportPeriod(), lockMode: lock.retention?.mode.name,
            retainUntil: lock.retention?.retainUntil, legalHold: lock.legalHold, initiator: identity.client.commonName,
            initiatedAt: SystemClock().nowMillis())
        let id = try endpoint.uploads.create(upload)
        var out = S3XMLWriter(root: "InitiateMultipartUploadResult")
        out.element("Bucket", bucket.name)
        out.element("Key", key)
        out.element("UploadId", id)
        return xml(out)
    }

    func uploadPart(_ bucketName: String, _ key: String) async throws -> Response {
        try identity.require(S3Endpoint.writers, "store objects")
        let id = request.query["uploadId"] ?? ""
        let upload = try endpoint.uploads.upload(id)
        guard upload.bucket == bucketName, upload.key == key else {
            throw S3Error.noSuchUpload("The specified upload does not exist for this key")
        }
        guard let number = request.query["partNumber"].flatMap({ Int($0) }) else {
            throw S3Error.invalidArgument("Part number must be an integer between 1 and 10000, inclusive")
        }
        let payload = try await readBody(limit: endpoint.maxObjectBytes)
        let md5 = try endpoint.uploads.putPart(id, number: number, bytes: payload.bytes)
        var response = empty()
        response.headers[.eTag] = "\"\(md5)\""
        for (algorithm, value) in payload.checksums {
            response.headers[.init("x-amz-checksum-" + algorithm.lowercased())!] = value
        }
        return response
    }

    func completeMultipartUpload(_ bucketName: String, _ key: String) async throws -> Response {
        try identity.require(S3Endpoint.writers, "store objects")
        let id = request.query["uploadId"] ?? ""
        let upload = try endpoint.uploads.upload(id)
        guard upload.bucket == bucketName, upload.key == key else {
            throw S3Error.noSuchUpload("The specified upload does not exist for this key")
        }
        let parts = try S3XMLDocuments.completeMultipartUpload(Array(try await readBody(limit: 4 * 1024 * 1024).bytes))
        let (bytes, etag) = try endpoint.uploads.assemble(id, parts: parts, maxBytes: endpoint.maxObjectBytes)
        let retention = upload.lockMode.flatMap { RetentionMode(name: $0) }.flatMap { mode in
            upload.retainUntil.map { ObjectRetention(mode: mode, retainUntil: $0) }
        }
        let version = try await writer.putBucketObject(
            bucket: bucketName, key: key, bytes: bytes, contentType: upload.contentType, period: upload.period,
            attributes: attributes(etag: etag, checksums: [:], metadata: upload.metadata), explicit: retention,
            legalHold: upload.legalHold, actor: identity.actor)
        try endpoint.uploads.remove(id)
        var out = S3XMLWriter(root: "CompleteMultipartUploadResult")
        out.element("Location", "/\(bucketName)/\(S3URIEncoding.encode(key, keepSlash: true))")
        out.element("Bucket", bucketName)
        out.element("Key", key)
        out.element("ETag", "\"\(etag)\"")
        var response = xml(out)
        response.headers[.init("x-amz-version-id")!] = version.versionId
        response.headers[.init("x-regvault-seq")!] = String(version.seq)
        return response
    }

    func abortMultipartUpload(_ bucketName: String, _ key: String) throws -> Response {
        try identity.require(S3Endpoint.writers, "store objects")
        let id = request.query["uploadId"] ?? ""
        let upload = try endpoint.uploads.upload(id)
        guard upload.bucket == bucketName, upload.key == key else {
            throw S3Error.noSuchUpload("The specified upload does not exist for this key")
        }
        try endpoint.uploads.remove(id)
        return empty(.noContent)
    }

    func listParts(_ bucketName: String, _ key: String) throws -> Response {
        try identity.require(S3Endpoint.readers, "list parts")
        let id = request.query["uploadId"] ?? ""
        let upload = try endpoint.uploads.upload(id)
        guard upload.bucket == bucketName, upload.key == key else {
            throw S3Error.noSuchUpload("The specified upload does not exist for this key")
        }
        var out = S3XMLWriter(root: "ListPartsResult")
        out.element("Bucket", bucketName)
        out.element("Key", key)
        out.element("UploadId", id)
        out.element("IsTruncated", "false")
        for part in try endpoint.uploads.parts(id) {
            out.open("Part")
            out.element("PartNumber", String(part.number))
            out.element("ETag", "\"\(part.md5)\"")
            out.element("Size", String(part.size))
            out.close("Part")
        }
        return xml(out)
    }

    func listMultipartUploads(_ bucketName: String) throws -> Response {
        try identity.require(S3Endpoint.readers, "list uploads")
        _ = try existingBucket(bucketName)
        var out = S3XMLWriter(root: "ListMultipartUploadsResult")
        out.element("Bucket", bucketName)
        out.element("IsTruncated", "false")
        for (id, upload) in endpoint.uploads.inProgress(bucket: bucketName) {
            out.open("Upload")
            out.element("Key", upload.key)
            out.element("UploadId", id)
            out.element("Initiated", S3Time.iso8601(millis: upload.initiatedAt))
            out.close("Upload")
        }
        return xml(out)
    }
}
