import Hummingbird
import VaultS3

/// An S3 request as the endpoint reads it: path-style addressing (`/bucket/key`), the raw path and
/// query exactly as sent (Signature V4 signs those bytes), the decoded bucket, key and query
/// parameters, and the header list.
struct S3Request {
    let method: String
    let rawPath: String
    let rawQuery: String
    /// The bucket, or nil for the service (`GET /`).
    let bucket: String?
    /// The object key, or nil for a bucket request.
    let key: String?
    let query: [String: String]
    let headers: [(name: String, value: String)]

    init(_ request: Request) throws(S3Error) {
        method = request.method.rawValue
        let target = request.head.path ?? "/"
        if let mark = target.firstIndex(of: "?") {
            rawPath = String(target[..<mark])
            rawQuery = String(target[target.index(after: mark)...])
        } else {
            (rawPath, rawQuery) = (target, "")
        }
        guard rawPath.hasPrefix("/") else { throw .invalidRequest("the request target must be a path") }
        let trimmed = rawPath.dropFirst()
        if trimmed.isEmpty {
            (bucket, key) = (nil, nil)
        } else if let slash = trimmed.firstIndex(of: "/") {
            bucket = try S3URIEncoding.decode(trimmed[..<slash])
            let rest = trimmed[trimmed.index(after: slash)...]
            key = rest.isEmpty ? nil : try S3URIEncoding.decode(rest)
        } else {
            (bucket, key) = (try S3URIEncoding.decode(trimmed), nil)
        }
        var query: [String: String] = [:]
        for (name, value) in try S3URIEncoding.queryParameters(rawQuery) where query[name] == nil { query[name] = value }
        self.query = query
        // HTTP/1.1's Host header arrives as the request's authority, not among its fields; Signature V4 signs it.
        headers = [(name: "host", value: request.head.authority ?? "")]
            + request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
    }

    /// The first value of a header, by case-insensitive name.
    func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    func has(_ parameter: String) -> Bool { query[parameter] != nil }

    /// `x-amz-meta-*` headers, by the name after the prefix (lower-cased, as S3 keeps them).
    var userMetadata: [String: String] {
        var metadata: [String: String] = [:]
        for (name, value) in headers where name.lowercased().hasPrefix("x-amz-meta-") {
            metadata[String(name.lowercased().dropFirst("x-amz-meta-".count))] = value
        }
        return metadata
    }

    var signed: S3SignedRequest {
        S3SignedRequest(method: method, rawPath: rawPath, rawQuery: rawQuery, headers: headers)
    }

    /// The operation's name for metrics, from a bounded set: `PUT object`, `GET bucket?versions`, ...
    var operationLabel: String {
        let target = bucket == nil ? "service" : key == nil ? "bucket" : "object"
        let subresources = ["versioning", "object-lock", "location", "versions", "uploads", "uploadId", "retention",
                            "legal-hold", "delete"]
        let method = ["GET", "HEAD", "PUT", "POST", "DELETE"].contains(self.method) ? self.method : "OTHER"
        return "\(method) \(target)" + (subresources.first(where: has).map { "?" + $0 } ?? "")
    }

    /// The resource named in error bodies.
    var resource: String { rawPath }
}
