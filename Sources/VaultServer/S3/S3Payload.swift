import Foundation
import Hummingbird
import NIOCore
import VaultFormat
import VaultS3

/// A request body as S3 receives it: plain (its length as declared, and its SHA-256 as signed
/// unless `UNSIGNED-PAYLOAD`), or `aws-chunked` (each chunk's signature when signed, the decoded
/// length, and the trailer's checksum); then every `x-amz-checksum-*` and `Content-MD5` header is
/// checked against the bytes. Any mismatch refuses the request before anything is stored.
struct S3Payload {
    let bytes: Data
    /// The verified checksums, by algorithm name (`CRC32`, ...), base64 as S3 gives them.
    let checksums: [String: String]

    static func read(request: S3Request, body: RequestBody, authentication: SigV4Authentication, limit: Int) async throws
        -> S3Payload {
        var collected: [UInt8] = []
        var trailers: [String: String] = [:]
        if authentication.payload.isStreaming || request.header("content-encoding")?.contains("aws-chunked") == true {
            let declared = request.header("x-amz-decoded-content-length").flatMap { Int64($0) }
            if let declared, declared > limit {
                throw S3Error.entityTooLarge("the object is \(declared) bytes; this vault stores objects of at most \(limit) bytes")
            }
            var decoder = try AWSChunkedDecoder(trailer: request.header("x-amz-trailer"), decodedLength: declared,
                                                chunkSigning: authentication.chunkSigning)
            for try await buffer in body {
                collected += try decoder.feed(Array(buffer.readableBytesView))
                guard collected.count <= limit else {
                    throw S3Error.entityTooLarge("the object exceeds \(limit) bytes, the largest this vault stores")
                }
            }
            trailers = try decoder.finish()
        } else {
            if let length = request.header("content-length").flatMap({ Int($0) }), length > limit {
                throw S3Error.entityTooLarge("the object is \(length) bytes; this vault stores objects of at most \(limit) bytes")
            }
            for try await buffer in body {
                collected += buffer.readableBytesView
                guard collected.count <= limit else {
                    throw S3Error.entityTooLarge("the object exceeds \(limit) bytes, the largest this vault stores")
                }
            }
            if let length = request.header("content-length").flatMap({ Int($0) }), length != collected.count {
                throw S3Error.incompleteBody("You did not provide the number of bytes specified by the Content-Length HTTP header")
            }
            if case .sha256(let hex) = authentication.payload {
                let actual = Hash.sha256(collected).hex
                guard actual == hex.lowercased() else {
                    throw S3Error.xAmzContentSHA256Mismatch("The provided 'x-amz-content-sha256' header does not match what was computed.")
                }
            }
        }
        var checks = try S3PayloadChecks(headers: request.headers)
        checks.update(collected)
        try checks.finish()
        var checksums: [String: String] = [:]
        for (name, value) in request.headers.map({ ($0.name.lowercased(), $0.value) }) + trailers.map({ ($0.key, $0.value) }) {
            if let algorithm = S3ChecksumAlgorithm(headerName: name) { checksums[algorithm.rawValue] = value }
        }
        return S3Payload(bytes: Data(collected), checksums: checksums)
    }
}
