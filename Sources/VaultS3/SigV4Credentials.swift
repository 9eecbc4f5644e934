/// What a request's SigV4 credentials say, read from the Authorization header or from a presigned URL's query,
/// checked for form but not yet for time or signature.
struct SigV4Credentials {
    let accessKeyId: String
    /// The credential scope's day, `20261204`.
    let date: String
    let region: String
    let service: String
    /// The signed header names as the client listed them (lower case).
    let signedHeaders: [String]
    let signature: String
    /// The request time as signed, `20261204T050607Z`.
    let amzDate: String
    let requestMillis: Int64
    let presigned: Bool
    let expiresAtMillis: Int64?

    var scope: String { "\(date)/\(region)/\(service)/aws4_request" }

    /// The payload hash the signature covers: x-amz-content-sha256 for header authentication (required), the
    /// X-Amz-Content-Sha256 parameter or `UNSIGNED-PAYLOAD` for a presigned URL.
    func payloadHash(headers: S3HeaderList, query: SigV4Query) throws(S3Error) -> String {
        if presigned { return try query.single("X-Amz-Content-Sha256") ?? "UNSIGNED-PAYLOAD" }
        guard let value = try headers.single("x-amz-content-sha256") else {
            throw .invalidRequest("Missing required header for this request: x-amz-content-sha256")
        }
        return value
    }

