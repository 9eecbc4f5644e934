import Foundation
import Testing
import VaultS3

@Suite("aws-chunked bodies")
struct AWSChunkedDecoderTests {
    /// botocore's unsigned form with a CRC32 trailer, for "hello world" (CRC32 0x0D4A1185 → DUoRhQ==).
    static let helloWorld = bytes("6\r\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n")

    static func decodeAll(_ body: [UInt8], trailer: String? = "x-amz-checksum-crc32", decodedLength: Int64? = 11,
                          signing: ChunkSigningContext? = nil, splits: [Int] = []) throws -> (payload: [UInt8], trailers: [String: String]) {
        var decoder = try AWSChunkedDecoder(trailer: trailer, decodedLength: decodedLength, chunkSigning: signing)
        var payload: [UInt8] = []
        var start = 0
        for split in splits + [body.count] {
            payload += try decoder.feed(Array(body[start..<split]))
            start = split
        }
        return (payload, try decoder.finish())
    }

    @Test("a small body decodes the same however it is split, at every byte boundary and byte by byte")
    func everySplit() throws {
        let body = Self.helloWorld
        for split in 0...body.count {
            let result = try Self.decodeAll(body, splits: [split])
            #expect(result.payload == bytes("hello world"), "split at \(split)")
            #expect(result.trailers == ["x-amz-checksum-crc32": "DUoRhQ=="])
        }
        let byteByByte = try Self.decodeAll(body, splits: Array(1..<body.count))
        #expect(byteByByte.payload == bytes("hello world"))
    }

    @Test("a trailer CRC that does not match the payload is BadDigest naming CRC32")
    func badCRC() {
        let body = bytes("6\r\nhello \r\n5\r\nworlD\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n")
        let error = s3Error { try Self.decodeAll(body) }
        #expect(error == .badDigest("The CRC32 you specified did not match the calculated checksum."))
    }

    @Test("a body shorter than x-amz-decoded-content-length is IncompleteBody at finish; a longer one as soon as it shows")
    func decodedLength() {
        #expect(errorCode { try Self.decodeAll(Self.helloWorld, decodedLength: 12) } == "IncompleteBody")
        var decoder = try! AWSChunkedDecoder(trailer: "x-amz-checksum-crc32", decodedLength: 10, chunkSigning: nil)
        #expect(errorCode { try decoder.feed(Array(Self.helloWorld.prefix(11))) } == nil)
        #expect(errorCode { try decoder.feed(Array(Self.helloWorld.dropFirst(11))) } == "IncompleteBody")
    }

    @Test("a body cut anywhere before its final CRLF is IncompleteBody")
    func truncated() {
        for cut in 0..<Self.helloWorld.count {
            #expect(errorCode { try Self.decodeAll(Array(Self.helloWorld.prefix(cut))) } == "IncompleteBody", "cut at \(cut)")
        }
    }

    @Test("malformed framing is InvalidRequest")
    func malformedFraming() {
        let bodies = [
            "5\r\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n",     // chunk longer than its size
            "6\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n",       // LF without CR
            "g\r\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n",     // not hex
            "6;chunk-signature=00\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n",                    // an extension on an unsigned body
            "6\r\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\nextra", // bytes after the end
            "6\r\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-sha1:DUoRhQ==\r\n\r\n",      // a trailer not declared
            "6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n",                                        // the declared trailer missing
            "6\r\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-crc32:DUoRhQ\r\n\r\n",       // not base64 of 4 bytes
        ]
        for body in bodies {
            #expect(errorCode { try Self.decodeAll(bytes(body)) } == "InvalidRequest", "\(body.debugDescription)")
        }
        #expect(errorCode { try AWSChunkedDecoder(trailer: "content-md5", decodedLength: nil, chunkSigning: nil) } == "InvalidRequest")
    }

    @Test("without a trailer: botocore's bare 0\\r\\n\\r\\n ending")
    func noTrailer() throws {
        let result = try Self.decodeAll(bytes("3\r\nabc\r\n0\r\n\r\n"), trailer: nil, decodedLength: 3)
        #expect(result.payload == bytes("abc"))
        #expect(result.trailers.isEmpty)
    }

