/// A request's headers looked up by lower-cased name, every value kept in arrival order.
struct S3HeaderList {
    private var values: [String: [String]] = [:]

    init(_ headers: [(name: String, value: String)]) {
        for (name, value) in headers { values[name.lowercased(), default: []].append(value) }
    }

    /// Every value of `name` (lower-case), in order.
    func all(_ name: String) -> [String] { values[name] ?? [] }

    /// The one value of `name`; nil if absent. Throws `InvalidArgument` if the header is repeated.
    func single(_ name: String) throws(S3Error) -> String? {
        let found = all(name)
        guard found.count <= 1 else { throw .invalidArgument("The header \(name) was given more than once.") }
        return found.first
    }

    /// SigV4's canonical form of a header's values: each trimmed, runs of spaces and tabs inside it made one
    /// space, then all joined with ",". "" for an absent header.
    func canonicalValue(_ name: String) -> String {
        all(name).map(Self.trimAll).joined(separator: ",")
    }

    static func trimAll(_ value: String) -> String {
        var out: [UInt8] = []
        var pendingSpace = false
        for byte in value.utf8 {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(UInt8(ascii: " ")) }
                pendingSpace = false
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
