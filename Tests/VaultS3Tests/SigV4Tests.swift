import Testing
import VaultS3

@Suite("SigV4 verification against requests botocore signed")
struct SigV4Tests {
    let file = VectorFile.shared

    @Test("every botocore-signed request verifies and reports its payload signing, key and expiry")
    func everyVectorVerifies() {
        #expect(file.requests.count >= 14)
        for vector in file.requests {
            let auth: SigV4Authentication
            do {
                auth = try SigV4.authenticate(vector.signed, nowMillis: vector.nowMillis, secret: file.secretLookup)
            } catch {
                Issue.record("\(vector.name): \(error)")
                continue
            }
            #expect(auth.accessKeyId == file.accessKeyId, "\(vector.name)")
            #expect(auth.presigned == vector.presigned, "\(vector.name)")
            #expect(auth.expiresAtMillis == vector.expiresAtMillis, "\(vector.name)")
            let expected: PayloadSigning = switch vector.payload {
            case "UNSIGNED-PAYLOAD": .unsigned
            case "STREAMING-UNSIGNED-PAYLOAD-TRAILER": .streamingUnsignedTrailer
            case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD": .streamingSigned
            case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER": .streamingSignedTrailer
            default: .sha256(hex: vector.payload)
            }
            #expect(auth.payload == expected, "\(vector.name)")
            #expect((auth.chunkSigning != nil) == (expected == .streamingSigned || expected == .streamingSignedTrailer), "\(vector.name)")
        }
    }

    @Test("a flipped character in the signature, path, query or a signed header value fails with SignatureDoesNotMatch")
    func flippedBytesFail() {
        for vector in file.requests {
            var request = vector.signed
            // The signature: its last hex digit changed.
            if vector.presigned {
                request.rawQuery = flipLastHexDigit(request.rawQuery)
            } else {
                let index = request.headers.firstIndex { $0.name == "Authorization" }!
                request.headers[index].value = flipLastHexDigit(request.headers[index].value)
            }
            #expect(errorCode { try SigV4.authenticate(request, nowMillis: vector.nowMillis, secret: file.secretLookup) } == "SignatureDoesNotMatch",
                    "signature of \(vector.name)")

            request = vector.signed
            request.rawPath = request.rawPath.replacingFirst("audit-bucket", with: "audit-buckeT")
            #expect(errorCode { try SigV4.authenticate(request, nowMillis: vector.nowMillis, secret: file.secretLookup) } == "SignatureDoesNotMatch",
                    "path of \(vector.name)")

