/// A raw query split into parameters whose names and values are decoded to bytes (a `+` stays a `+`), for the
/// canonical query string and for the presigned URL's X-Amz-* parameters.
struct SigV4Query {
    struct Parameter {
        let name: [UInt8]
        let value: [UInt8]
    }

    let parameters: [Parameter]

    /// The parameters that carry query authentication; any of them means the request is presigned.
    static let authenticationNames = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date",
                                      "X-Amz-SignedHeaders", "X-Amz-Expires"]

    /// Throws `InvalidURI` for a `%` without two hex digits.
    init(rawQuery: String) throws(S3Error) {
        var parameters: [Parameter] = []
        for piece in rawQuery.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let (name, value) = S3URIEncoding.splitParameter(piece)
            guard let decodedName = S3URIEncoding.decodeBytes(name), let decodedValue = S3URIEncoding.decodeBytes(value) else {
                throw .invalidURI("Couldn't parse the specified URI: a % in the query is not followed by two hexadecimal digits.")
            }
            parameters.append(Parameter(name: decodedName, value: decodedValue))
        }
        self.parameters = parameters
    }

    var hasAuthenticationParameters: Bool {
        Self.authenticationNames.contains { self.count($0) > 0 }
    }

    func count(_ name: String) -> Int {
        let bytes = Array(name.utf8)
        return parameters.reduce(0) { $0 + ($1.name == bytes ? 1 : 0) }
    }

    /// The value of the parameter named exactly `name`, decoded as UTF-8; nil if absent. Throws
    /// `AuthorizationQueryParametersError` if it is repeated.
    func single(_ name: String) throws(S3Error) -> String? {
        let bytes = Array(name.utf8)
        let found = parameters.filter { $0.name == bytes }
        guard found.count <= 1 else {
            throw .authorizationQueryParametersError("The query parameter \(name) was given more than once.")
        }
        return found.first.map { String(decoding: $0.value, as: UTF8.self) }
    }
}
