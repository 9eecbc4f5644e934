/// A request as it arrived, the parts AWS Signature Version 4 signs.
public struct S3SignedRequest: Sendable {
    /// The method, e.g. `PUT`.
    public var method: String
    /// The request target's path exactly as on the wire (percent-encoded), e.g. `/bucket/a%20b.txt`.
    public var rawPath: String
    /// The query exactly as on the wire, without `?` ("" if none).
    public var rawQuery: String
    /// The headers as received: names in any case; a name may repeat. For HTTP/2, `:authority` must be given as `host`.
    public var headers: [(name: String, value: String)]

    public init(method: String, rawPath: String, rawQuery: String, headers: [(name: String, value: String)]) {
        self.method = method
        self.rawPath = rawPath
        self.rawQuery = rawQuery
        self.headers = headers
    }
}

/// What the signature says about the body, from `x-amz-content-sha256` (or a presigned URL's
/// `X-Amz-Content-Sha256` parameter).
public enum PayloadSigning: Sendable, Equatable {
    /// `UNSIGNED-PAYLOAD`, or a presigned URL without `X-Amz-Content-Sha256`: the body is not covered.
    case unsigned
    /// The body's SHA-256 (lower-case hex) that the client signed; the server must check the body against it
    /// (`XAmzContentSHA256Mismatch` if it differs).
    case sha256(hex: String)
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: an aws-chunked body, its checksum in a trailer.
    case streamingUnsignedTrailer
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: an aws-chunked body, each chunk signed.
    case streamingSigned
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: chunks signed, then a signed trailer.
    case streamingSignedTrailer

    /// Whether the body is aws-chunked and must go through `AWSChunkedDecoder`.
    public var isStreaming: Bool {
        switch self {
        case .unsigned, .sha256: false
        case .streamingUnsignedTrailer, .streamingSigned, .streamingSignedTrailer: true
        }
    }
}

/// What a verified signature established.
public struct SigV4Authentication: Sendable {
    /// The access key id whose secret signed the request.
    public let accessKeyId: String
    /// How the body is covered; the caller enforces it while reading the body.
    public let payload: PayloadSigning
    /// Whether the credentials came from the query (a presigned URL) rather than the `Authorization` header.
    public let presigned: Bool
    /// For a presigned URL: when it stops working (ms since epoch); nil for header authentication.
    public let expiresAtMillis: Int64?
    /// What the chunk signatures of a signed streaming body chain from (seed signature, signing key, scope, amz date);
    /// opaque to the caller, given to `AWSChunkedDecoder`. Nil unless `payload` is `.streamingSigned` or `.streamingSignedTrailer`.
    public let chunkSigning: ChunkSigningContext?
}

/// The state a signed aws-chunked body's signatures chain from: the request's own signature (the seed), the
/// derived signing key, the credential scope and the request time. It holds key material: keep it only for the
/// request it came with.
public struct ChunkSigningContext: Sendable {
    let seedSignature: String
    let signingKey: [UInt8]
    let scope: String
    let amzDate: String
    /// Whether the body ends with a signed trailer (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`).
    let signedTrailer: Bool
}

/// AWS Signature Version 4 verification, as Amazon S3 does it (server side).
///
/// The canonical request (AWS's "Create a canonical request", S3 variant):
/// ```
/// PUT                                       method
/// /bucket/a%20b.txt                         path: each segment decoded then re-encoded (RFC 3986 unreserved kept),
///                                           `/` kept; not normalized, not double-encoded
/// retention=&versionId=x                    query: names and values decoded then re-encoded, sorted by name then value;
///                                           a presigned URL's X-Amz-Signature left out
/// host:example.com                          each signed header: lower-cased name, values trimmed, inner runs of
/// x-amz-content-sha256:UNSIGNED-PAYLOAD     spaces made one, repeated headers joined with ","
/// x-amz-date:20261204T050607Z
///                                           (empty line)
/// host;x-amz-content-sha256;x-amz-date      the signed header names as the client listed them
/// UNSIGNED-PAYLOAD                          x-amz-content-sha256 (presigned: X-Amz-Content-Sha256 or UNSIGNED-PAYLOAD)
/// ```
/// The string to sign is `AWS4-HMAC-SHA256\n<amz date>\n<date>/<region>/s3/aws4_request\n<hex SHA-256 of the
/// canonical request>`, and the signature its HMAC-SHA256 under the key derived from `"AWS4" + secret`, date,
/// region, service and `aws4_request`.
public enum SigV4 {
    /// The largest difference allowed between the request's x-amz-date and the server's clock: 15 minutes (S3's).
    public static let maxClockSkewMillis: Int64 = 15 * 60 * 1000
    /// The longest a presigned URL may be valid: 7 days (S3's limit on X-Amz-Expires).
    public static let maxPresignedExpirySeconds: Int64 = 604_800

    static let algorithm = "AWS4-HMAC-SHA256"

