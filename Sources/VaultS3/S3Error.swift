/// An error answered the way Amazon S3 answers it: an HTTP status and an XML body
/// `<Error><Code>…</Code><Message>…</Message><Resource>…</Resource><RequestId>…</RequestId></Error>`,
/// so that S3 clients (the AWS CLI, boto3, the SDKs) react to it as they do against AWS.
public struct S3Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// S3's error code, e.g. `SignatureDoesNotMatch`.
    public let code: String
    /// A sentence for a person: what was wrong and what would be accepted.
    public let message: String
    /// The HTTP status S3 answers with for this code.
    public let status: Int

    public init(_ code: String, status: Int, _ message: String) {
        self.code = code
        self.status = status
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    public static func accessDenied(_ message: String) -> S3Error { S3Error("AccessDenied", status: 403, message) }
    public static func signatureDoesNotMatch(_ message: String) -> S3Error {
        S3Error("SignatureDoesNotMatch", status: 403, message)
    }
    public static func invalidAccessKeyId(_ message: String) -> S3Error { S3Error("InvalidAccessKeyId", status: 403, message) }
    public static func requestTimeTooSkewed(_ message: String) -> S3Error {
        S3Error("RequestTimeTooSkewed", status: 403, message)
    }
    public static func authorizationHeaderMalformed(_ message: String) -> S3Error {
        S3Error("AuthorizationHeaderMalformed", status: 400, message)
    }
    public static func authorizationQueryParametersError(_ message: String) -> S3Error {
        S3Error("AuthorizationQueryParametersError", status: 400, message)
    }
    public static func missingSecurityHeader(_ message: String) -> S3Error { S3Error("MissingSecurityHeader", status: 400, message) }
    public static func invalidRequest(_ message: String) -> S3Error { S3Error("InvalidRequest", status: 400, message) }
    public static func invalidArgument(_ message: String) -> S3Error { S3Error("InvalidArgument", status: 400, message) }
    public static func malformedXML(_ message: String) -> S3Error { S3Error("MalformedXML", status: 400, message) }
    public static func invalidDigest(_ message: String) -> S3Error { S3Error("InvalidDigest", status: 400, message) }
    public static func badDigest(_ message: String) -> S3Error { S3Error("BadDigest", status: 400, message) }
    public static func incompleteBody(_ message: String) -> S3Error { S3Error("IncompleteBody", status: 400, message) }
    public static func xAmzContentSHA256Mismatch(_ message: String) -> S3Error {
        S3Error("XAmzContentSHA256Mismatch", status: 400, message)
    }
    public static func entityTooLarge(_ message: String) -> S3Error { S3Error("EntityTooLarge", status: 400, message) }
    public static func keyTooLong(_ message: String) -> S3Error { S3Error("KeyTooLongError", status: 400, message) }
    public static func invalidBucketName(_ message: String) -> S3Error { S3Error("InvalidBucketName", status: 400, message) }
    public static func invalidRetentionPeriod(_ message: String) -> S3Error {
        S3Error("InvalidRetentionPeriod", status: 400, message)
    }
    public static func invalidBucketState(_ message: String) -> S3Error { S3Error("InvalidBucketState", status: 409, message) }
    public static func bucketAlreadyOwnedByYou(_ message: String) -> S3Error {
        S3Error("BucketAlreadyOwnedByYou", status: 409, message)
    }
    public static func bucketNotEmpty(_ message: String) -> S3Error { S3Error("BucketNotEmpty", status: 409, message) }
    public static func noSuchBucket(_ message: String) -> S3Error { S3Error("NoSuchBucket", status: 404, message) }
    public static func noSuchKey(_ message: String) -> S3Error { S3Error("NoSuchKey", status: 404, message) }
    public static func noSuchVersion(_ message: String) -> S3Error { S3Error("NoSuchVersion", status: 404, message) }
    public static func noSuchUpload(_ message: String) -> S3Error { S3Error("NoSuchUpload", status: 404, message) }
    public static func invalidPart(_ message: String) -> S3Error { S3Error("InvalidPart", status: 400, message) }
    public static func invalidPartOrder(_ message: String) -> S3Error { S3Error("InvalidPartOrder", status: 400, message) }
    public static func entityTooSmall(_ message: String) -> S3Error { S3Error("EntityTooSmall", status: 400, message) }
    public static func objectLockConfigurationNotFound(_ message: String) -> S3Error {
        S3Error("ObjectLockConfigurationNotFoundError", status: 404, message)
    }
    public static func noSuchObjectLockConfiguration(_ message: String) -> S3Error {
        S3Error("NoSuchObjectLockConfiguration", status: 404, message)
    }
    public static func invalidRange(_ message: String) -> S3Error { S3Error("InvalidRange", status: 416, message) }
    public static func methodNotAllowed(_ message: String) -> S3Error { S3Error("MethodNotAllowed", status: 405, message) }
    public static func notImplemented(_ message: String) -> S3Error { S3Error("NotImplemented", status: 501, message) }
    public static func missingContentLength(_ message: String) -> S3Error { S3Error("MissingContentLength", status: 411, message) }
    public static let serviceUnavailable = S3Error("ServiceUnavailable", status: 503,
                                                   "the vault could not record this access in its log, so it does not answer; try again")
    public static func internalError(_ message: String) -> S3Error { S3Error("InternalError", status: 500, message) }
}

extension S3Error {
    public static func invalidURI(_ message: String) -> S3Error { S3Error("InvalidURI", status: 400, message) }
    public static func userKeyMustBeSpecified(_ message: String) -> S3Error {
        S3Error("UserKeyMustBeSpecified", status: 400, message)
    }
}