    /// Reads `AWS4-HMAC-SHA256 Credential=AKID/20261204/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=<64 hex>`.
    init(authorization: [String], headers: S3HeaderList) throws(S3Error) {
        func malformed(_ detail: String) -> S3Error { .authorizationHeaderMalformed("The authorization header is malformed; \(detail)") }
        guard authorization.count == 1 else { throw malformed("it was given more than once.") }
        let value = authorization[0]
        let algorithm = value.prefix { $0 != " " }
        switch algorithm {
        case "AWS4-HMAC-SHA256": break
        case "AWS":
            throw .invalidRequest("The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
        case "AWS4-ECDSA-P256-SHA256":
            throw .notImplemented("Signature Version 4A (AWS4-ECDSA-P256-SHA256) is not supported; use AWS4-HMAC-SHA256.")
        default:
            throw malformed("the authorization mechanism \"\(algorithm)\" is not AWS4-HMAC-SHA256.")
        }
        var components: [String: String] = [:]
        for part in value.dropFirst(algorithm.count).split(separator: ",") {
            let trimmed = S3HeaderList.trimAll(String(part))
            guard let equals = trimmed.firstIndex(of: "=") else { throw malformed("the component \"\(trimmed)\" is not Name=Value.") }
            let name = String(trimmed[..<equals])
            guard components[name] == nil else { throw malformed("the component \(name) is given twice.") }
            components[name] = String(trimmed[trimmed.index(after: equals)...])
        }
        guard let credential = components["Credential"], let signedHeaders = components["SignedHeaders"],
              let signature = components["Signature"], components.count == 3 else {
            throw malformed("the authorization header requires three components: Credential, SignedHeaders, and Signature.")
        }

        let amzDate: String
        let requestMillis: Int64
        let dateHeader: String
        if let xAmzDate = try headers.single("x-amz-date") {
            guard let millis = S3Time.parseAMZDate(xAmzDate) else {
                throw .accessDenied("AWS authentication requires a valid Date or x-amz-date header")
            }
            (amzDate, requestMillis, dateHeader) = (xAmzDate, millis, "x-amz-date")
        } else if let date = try headers.single("date"), let millis = S3Time.parseHTTPDate(date) {
            (amzDate, requestMillis, dateHeader) = (S3Time.amzDate(millis: millis), millis, "date")
        } else {
            throw .accessDenied("AWS authentication requires a valid Date or x-amz-date header")
        }

        let scope = try Self.scope(credential, amzDate: amzDate, malformed: malformed)
        let names = try Self.signedHeaderNames(signedHeaders, required: ["host", dateHeader], malformed: malformed)
        self.init(accessKeyId: scope.accessKeyId, date: scope.date, region: scope.region, service: scope.service,
                  signedHeaders: names, signature: signature, amzDate: amzDate, requestMillis: requestMillis,
                  presigned: false, expiresAtMillis: nil)
    }

    /// Reads a presigned URL's X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature.
    init(query: SigV4Query) throws(S3Error) {
        func malformed(_ detail: String) -> S3Error { .authorizationQueryParametersError(detail) }
        guard let algorithm = try query.single("X-Amz-Algorithm"), let credential = try query.single("X-Amz-Credential"),
              let signature = try query.single("X-Amz-Signature"), let amzDate = try query.single("X-Amz-Date"),
              let signedHeaders = try query.single("X-Amz-SignedHeaders"), let expires = try query.single("X-Amz-Expires") else {
            throw malformed("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
        }
        guard algorithm == SigV4.algorithm else { throw malformed("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"") }
        guard let requestMillis = S3Time.parseAMZDate(amzDate) else {
            throw malformed("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
        }
        guard !expires.isEmpty, expires.utf8.count <= 7, expires.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let seconds = Int64(expires) else {
            throw malformed("X-Amz-Expires should be a number")
        }
        guard seconds >= 1 else { throw malformed("X-Amz-Expires must be at least 1 second") }
        guard seconds <= SigV4.maxPresignedExpirySeconds else {
            throw malformed("X-Amz-Expires must be less than a week (in seconds) that is 604800")
        }
        let scope = try Self.scope(credential, amzDate: amzDate, malformed: malformed)
        let names = try Self.signedHeaderNames(signedHeaders, required: ["host"], malformed: malformed)
        self.init(accessKeyId: scope.accessKeyId, date: scope.date, region: scope.region, service: scope.service,
                  signedHeaders: names, signature: signature, amzDate: amzDate, requestMillis: requestMillis,
                  presigned: true, expiresAtMillis: requestMillis + seconds * 1000)
    }

    private init(accessKeyId: String, date: String, region: String, service: String, signedHeaders: [String], signature: String,
                 amzDate: String, requestMillis: Int64, presigned: Bool, expiresAtMillis: Int64?) {
        self.accessKeyId = accessKeyId
        self.date = date
        self.region = region
        self.service = service
        self.signedHeaders = signedHeaders
        self.signature = signature
        self.amzDate = amzDate
        self.requestMillis = requestMillis
        self.presigned = presigned
        self.expiresAtMillis = expiresAtMillis
    }

    /// Reads `AKID/20261204/us-east-1/s3/aws4_request`; the day must be the request's.
    private static func scope(_ credential: String, amzDate: String, malformed: (String) -> S3Error) throws(S3Error)
        -> (accessKeyId: String, date: String, region: String, service: String) {
        let parts = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, !parts[0].isEmpty, parts[1].utf8.count == 8,
              parts[1].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), !parts[2].isEmpty else {
            throw malformed("the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
        }
        guard parts[3] == "s3" else { throw malformed("incorrect service \"\(parts[3])\". This endpoint belongs to \"s3\".") }
        guard parts[4] == "aws4_request" else {
            throw malformed("incorrect terminal \"\(parts[4])\". This endpoint uses \"aws4_request\".")
        }
        guard amzDate.hasPrefix(parts[1]) else {
            throw malformed("Invalid credential date \"\(parts[1])\". This date is not the same as X-Amz-Date: \"\(amzDate.prefix(8))\".")
        }
        return (parts[0], parts[1], parts[2], parts[3])
    }

    /// Reads `host;x-amz-content-sha256;x-amz-date`: lower-case names, none empty, each of `required` present.
    private static func signedHeaderNames(_ list: String, required: [String], malformed: (String) -> S3Error) throws(S3Error) -> [String] {
        let names = list.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard names.allSatisfy({ !$0.isEmpty && $0 == $0.lowercased() }) else {
            throw malformed("SignedHeaders must be lower-case header names separated by \";\".")
        }
        for name in required where !names.contains(name) {
            throw malformed("SignedHeaders must include \(required.joined(separator: " and ")); \(name) is not signed.")
        }
        return names
    }
}
