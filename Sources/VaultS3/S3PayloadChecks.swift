import Crypto

/// Checks a request body against the digests its headers declare, in one pass: the `x-amz-checksum-*` header
/// (S3 allows one algorithm per request) and `Content-MD5`.
///
/// Errors: at `init`, a malformed checksum value `InvalidRequest` ("Value for x-amz-checksum-crc32 header is
/// invalid."), more than one checksum header `InvalidRequest`, a malformed Content-MD5 `InvalidDigest`; at `finish`,
/// a mismatch `BadDigest` naming the algorithm (Content-MD5 is checked first).
public struct S3PayloadChecks: Sendable {
    private var checksum: (S3Checksum, expected: [UInt8])?
    private var md5: (Insecure.MD5, expected: [UInt8])?

    /// The algorithm of the request's checksum header, nil if it has none.
    public var algorithm: S3ChecksumAlgorithm? { checksum?.0.algorithm }

    public init(headers: [(name: String, value: String)]) throws(S3Error) {
        for (name, value) in headers {
            if let algorithm = S3ChecksumAlgorithm(headerName: name) {
                guard checksum == nil else {
                    throw .invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
                }
                guard let expected = S3Base64.decode(value), expected.count == algorithm.byteCount else {
                    throw .invalidRequest("Value for \(algorithm.headerName) header is invalid.")
                }
                checksum = (S3Checksum(algorithm), expected)
            } else if name.lowercased() == "content-md5" {
                guard md5 == nil else { throw .invalidDigest("The Content-MD5 you specified was invalid: it was given more than once.") }
                guard let expected = S3Base64.decode(value), expected.count == Insecure.MD5.byteCount else {
                    throw .invalidDigest("The Content-MD5 you specified was invalid.")
                }
                md5 = (Insecure.MD5(), expected)
            }
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        checksum?.0.update(bytes)
        md5?.0.update(data: bytes)
    }

    public func finish() throws(S3Error) {
        if let (hash, expected) = md5, !S3Hex.constantTimeEqual(Array(hash.finalize()), expected) {
            throw .badDigest("The Content-MD5 you specified did not match what we received.")
        }
        if let (running, expected) = checksum, running.digest() != expected {
            throw .badDigest("The \(running.algorithm.rawValue) you specified did not match the calculated checksum.")
        }
    }
}