            request = vector.signed
            request.rawQuery = request.rawQuery.isEmpty ? "x" : "x&" + request.rawQuery
            #expect(errorCode { try SigV4.authenticate(request, nowMillis: vector.nowMillis, secret: file.secretLookup) } == "SignatureDoesNotMatch",
                    "query of \(vector.name)")

            request = vector.signed
            let host = request.headers.firstIndex { $0.name.lowercased() == "host" }!
            request.headers[host].value += "x"
            #expect(errorCode { try SigV4.authenticate(request, nowMillis: vector.nowMillis, secret: file.secretLookup) } == "SignatureDoesNotMatch",
                    "host header of \(vector.name)")

            request = vector.signed
            request.method = vector.method == "GET" ? "HEAD" : "GET"
            #expect(errorCode { try SigV4.authenticate(request, nowMillis: vector.nowMillis, secret: file.secretLookup) } == "SignatureDoesNotMatch",
                    "method of \(vector.name)")
        }
    }

    @Test("changing a signed x-amz-meta header, dropping a repeated value, or the payload hash fails")
    func signedHeadersAreCovered() {
        let vector = file.request(named: "repeated header and inner spaces")
        var request = vector.signed
        request.headers.removeAll { $0.name == "X-Amz-Meta-Tag" && $0.value == "second" }
        #expect(errorCode { try SigV4.authenticate(request, nowMillis: vector.nowMillis, secret: file.secretLookup) } == "SignatureDoesNotMatch")

        request = vector.signed
        let note = request.headers.firstIndex { $0.name == "X-Amz-Meta-Note" }!
        request.headers[note].value = "two spaces and tab"
        // Same after trimming and collapsing: still verifies (the canonical form is what is signed)...
        #expect(errorCode { try SigV4.authenticate(request, nowMillis: vector.nowMillis, secret: file.secretLookup) } == nil)
        // ...but a different word does not.
        request.headers[note].value = "two spaces and tabs"
        #expect(errorCode { try SigV4.authenticate(request, nowMillis: vector.nowMillis, secret: file.secretLookup) } == "SignatureDoesNotMatch")

        request = vector.signed
        let hash = request.headers.firstIndex { $0.name == "X-Amz-Content-SHA256" }!
        request.headers[hash].value = "UNSIGNED-PAYLOAD"
        #expect(errorCode { try SigV4.authenticate(request, nowMillis: vector.nowMillis, secret: file.secretLookup) } == "SignatureDoesNotMatch")
    }

    @Test("header names may arrive in any case")
    func headerNameCase() throws {
        let vector = file.request(named: "put, unicode key, payload signed")
        var request = vector.signed
        request.headers = request.headers.map { ($0.name.uppercased(), $0.value) }
        _ = try SigV4.authenticate(request, nowMillis: vector.nowMillis, secret: file.secretLookup)
    }

    @Test("a wrong secret fails; an unknown access key is InvalidAccessKeyId")
    func wrongSecret() {
        for vector in file.requests {
            #expect(errorCode { try SigV4.authenticate(vector.signed, nowMillis: vector.nowMillis, secret: { _ in "wrong" + file.secret }) }
                    == "SignatureDoesNotMatch", "\(vector.name)")
            #expect(errorCode { try SigV4.authenticate(vector.signed, nowMillis: vector.nowMillis, secret: { _ in nil }) }
                    == "InvalidAccessKeyId", "\(vector.name)")
        }
    }

    @Test("header authentication allows 15 minutes of clock skew either way, not more")
    func skew() {
        let vector = file.request(named: "get, space in key, payload signed (empty)")
        let signedAt = file.signedAtMillis
        let limit = SigV4.maxClockSkewMillis
        #expect(limit == 900_000)
        for now in [signedAt - limit, signedAt + limit] {
            #expect(errorCode { try SigV4.authenticate(vector.signed, nowMillis: now, secret: file.secretLookup) } == nil)
        }
        for now in [signedAt - limit - 1, signedAt + limit + 1] {
            let error = s3Error { try SigV4.authenticate(vector.signed, nowMillis: now, secret: file.secretLookup) }
            #expect(error?.code == "RequestTimeTooSkewed")
            #expect(error?.status == 403)
        }
    }

    @Test("a presigned URL works until its expiry, then is AccessDenied 'Request has expired'; not before its date")
    func presignedExpiry() {
        let vector = file.request(named: "presigned get, unicode key")
        let expiry = vector.expiresAtMillis!
        #expect(expiry == file.signedAtMillis + 3_600_000)
        #expect(errorCode { try SigV4.authenticate(vector.signed, nowMillis: expiry, secret: file.secretLookup) } == nil)
        let expired = s3Error { try SigV4.authenticate(vector.signed, nowMillis: expiry + 1, secret: file.secretLookup) }
        #expect(expired == .accessDenied("Request has expired"))
        let early = s3Error { try SigV4.authenticate(vector.signed, nowMillis: file.signedAtMillis - SigV4.maxClockSkewMillis - 1, secret: file.secretLookup) }
        #expect(early?.code == "AccessDenied")
    }

    @Test("X-Amz-Expires must be 1...604800 seconds")
    func presignedExpiresRange() {
        let vector = file.request(named: "presigned get with versionId, one week")
        #expect(errorCode { try SigV4.authenticate(vector.signed, nowMillis: vector.nowMillis, secret: file.secretLookup) } == nil)
        for bad in ["604801", "0", "-5", "1e3", ""] {
            var request = vector.signed
            request.rawQuery = request.rawQuery.replacingFirst("X-Amz-Expires=604800", with: "X-Amz-Expires=\(bad)")
            #expect(errorCode { try SigV4.authenticate(request, nowMillis: vector.nowMillis, secret: file.secretLookup) }
                    == "AuthorizationQueryParametersError", "X-Amz-Expires=\(bad)")
        }
    }

    @Test("a request without credentials is AccessDenied; with both forms InvalidArgument")
    func noCredentials() {
        let vector = file.request(named: "get, space in key, payload signed (empty)")
        var request = vector.signed
        request.headers.removeAll { $0.name == "Authorization" }
        #expect(errorCode { try SigV4.authenticate(request, nowMillis: vector.nowMillis, secret: file.secretLookup) } == "AccessDenied")

        let presigned = file.request(named: "presigned get, unicode key")
        request = presigned.signed
        request.headers.append(vector.headers.first { $0[0] == "Authorization" }.map { ($0[0], $0[1]) }!)
        #expect(errorCode { try SigV4.authenticate(request, nowMillis: presigned.nowMillis, secret: file.secretLookup) } == "InvalidArgument")
    }

    @Test("header authentication without x-amz-content-sha256 is InvalidRequest, as S3 says")
    func missingContentSHA256() {
        let vector = file.request(named: "get, space in key, payload signed (empty)")
        var request = vector.signed
        request.headers.removeAll { $0.name == "X-Amz-Content-SHA256" }
        let error = s3Error { try SigV4.authenticate(request, nowMillis: vector.nowMillis, secret: file.secretLookup) }
        #expect(error == .invalidRequest("Missing required header for this request: x-amz-content-sha256"))

        request = vector.signed
        let index = request.headers.firstIndex { $0.name == "X-Amz-Content-SHA256" }!
        request.headers[index].value = "not-a-hash"
        #expect(errorCode { try SigV4.authenticate(request, nowMillis: vector.nowMillis, secret: file.secretLookup) } == "InvalidArgument")
    }

    @Test("malformed Authorization headers are AuthorizationHeaderMalformed")
    func malformedHeaders() {
        let vector = file.request(named: "get, space in key, payload signed (empty)")
        let original = vector.header("Authorization")!
        let signature = String(original.split(separator: "=").last!)
        let cases = [
            "AWS4-HMAC-SHA256 Credential=\(file.accessKeyId)/20261204/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date",
            "AWS4-HMAC-SHA256 Credential=\(file.accessKeyId)/20261204/us-east-1/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=\(signature)",
            "AWS4-HMAC-SHA256 Credential=\(file.accessKeyId)/20261204/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=\(signature)",
            "AWS4-HMAC-SHA256 Credential=\(file.accessKeyId)/20261204/us-east-1/s3/aws5_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=\(signature)",
            "AWS4-HMAC-SHA256 Credential=\(file.accessKeyId)/20261205/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=\(signature)",
            "AWS4-HMAC-SHA256 Credential=\(file.accessKeyId)/20261204/us-east-1/s3/aws4_request, SignedHeaders=x-amz-content-sha256;x-amz-date, Signature=\(signature)",
            "AWS4-HMAC-SHA256 Credential=\(file.accessKeyId)/20261204/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256, Signature=\(signature)",
            "AWS4-HMAC-SHA256 Credential=\(file.accessKeyId)/20261204/us-east-1/s3/aws4_request, SignedHeaders=Host;x-amz-content-sha256;x-amz-date, Signature=\(signature)",
            "HMAC-MD5 Credential=x",
        ]
        for value in cases {
            var request = vector.signed
            let index = request.headers.firstIndex { $0.name == "Authorization" }!
            request.headers[index].value = value
            #expect(errorCode { try SigV4.authenticate(request, nowMillis: vector.nowMillis, secret: file.secretLookup) }
                    == "AuthorizationHeaderMalformed", "\(value)")
        }
    }

    @Test("a presigned URL missing a parameter is AuthorizationQueryParametersError")
    func malformedQuery() {
        let vector = file.request(named: "presigned put, + and = in key")
        for name in ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"] {
            var request = vector.signed
            request.rawQuery = request.rawQuery.split(separator: "&").filter { !$0.hasPrefix(name + "=") }.joined(separator: "&")
            #expect(errorCode { try SigV4.authenticate(request, nowMillis: vector.nowMillis, secret: file.secretLookup) }
                    == "AuthorizationQueryParametersError", "without \(name)")
        }
    }

    @Test("AWS's published GET Object example verifies")
    func awsDocumentationGetObjectExample() throws {
        // "Example: GET Object" of AWS's "Signature Calculations for the Authorization Header: Transferring Payload in a
        // Single Chunk", with its published signature.
        let request = S3SignedRequest(method: "GET", rawPath: "/test.txt", rawQuery: "", headers: [
            ("Host", "examplebucket.s3.amazonaws.com"),
            ("Range", "bytes=0-9"),
            ("x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("x-amz-date", "20130524T000000Z"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
        ])
        let now = S3Time.parseISO8601("2013-05-24T00:00:00Z")!
        let auth = try SigV4.authenticate(request, nowMillis: now, secret: { $0 == "AKIAIOSFODNN7EXAMPLE" ? "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" : nil })
        #expect(auth.payload == .sha256(hex: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}

/// The string with its last hexadecimal digit replaced by another one.
func flipLastHexDigit(_ text: String) -> String {
    var chars = Array(text)
    let index = chars.lastIndex { $0.isHexDigit }!
    chars[index] = chars[index] == "0" ? "1" : "0"
    return String(chars)
}
