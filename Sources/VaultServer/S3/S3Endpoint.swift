import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOSSL
import X509
import VaultConfiguration
import VaultCore
import VaultFormat
import VaultS3

/// The S3-compatible endpoint: every request is authenticated with AWS Signature Version 4 (header
/// or presigned URL) against `S3Credentials`, checked against its identity's address ranges and
/// roles, and answered by one operation, as Amazon S3 answers it: path-style addressing, S3's XML
/// documents, and S3's error codes and statuses.
///
/// | operation | roles |
/// |---|---|
/// | ListBuckets, HeadBucket, GetBucketVersioning, GetObjectLockConfiguration, GetBucketLocation, ListObjects(V2), ListObjectVersions, GetObject, HeadObject, GetObjectRetention, GetObjectLegalHold | any role |
/// | CreateBucket, DeleteBucket, PutBucketVersioning, PutObjectLockConfiguration | admin, compliance_officer |
/// | PutObject, multipart uploads, DeleteObject, DeleteObjects | ingest, admin |
/// | PutObjectRetention | ingest, compliance_officer, admin (shortening governance: admin with the bypass header) |
/// | PutObjectLegalHold | compliance_officer |
struct S3Endpoint: HTTPResponder {
    typealias Context = VaultRequestContext

    let vault: Vault
    let writer: LogWriter
    let credentials: S3Credentials
    let uploads: MultipartUploads
    /// Reads by inspectors (`regulator_read`) are journaled as the console's and API's are.
    let journal: AccessJournal
    let maxObjectBytes: Int
    let metrics: ServerMetrics
    let logger = Logger(label: "regvault.s3")

