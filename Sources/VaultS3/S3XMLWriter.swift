/// Writes S3's XML answers: the XML declaration, then the root element in S3's namespace.
/// ```
/// var x = S3XMLWriter(root: "ListBucketResult")
/// x.element("Name", "audit")
/// x.open("Contents"); x.element("Key", "a&b"); x.close("Contents")
/// x.bytes()  // <?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
///            // <Name>audit</Name><Contents><Key>a&amp;b</Key></Contents></ListBucketResult>
/// ```
/// Text is escaped as S3 escapes it: `& < > " '` as entities, control characters (tab, line feed and carriage
/// return included) as `&#xN;` references. Names are the caller's constants and are written as given.
public struct S3XMLWriter: Sendable {
    public static let namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

    private var out: [UInt8]
    private var open: [String]

    /// Starts a document whose root element carries `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`.
    public init(root: String) {
        self.init(root: root, namespace: Self.namespace)
    }

    /// Starts a document whose root carries `namespace`, or none (S3's `<Error>` has none).
    init(root: String, namespace: String?) {
        out = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<\(root)".utf8)
        if let namespace { out += Array(" xmlns=\"\(namespace)\"".utf8) }
        out.append(UInt8(ascii: ">"))
        open = [root]
    }

    /// Writes `<name>text</name>` inside the element open last.
    public mutating func element(_ name: String, _ text: String) {
        precondition(!open.isEmpty, "S3XMLWriter: element after the root was closed")
        out += Array("<\(name)>".utf8)
        Self.escape(text, into: &out)
        out += Array("</\(name)>".utf8)
    }

    /// Opens `<name>`; elements written next go inside it until `close(name)`.
    public mutating func open(_ name: String) {
        precondition(!open.isEmpty, "S3XMLWriter: element after the root was closed")
        out += Array("<\(name)>".utf8)
        open.append(name)
    }

    /// Closes the element opened last, which must be `name` (a mismatch is a programming error and stops the program).
    public mutating func close(_ name: String) {
        precondition(open.last == name, "S3XMLWriter: close(\(name)) but the open element is \(open.last ?? "none")")
        open.removeLast()
        out += Array("</\(name)>".utf8)
    }

    /// The document, every element still open (the root at least) closed.
    public func bytes() -> [UInt8] {
        var result = out
        for name in open.reversed() { result += Array("</\(name)>".utf8) }
        return result
    }

    static func escape(_ text: String, into out: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): out += Array("&amp;".utf8)
            case UInt8(ascii: "<"): out += Array("&lt;".utf8)
            case UInt8(ascii: ">"): out += Array("&gt;".utf8)
            case UInt8(ascii: "\""): out += Array("&quot;".utf8)
            case UInt8(ascii: "'"): out += Array("&apos;".utf8)
            case 0x00..<0x20: out += Array("&#x\(String(byte, radix: 16, uppercase: true));".utf8)
            default: out.append(byte)
            }
        }
    }
}

extension S3Error {
    /// The XML error body S3 answers with:
    /// `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>…</Code><Message>…</Message><Resource>…</Resource><RequestId>…</RequestId></Error>`;
    /// `resource` is the request path (decoded), `requestId` the id also sent in `x-amz-request-id`.
    public func xmlBody(resource: String, requestId: String) -> [UInt8] {
        var writer = S3XMLWriter(root: "Error", namespace: nil)
        writer.element("Code", code)
        writer.element("Message", message)
        writer.element("Resource", resource)
        writer.element("RequestId", requestId)
        return writer.bytes()
    }
}