    /// Verifies header authentication (`Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261204/us-east-1/s3/aws4_request,
    /// SignedHeaders=..., Signature=...`) or query authentication (a presigned URL: X-Amz-Algorithm, X-Amz-Credential,
    /// X-Amz-Date, X-Amz-Expires (1...604800), X-Amz-SignedHeaders, X-Amz-Signature).
    ///
    /// `secret` maps an access key id to its secret access key (nil: unknown key, `InvalidAccessKeyId`). Any region in
    /// the credential scope is accepted (the signature is computed with the scope the client gave); the service must be `s3`.
    ///
    /// Errors, in the order they are checked: no credentials at all `AccessDenied`; both forms at once `InvalidArgument`;
    /// a malformed header `AuthorizationHeaderMalformed`, a malformed query `AuthorizationQueryParametersError` (including
    /// `host` or the date header not signed, or a credential date other than the request's day); no x-amz-content-sha256
    /// with header authentication `InvalidRequest`, an unknown value of it `InvalidArgument`; request time more than 15
    /// minutes from `nowMillis` `RequestTimeTooSkewed` (presigned: not valid yet or past its expiry `AccessDenied`);
    /// an unknown key `InvalidAccessKeyId`; a signature that does not match `SignatureDoesNotMatch`.
    public static func authenticate(_ request: S3SignedRequest, nowMillis: Int64, secret: (String) -> String?) throws(S3Error) -> SigV4Authentication {
        let headers = S3HeaderList(request.headers)
        let query = try SigV4Query(rawQuery: request.rawQuery)
        let authorization = headers.all("authorization")
        let queryAuthentication = query.hasAuthenticationParameters
        if authorization.isEmpty && !queryAuthentication {
            throw .accessDenied("Access Denied: the request has no AWS Signature Version 4 credentials (an Authorization header or X-Amz-* query parameters).")
        }
        if !authorization.isEmpty && queryAuthentication {
            throw .invalidArgument("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
        }
        let credentials = queryAuthentication
            ? try SigV4Credentials(query: query)
            : try SigV4Credentials(authorization: authorization, headers: headers)
        let payloadHash = try credentials.payloadHash(headers: headers, query: query)
        let payload = try PayloadSigning(payloadHash: payloadHash, presigned: credentials.presigned)

        try checkTime(credentials, nowMillis: nowMillis)
        guard let secretKey = secret(credentials.accessKeyId) else {
            throw .invalidAccessKeyId("The AWS Access Key Id you provided does not exist in our records.")
        }

        let canonical = try SigV4Canonical.request(method: request.method, rawPath: request.rawPath, query: query,
                                                  presigned: credentials.presigned, signedHeaders: credentials.signedHeaders,
                                                  headers: headers, payloadHash: payloadHash)
        let scope = credentials.scope
        let stringToSign = "\(algorithm)\n\(credentials.amzDate)\n\(scope)\n\(SigV4Canonical.sha256Hex(Array(canonical.utf8)))"
        let signingKey = SigV4Canonical.signingKey(secret: secretKey, date: credentials.date, region: credentials.region,
                                                   service: credentials.service)
        let expected = SigV4Canonical.hmacHex(key: signingKey, Array(stringToSign.utf8))
        guard S3Hex.constantTimeEqual(Array(expected.utf8), Array(credentials.signature.utf8)) else {
            throw .signatureDoesNotMatch("The request signature we calculated does not match the signature you provided. Check your key and signing method.")
        }

        let chunkSigning: ChunkSigningContext? = switch payload {
        case .streamingSigned, .streamingSignedTrailer:
            ChunkSigningContext(seedSignature: expected, signingKey: signingKey, scope: scope, amzDate: credentials.amzDate,
                                signedTrailer: payload == .streamingSignedTrailer)
        default: nil
        }
        return SigV4Authentication(accessKeyId: credentials.accessKeyId, payload: payload, presigned: credentials.presigned,
                                   expiresAtMillis: credentials.expiresAtMillis, chunkSigning: chunkSigning)
    }

    private static func checkTime(_ credentials: SigV4Credentials, nowMillis: Int64) throws(S3Error) {
        if credentials.presigned {
            if credentials.requestMillis - nowMillis > maxClockSkewMillis { throw .accessDenied("Request is not valid yet") }
            if let expiry = credentials.expiresAtMillis, nowMillis > expiry { throw .accessDenied("Request has expired") }
        } else if abs(credentials.requestMillis - nowMillis) > maxClockSkewMillis {
            throw .requestTimeTooSkewed("The difference between the request time and the current time is too large.")
        }
    }
}

extension PayloadSigning {
    /// Reads the payload hash a signature covers. Header authentication takes x-amz-content-sha256's five forms;
    /// a presigned URL's is UNSIGNED-PAYLOAD or a SHA-256 (S3 does not stream presigned uploads).
    init(payloadHash: String, presigned: Bool) throws(S3Error) {
        switch payloadHash {
        case "UNSIGNED-PAYLOAD": self = .unsigned
        case "STREAMING-UNSIGNED-PAYLOAD-TRAILER" where !presigned: self = .streamingUnsignedTrailer
        case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" where !presigned: self = .streamingSigned
        case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" where !presigned: self = .streamingSignedTrailer
        case "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER":
            throw .notImplemented("Signature Version 4A (ECDSA) streaming payloads are not supported; use AWS4-HMAC-SHA256.")
        default:
            let lower = payloadHash.lowercased()
            guard S3Hex.isLowerHex(lower, count: 64) else {
                throw .invalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 value.")
            }
            self = .sha256(hex: lower)
        }
    }
}