    static let requestIdHeader = HTTPField.Name("x-amz-request-id")!
    static let readers: Set<Role> = [.ingest, .regulatorRead, .complianceOfficer, .admin]
    static let bucketAdmins: Set<Role> = [.admin, .complianceOfficer]
    static let writers: Set<Role> = [.ingest, .admin]
    static let retentionWriters: Set<Role> = [.ingest, .complianceOfficer, .admin]
    static let holdSetters: Set<Role> = [.complianceOfficer]

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        // On the blocking-work threads, as the API's handlers (`BlockingWorkMiddleware`).
        let response = await BlockingWorkExecutor.run { await answer(request, context: context) }
        let operation = (try? S3Request(request))?.operationLabel ?? "invalid"
        metrics.s3Responded(operation: operation, status: Int(response.status.code), after: ContinuousClock.now - started)
        return response
    }

    private func answer(_ request: Request, context: Context) async -> Response {
        let requestId = String(format: "%016llX", UInt64.random(in: .min ... .max))
        var resource = request.head.path ?? "/"
        var inspector: S3Identity?
        do {
            let s3 = try S3Request(request)
            resource = s3.resource
            let identity = try await authenticate(s3, context: context)
            if identity.client.roles.contains(.regulatorRead) && (s3.method == "GET" || s3.method == "HEAD") {
                inspector = identity
            }
            var response = try await S3Operations(endpoint: self, request: s3, body: request.body, identity: identity)
                .perform()
            response.headers[S3Endpoint.requestIdHeader] = requestId
            if let inspector { try await journal(s3, inspector, status: Int(response.status.code)) }
            return response
        } catch {
            let s3Error = S3Endpoint.s3Error(error)
            if s3Error.status >= 500 { logger.error("S3 \(request.method) \(resource) failed: \(error)") }
            if let inspector, let s3 = try? S3Request(request) {
                do {
                    try await journal(s3, inspector, status: s3Error.status)
                } catch {
                    return errorResponse(.serviceUnavailable, request: request, resource: resource, requestId: requestId)
                }
            }
            var response = errorResponse(s3Error, request: request, resource: resource, requestId: requestId)
            if let marker = (error as? S3DeleteMarkerError) {
                response.headers[HTTPField.Name("x-amz-delete-marker")!] = "true"
                response.headers[HTTPField.Name("x-amz-version-id")!] = marker.versionId
            }
            return response
        }
    }

    /// Journals an inspector's read (durable before the answer leaves), as `/s3/<bucket>/<key>` with
    /// the query minus its `X-Amz-*` signature parameters (a presigned URL is a capability until it expires).
    private func journal(_ request: S3Request, _ identity: S3Identity, status: Int) async throws {
        let query = request.rawQuery.split(separator: "&").filter { !$0.lowercased().hasPrefix("x-amz-") }.joined(separator: "&")
        try await journal.record(AccessRecord(identity: identity.client.name, address: identity.client.address,
                                              method: request.method, path: "/s3" + request.rawPath, query: query,
                                              status: status, resultCount: nil, at: SystemClock().nowMillis()))
    }

    private func errorResponse(_ error: S3Error, request: Request, resource: String, requestId: String) -> Response {
        var response = Response(status: .init(code: error.status),
                                headers: [.contentType: "application/xml", S3Endpoint.requestIdHeader: requestId])
        if request.method != .head {
            response.body = .init(byteBuffer: ByteBuffer(bytes: error.xmlBody(resource: resource, requestId: requestId)))
        }
        return response
    }

    /// The identity whose key signed the request, if the signature holds, the key is known and the
    /// address is in the identity's ranges.
    private func authenticate(_ request: S3Request, context: Context) async throws -> S3Identity {
        if request.header("authorization")?.hasPrefix("AWS ") == true || request.query["AWSAccessKeyId"] != nil {
            throw S3Error.accessDenied("AWS Signature Version 2 is not accepted; sign with Signature Version 4 (boto3: "
                + "Config(signature_version=\"s3v4\"), which presigned URLs for us-east-1 need)")
        }
        let now = SystemClock().nowMillis()
        let authentication = try SigV4.authenticate(request.signed, nowMillis: now) { credentials.keys[$0]?.secret }
        guard let key = credentials.keys[authentication.accessKeyId] else {
            throw S3Error.invalidAccessKeyId("The AWS Access Key Id you provided does not exist in our records.")
        }
        let address = context.channel.remoteAddress?.ipAddress ?? ""
        guard key.identity.allowFrom.compactMap(CIDR.init).contains(where: { $0.contains(address) }) else {
            throw S3Error.accessDenied("identity '\(key.identity.commonName)' may not connect from \(address)")
        }
        if key.identity.s3RequiresClientCertificate {
            let peer = try? await context.channel.nioSSL_peerCertificate().get()
            let name = (try? peer?.toDERBytes()).flatMap { try? Certificate(derEncoded: $0) }
                .flatMap { AuthenticationMiddleware.commonName(of: $0) }
            guard name == key.identity.commonName else {
                throw S3Error.accessDenied("identity '\(key.identity.commonName)' must also present its client certificate "
                    + "on this connection")
            }
        }
        return S3Identity(client: ClientIdentity(commonName: key.identity.commonName, roles: Set(key.identity.roles),
                                                 address: address),
                          authentication: authentication)
    }

    /// S3's form of any failure: refusals keep their S3 code; the vault's own errors are mapped.
    static func s3Error(_ error: any Error) -> S3Error {
        switch error {
        case let error as S3Error: return error
        case let error as S3DeleteMarkerError: return error.error
        case let refusal as BucketRefusal: return S3Error(refusal.code.rawValue, status: status(of: refusal.code), refusal.reason)
        case let refusal as RetentionRefusal: return .accessDenied(refusal.reason)
        case let error as VaultError:
            switch error.code {
            case .forbidden, .retentionLocked: return .accessDenied(error.reason)
            case .invalidRequest, .invalidPolicy: return .invalidRequest(error.reason)
            case .notFound: return S3Error("NoSuchKey", status: 404, error.reason)
            case .conflict: return S3Error("OperationAborted", status: 409, error.reason)
            default: return .internalError(error.reason)
            }
        default: return .internalError("the vault could not complete the request")
        }
    }

    static func status(of code: BucketRefusal.Code) -> Int {
        switch code {
        case .noSuchBucket, .noSuchKey, .noSuchVersion, .noSuchUpload, .objectLockConfigurationNotFound: 404
        case .bucketAlreadyOwnedByYou, .bucketNotEmpty: 409
        case .accessDenied: 403
        case .methodNotAllowed: 405
        case .invalidRequest, .invalidArgument, .invalidRetentionPeriod, .invalidPart, .invalidPartOrder, .entityTooSmall,
             .entityTooLarge: 400
        }
    }
}

/// Who signed a request, and how its payload is signed.
struct S3Identity {
    let client: ClientIdentity
    let authentication: SigV4Authentication

    var actor: VaultActor { VaultActor(id: client.commonName, role: client.roles.map(\.rawValue).sorted().first, ip: client.address) }

    /// Refuses the request unless the identity has one of `roles`.
    func require(_ roles: Set<Role>, _ operation: String) throws(S3Error) {
        guard !client.roles.isDisjoint(with: roles) else {
            throw .accessDenied("\(client.commonName) may not \(operation): it needs the role "
                + roles.map(\.rawValue).sorted().joined(separator: " or "))
        }
    }
}

/// GET or HEAD of a key whose latest version is a delete marker (404), or of the marker's own
/// version (405): S3 adds `x-amz-delete-marker: true` and the marker's version id.
struct S3DeleteMarkerError: Error {
    let error: S3Error
    let versionId: String
}
