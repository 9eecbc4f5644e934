import Crypto

/// Decodes a `Content-Encoding: aws-chunked` body incrementally, bytes in as they arrive, payload out.
///
/// The framing (AWS "SigV4 streaming" and "trailing checksums"):
/// ```
/// 400;chunk-signature=<64 hex>\r\n      chunk size in hex; the signature only in the signed forms
/// <1024 bytes>\r\n
/// 0;chunk-signature=<64 hex>\r\n        the final, empty chunk
/// x-amz-checksum-crc32:sOO8/Q==\r\n     trailers: only the one x-amz-trailer named
/// x-amz-trailer-signature:<64 hex>\r\n  only in STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
/// \r\n
/// ```
/// A chunk's signature is the HMAC, under the request's signing key, of `AWS4-HMAC-SHA256-PAYLOAD\n<amz date>\n
/// <scope>\n<previous signature>\n<SHA-256 of "">\n<SHA-256 of the chunk's data>`, the first chunk chaining from
/// the request's own signature; the trailer's is of `AWS4-HMAC-SHA256-TRAILER\n<amz date>\n<scope>\n<previous
/// signature>\n<SHA-256 of the trailers, each "name:value\n">`.
///
/// Payload bytes are returned as soon as they are framed; a chunk's signature is checked when its data ends, so
/// the caller must not commit anything until `finish()` returns.
public struct AWSChunkedDecoder: Sendable {
    /// The longest chunk-header or trailer line accepted.
    public static let maxLineLength = 4096

    private enum State: Sendable {
        case chunkHeader
        case chunkData(remaining: Int64)
        case chunkEnd(sawCR: Bool)
        case trailer
        case done
    }

    private var state = State.chunkHeader
    private var line: [UInt8] = []
    private let trailerAlgorithm: S3ChecksumAlgorithm?
    private let decodedLength: Int64?
    private var decodedCount: Int64 = 0
    private var checksum: S3Checksum?
    private let signing: ChunkSigningContext?
    private var previousSignature: String
    private var claimedSignature = ""
    private var chunkHash = SHA256()
    private var trailers: [String: String] = [:]
    private var canonicalTrailers: [UInt8] = []
    private var sawTrailerSignature = false

    /// `trailer`: the x-amz-trailer header's value (e.g. "x-amz-checksum-crc32"), nil if none; `decodedLength`:
    /// x-amz-decoded-content-length if sent; `chunkSigning`: from SigV4Authentication for the signed streaming forms
    /// (each chunk signature and the trailer signature are then required and verified), nil for unsigned.
    /// Throws `InvalidRequest` for a trailer other than one x-amz-checksum-* header, `InvalidArgument` for a negative length.
    public init(trailer: String?, decodedLength: Int64?, chunkSigning: ChunkSigningContext?) throws(S3Error) {
        let named = trailer.map(S3HeaderList.trimAll) ?? ""
        if named.isEmpty {
            trailerAlgorithm = nil
        } else {
            guard let algorithm = S3ChecksumAlgorithm(headerName: named) else {
                throw .invalidRequest("The value specified in the x-amz-trailer header is not supported: \(named)")
            }
            trailerAlgorithm = algorithm
        }
        if let decodedLength, decodedLength < 0 {
            throw .invalidArgument("x-amz-decoded-content-length must not be negative.")
        }
        self.decodedLength = decodedLength
        checksum = trailerAlgorithm.map(S3Checksum.init)
        signing = chunkSigning
        previousSignature = chunkSigning?.seedSignature ?? ""
    }

