import Foundation
import Hummingbird
import NIOCore
import VaultCore
import VaultS3

/// One S3 request, dispatched by method, path (service, bucket or object) and subresource to the
/// operation that answers it. Subresources the endpoint does not implement are `NotImplemented`,
/// never silently taken for a plain GET or PUT.
struct S3Operations {
    let endpoint: S3Endpoint
    let request: S3Request
    let body: RequestBody
    let identity: S3Identity

    var vault: Vault { endpoint.vault }
    var writer: LogWriter { endpoint.writer }

    /// Subresources that belong to operations this endpoint does not implement.
    static let unsupported = ["acl", "policy", "cors", "lifecycle", "tagging", "website", "encryption", "replication",
                              "notification", "logging", "accelerate", "requestPayment", "analytics", "inventory",
                              "metrics", "ownershipControls", "publicAccessBlock", "intelligent-tiering", "restore",
                              "select", "torrent", "attributes", "policyStatus"]

    func perform() async throws -> Response {
        if let found = S3Operations.unsupported.first(where: request.has) {
            throw S3Error.notImplemented("the ?\(found) subresource is not implemented by this vault's S3 endpoint")
        }
        guard let bucket = request.bucket else {
            guard request.method == "GET" else { throw S3Error.methodNotAllowed("the service supports GET (ListBuckets) only") }
            return try listBuckets()
        }
        guard let key = request.key else { return try await bucketOperation(bucket) }
        try S3Names.checkKey(key)
        return try await objectOperation(bucket, key)
    }

    private func bucketOperation(_ bucket: String) async throws -> Response {
        switch request.method {
        case "PUT" where request.has("versioning"): return try await putBucketVersioning(bucket)
        case "PUT" where request.has("object-lock"): return try await putObjectLockConfiguration(bucket)
        case "PUT": return try await createBucket(bucket)
        case "GET" where request.has("versioning"): return try getBucketVersioning(bucket)
        case "GET" where request.has("object-lock"): return try getObjectLockConfiguration(bucket)
        case "GET" where request.has("location"): return try getBucketLocation(bucket)
        case "GET" where request.has("versions"): return try listObjectVersions(bucket)
        case "GET" where request.has("uploads"): return try listMultipartUploads(bucket)
        case "GET": return try listObjects(bucket)
        case "HEAD": return try headBucket(bucket)
        case "DELETE": return try await deleteBucket(bucket)
        case "POST" where request.has("delete"): return try await deleteObjects(bucket)
        default: throw S3Error.methodNotAllowed("\(request.method) is not allowed on a bucket")
        }
    }

    private func objectOperation(_ bucket: String, _ key: String) async throws -> Response {
        switch request.method {
        case "PUT" where request.has("retention"): return try await putObjectRetention(bucket, key)
        case "PUT" where request.has("legal-hold"): return try await putObjectLegalHold(bucket, key)
        case "PUT" where request.has("uploadId"): return try await uploadPart(bucket, key)
        case "PUT" where request.header("x-amz-copy-source") != nil:
            throw S3Error.notImplemented("CopyObject is not implemented by this vault's S3 endpoint; upload the bytes")
        case "PUT": return try await putObject(bucket, key)
        case "GET" where request.has("retention"): return try getObjectRetention(bucket, key)
        case "GET" where request.has("legal-hold"): return try getObjectLegalHold(bucket, key)
        case "GET" where request.has("uploadId"): return try listParts(bucket, key)
        case "GET": return try getObject(bucket, key, withBody: true)
        case "HEAD": return try getObject(bucket, key, withBody: false)
        case "DELETE" where request.has("uploadId"): return try abortMultipartUpload(bucket, key)
        case "DELETE": return try await deleteObject(bucket, key)
        case "POST" where request.has("uploads"): return try await createMultipartUpload(bucket, key)
        case "POST" where request.has("uploadId"): return try await completeMultipartUpload(bucket, key)
        default: throw S3Error.methodNotAllowed("\(request.method) is not allowed on an object")
        }
    }

    // MARK: shared pieces

    /// The bucket, or `NoSuchBucket`.
    func existingBucket(_ name: String) throws -> Bucket {
        guard let bucket = try vault.bucket(name) else {
            throw S3Error.noSuchBucket("The specified bucket does not exist")
        }
        return bucket
    }

    /// An XML answer.
    func xml(_ writer: S3XMLWriter, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/xml"], body: .init(byteBuffer: ByteBuffer(bytes: writer.bytes())))
    }

    /// An empty answer with S3's status.
    func empty(_ status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentLength: "0"])
    }

    /// The request body, with its Signature V4 payload hash or aws-chunked framing and every
    /// checksum it declares verified, at most `limit` bytes.
    func readBody(limit: Int) async throws -> S3Payload {
        try await S3Payload.read(request: request, body: body, authentication: identity.authentication, limit: limit)
    }
}
