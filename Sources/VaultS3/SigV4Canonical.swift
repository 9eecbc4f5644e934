import Crypto

/// The pieces of SigV4 shared by request and chunk signatures: the canonical request, hashes and the signing key.
enum SigV4Canonical {
    static func request(method: String, rawPath: String, query: SigV4Query, presigned: Bool, signedHeaders: [String],
                        headers: S3HeaderList, payloadHash: String) throws(S3Error) -> String {
        var lines: [String] = [method, try path(rawPath), canonicalQuery(query, excludeSignature: presigned)]
        for name in signedHeaders { lines.append("\(name):\(headers.canonicalValue(name))") }
        lines.append("")
        lines.append(signedHeaders.joined(separator: ";"))
        lines.append(payloadHash)
        return lines.joined(separator: "\n")
    }

    /// The raw path's segments each decoded and re-encoded, `/` kept; "/" for an empty path. S3 does not
    /// normalize `.` or `..` segments nor encode twice.
    static func path(_ rawPath: String) throws(S3Error) -> String {
        guard !rawPath.isEmpty else { return "/" }
        var out: [UInt8] = []
        var first = true
        for segment in rawPath.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if !first { out.append(UInt8(ascii: "/")) }
            first = false
            guard let decoded = S3URIEncoding.decodeBytes(segment) else {
                throw .invalidURI("Couldn't parse the specified URI: a % in the path is not followed by two hexadecimal digits.")
            }
            out += S3URIEncoding.encodeBytes(decoded, keepSlash: false)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Every parameter as `name=value`, both re-encoded, sorted by encoded name then value, joined with `&`;
    /// a presigned URL's X-Amz-Signature left out.
    static func canonicalQuery(_ query: SigV4Query, excludeSignature: Bool) -> String {
        let signatureName = Array("X-Amz-Signature".utf8)
        let pairs = query.parameters
            .filter { !(excludeSignature && $0.name == signatureName) }
            .map { (S3URIEncoding.encodeBytes($0.name, keepSlash: false), S3URIEncoding.encodeBytes($0.value, keepSlash: false)) }
            .sorted { a, b in a.0 != b.0 ? a.0.lexicographicallyPrecedes(b.0) : a.1.lexicographicallyPrecedes(b.1) }
        var out: [UInt8] = []
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            out += pair.0
            out.append(UInt8(ascii: "="))
            out += pair.1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String { S3Hex.encode(SHA256.hash(data: bytes)) }

    static func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
    }

    static func hmacHex(key: [UInt8], _ data: [UInt8]) -> String { S3Hex.encode(hmac(key: key, data)) }

    /// HMAC chain `"AWS4" + secret` → date → region → service → `aws4_request`.
    static func signingKey(secret: String, date: String, region: String, service: String) -> [UInt8] {
        var key = hmac(key: Array("AWS4\(secret)".utf8), Array(date.utf8))
        key = hmac(key: key, Array(region.utf8))
        key = hmac(key: key, Array(service.utf8))
        return hmac(key: key, Array("aws4_request".utf8))
    }

    /// The hex SHA-256 of no bytes, which chunk signatures carry in place of headers.
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
}