    /// Feeds bytes as they arrive; returns the payload bytes decoded from them (possibly empty). Throws
    /// `InvalidRequest` on malformed framing or bytes after the end, `IncompleteBody` once the payload exceeds
    /// `decodedLength`, `SignatureDoesNotMatch` on a bad chunk or trailer signature.
    public mutating func feed(_ bytes: [UInt8]) throws(S3Error) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            switch state {
            case .chunkHeader, .trailer:
                let byte = bytes[index]
                index += 1
                guard byte == UInt8(ascii: "\n") else {
                    guard line.count < Self.maxLineLength else { throw Self.framing("a chunk header or trailer line is longer than \(Self.maxLineLength) bytes") }
                    line.append(byte)
                    continue
                }
                guard line.last == UInt8(ascii: "\r") else { throw Self.framing("a line ends with LF instead of CRLF") }
                line.removeLast()
                let text = line
                line = []
                if case .chunkHeader = state { try startChunk(text) } else { try readTrailer(text) }
            case .chunkData(let remaining):
                let count = Int(min(Int64(bytes.count - index), remaining))
                let data = Array(bytes[index..<index + count])
                index += count
                checksum?.update(data)
                if signing != nil { chunkHash.update(data: data) }
                out += data
                state = remaining == Int64(count) ? .chunkEnd(sawCR: false) : .chunkData(remaining: remaining - Int64(count))
            case .chunkEnd(let sawCR):
                let byte = bytes[index]
                index += 1
                guard byte == (sawCR ? UInt8(ascii: "\n") : UInt8(ascii: "\r")) else {
                    throw Self.framing("a chunk's data is not followed by CRLF (the chunk is longer than its size says)")
                }
                if sawCR {
                    try verifyChunkSignature()
                    state = .chunkHeader
                } else {
                    state = .chunkEnd(sawCR: true)
                }
            case .done:
                throw Self.framing("bytes follow the end of the aws-chunked body")
            }
        }
        return out
    }

    /// After the last bytes: checks the body ended properly and held `decodedLength` bytes (`IncompleteBody`
    /// otherwise), and the trailer checksum against the payload (`BadDigest` naming the algorithm). Returns the
    /// trailers as [lower-cased name: value] (the trailer signature not included).
    public mutating func finish() throws(S3Error) -> [String: String] {
        guard case .done = state else {
            throw .incompleteBody("The request body ended before the aws-chunked encoding's final chunk and trailer.")
        }
        if let decodedLength, decodedCount != decodedLength {
            throw .incompleteBody("You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header (\(decodedLength) declared, \(decodedCount) sent).")
        }
        if let checksum, let algorithm = trailerAlgorithm {
            guard let value = trailers[algorithm.headerName] else {
                throw .invalidRequest("The x-amz-trailer header names \(algorithm.headerName) but the body's trailer does not have it.")
            }
            guard let expected = S3Base64.decode(value), expected.count == algorithm.byteCount else {
                throw .invalidRequest("Value for \(algorithm.headerName) trailing header is invalid.")
            }
            guard checksum.digest() == expected else {
                throw .badDigest("The \(algorithm.rawValue) you specified did not match the calculated checksum.")
            }
        }
        return trailers
    }

    /// Reads `hex-size[;chunk-signature=<64 hex>]`.
    private mutating func startChunk(_ text: [UInt8]) throws(S3Error) {
        let semicolon = text.firstIndex(of: UInt8(ascii: ";")) ?? text.endIndex
        let sizeDigits = text[..<semicolon]
        guard !sizeDigits.isEmpty, sizeDigits.count <= 15 else { throw Self.framing("a chunk size is not 1 to 15 hex digits") }
        var size: Int64 = 0
        for digit in sizeDigits {
            guard let value = S3Hex.value(digit) else { throw Self.framing("a chunk size is not hexadecimal") }
            size = size << 4 | Int64(value)
        }
        let extensionText = String(decoding: text[semicolon...].dropFirst(), as: UTF8.self)
        if signing != nil {
            let prefix = "chunk-signature="
            guard semicolon != text.endIndex, extensionText.hasPrefix(prefix),
                  S3Hex.isLowerHex(String(extensionText.dropFirst(prefix.count)), count: 64) else {
                throw Self.framing("a signed chunk lacks chunk-signature=<64 hex digits>")
            }
            claimedSignature = String(extensionText.dropFirst(prefix.count))
            chunkHash = SHA256()
        } else if semicolon != text.endIndex {
            throw Self.framing("an unsigned chunk carries an extension (\(extensionText))")
        }
        if let decodedLength, size > decodedLength - decodedCount {
            throw .incompleteBody("You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header: the body holds more than the \(decodedLength) bytes declared.")
        }
        decodedCount += size
        if size == 0 {
            try verifyChunkSignature()
            state = .trailer
        } else {
            state = .chunkData(remaining: size)
        }
    }

    private mutating func verifyChunkSignature() throws(S3Error) {
        guard let signing else { return }
        let dataHash = S3Hex.encode(chunkHash.finalize())
        let stringToSign = "AWS4-HMAC-SHA256-PAYLOAD\n\(signing.amzDate)\n\(signing.scope)\n\(previousSignature)\n\(SigV4Canonical.emptyHash)\n\(dataHash)"
        let expected = SigV4Canonical.hmacHex(key: signing.signingKey, Array(stringToSign.utf8))
        guard S3Hex.constantTimeEqual(Array(expected.utf8), Array(claimedSignature.utf8)) else {
            throw .signatureDoesNotMatch("The chunk signature we calculated does not match the signature you provided. Check your key and signing method.")
        }
        previousSignature = expected
    }

    /// Reads one trailer line, or the empty line that ends the body.
    private mutating func readTrailer(_ text: [UInt8]) throws(S3Error) {
        if text.isEmpty {
            if signing?.signedTrailer == true && !sawTrailerSignature {
                throw Self.framing("the trailer lacks x-amz-trailer-signature")
            }
            state = .done
            return
        }
        guard !sawTrailerSignature else { throw Self.framing("a trailer follows x-amz-trailer-signature") }
        guard let colon = text.firstIndex(of: UInt8(ascii: ":")) else { throw Self.framing("a trailer line is not name:value") }
        let name = String(decoding: text[..<colon], as: UTF8.self).lowercased()
        let value = S3HeaderList.trimAll(String(decoding: text[(colon + 1)...], as: UTF8.self))
        if name == "x-amz-trailer-signature" {
            guard let signing, signing.signedTrailer else { throw Self.framing("an unsigned body carries x-amz-trailer-signature") }
            let stringToSign = "AWS4-HMAC-SHA256-TRAILER\n\(signing.amzDate)\n\(signing.scope)\n\(previousSignature)\n\(SigV4Canonical.sha256Hex(canonicalTrailers))"
            let expected = SigV4Canonical.hmacHex(key: signing.signingKey, Array(stringToSign.utf8))
            guard S3Hex.constantTimeEqual(Array(expected.utf8), Array(value.utf8)) else {
                throw .signatureDoesNotMatch("The trailer signature we calculated does not match the signature you provided. Check your key and signing method.")
            }
            sawTrailerSignature = true
            return
        }
        guard let trailerAlgorithm, name == trailerAlgorithm.headerName else {
            throw .invalidRequest("The body's trailer \(name) was not named in the x-amz-trailer header.")
        }
        guard trailers[name] == nil else { throw Self.framing("the trailer \(name) is given twice") }
        trailers[name] = value
        canonicalTrailers += Array("\(name):\(value)\n".utf8)
    }

    private static func framing(_ detail: String) -> S3Error {
        .invalidRequest("The aws-chunked body is malformed: \(detail).")
    }
}