    @Test("AWS's published signed-chunk example: seed, chunk signatures and final chunk verify; a changed byte does not")
    func awsDocumentationExample() throws {
        // "Example: PUT Object" of AWS's "Signature Calculations for the Authorization Header: Transferring Payload in
        // Multiple Chunks": 66,560 bytes of 'a' in a 65,536-byte chunk and a 1,024-byte chunk.
        let request = S3SignedRequest(method: "PUT", rawPath: "/examplebucket/chunkObject.txt", rawQuery: "", headers: [
            ("Host", "s3.amazonaws.com"),
            ("x-amz-date", "20130524T000000Z"),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"),
            ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
            ("Content-Encoding", "aws-chunked"),
            ("x-amz-decoded-content-length", "66560"),
            ("Content-Length", "66824"),
        ])
        let now = S3Time.parseISO8601("2013-05-24T00:00:00Z")!
        let auth = try SigV4.authenticate(request, nowMillis: now, secret: { _ in "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" })
        #expect(auth.payload == .streamingSigned)
        var body = bytes("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n")
        body += [UInt8](repeating: UInt8(ascii: "a"), count: 65536) + bytes("\r\n")
        body += bytes("400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n")
        body += [UInt8](repeating: UInt8(ascii: "a"), count: 1024) + bytes("\r\n")
        body += bytes("0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n")
        #expect(body.count == 66824)

        let result = try Self.decodeAll(body, trailer: nil, decodedLength: 66560, signing: auth.chunkSigning, splits: [100, 40000, 66000])
        #expect(result.payload == [UInt8](repeating: UInt8(ascii: "a"), count: 66560))

        var changed = body
        changed[50000] = UInt8(ascii: "b")
        #expect(errorCode { try Self.decodeAll(changed, trailer: nil, decodedLength: 66560, signing: auth.chunkSigning) } == "SignatureDoesNotMatch")
        // Without its signatures the body is refused, not read as unsigned.
        let unsignedFraming = bytes("3\r\nabc\r\n0\r\n\r\n")
        #expect(errorCode { try Self.decodeAll(unsignedFraming, trailer: nil, decodedLength: 3, signing: auth.chunkSigning) } == "InvalidRequest")
    }

    @Test("botocore-signed streaming requests: chunk and trailer signatures verify, payload and CRC32C trailer intact")
    func signedVectors() throws {
        let file = VectorFile.shared
        for name in ["streaming signed", "streaming signed with trailer"] {
            let vector = file.request(named: name)
            let auth = try SigV4.authenticate(vector.signed, nowMillis: vector.nowMillis, secret: file.secretLookup)
            let body = [UInt8](Data(base64Encoded: vector.chunkedBody!)!)
            let trailer = vector.header("X-Amz-Trailer")
            let length = Int64(vector.header("X-Amz-Decoded-Content-Length")!)!
            let result = try Self.decodeAll(body, trailer: trailer, decodedLength: length, signing: auth.chunkSigning,
                                            splits: [1, 8000, 8300, 16500])
            var sha256 = S3Checksum(.sha256)
            sha256.update(result.payload)
            #expect(S3HexForTests.hex(sha256.digest()) == vector.decodedSHA256, "\(name)")
            #expect(result.trailers.keys.sorted() == (trailer.map { [$0] } ?? []), "\(name)")

            // A byte of the last chunk's data, or of the trailer's value, changed: the signature chain breaks.
            for offset in [body.count / 2, body.count - 100] {
                var changed = body
                changed[offset] ^= 0x01
                let code = errorCode { try Self.decodeAll(changed, trailer: trailer, decodedLength: length, signing: auth.chunkSigning) }
                #expect(code == "SignatureDoesNotMatch" || code == "InvalidRequest", "\(name) at \(offset)")
            }
            // Decoding with another request's signing context fails on the first chunk.
            let other = try SigV4.authenticate(file.request(named: name == "streaming signed" ? "streaming signed with trailer" : "streaming signed").signed,
                                               nowMillis: vector.nowMillis, secret: file.secretLookup)
            #expect(errorCode { try Self.decodeAll(body, trailer: trailer, decodedLength: length, signing: other.chunkSigning) } == "SignatureDoesNotMatch")
        }
    }

    @Test("a signed trailer whose signature line is altered or missing is refused")
    func signedTrailerTampering() throws {
        let file = VectorFile.shared
        let vector = file.request(named: "streaming signed with trailer")
        let auth = try SigV4.authenticate(vector.signed, nowMillis: vector.nowMillis, secret: file.secretLookup)
        let body = [UInt8](Data(base64Encoded: vector.chunkedBody!)!)
        let length = Int64(vector.header("X-Amz-Decoded-Content-Length")!)!
        let signatureStart = body.firstRange(of: bytes("x-amz-trailer-signature:"))!.lowerBound
        let beforeSignature = Array(body[..<signatureStart])
        let signatureLine = String(decoding: body[signatureStart...], as: UTF8.self)
        #expect(signatureLine.hasSuffix("\r\n\r\n"))

        let flipped = beforeSignature + bytes(flipLastHexDigit(String(signatureLine.dropLast(4))) + "\r\n\r\n")
        #expect(errorCode { try Self.decodeAll(flipped, trailer: "x-amz-checksum-crc32c", decodedLength: length, signing: auth.chunkSigning) }
                == "SignatureDoesNotMatch")
        let missing = beforeSignature + bytes("\r\n")
        #expect(errorCode { try Self.decodeAll(missing, trailer: "x-amz-checksum-crc32c", decodedLength: length, signing: auth.chunkSigning) }
                == "InvalidRequest")
    }
}

enum S3HexForTests {
    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
