/// An element of one of the small XML documents S3 takes: its name, attributes, child elements and character data.
struct S3XMLElement {
    var name: String
    var attributes: [(name: String, value: String)] = []
    var children: [S3XMLElement] = []
    /// The character data directly inside the element, entities and CDATA resolved.
    var text = ""
}

/// A strict reader for S3's request documents: UTF-8, one root element, elements, attributes, character data,
/// CDATA, comments, the five predefined entities and character references. It refuses what those documents never
/// need and what makes XML dangerous to read: DOCTYPE (so no entity definitions), processing instructions other
/// than the XML declaration, mixed content. Every refusal is `MalformedXML` saying what was wrong.
enum S3XMLReader {
    /// The largest document read (a DeleteObjects of 1,000 keys of 1,024 bytes fits several times).
    static let maxBytes = 4 << 20
    static let maxDepth = 16
    static let maxElements = 20_000

    static func parse(_ bytes: [UInt8]) throws(S3Error) -> S3XMLElement {
        guard bytes.count <= maxBytes else { throw malformed("the document is larger than \(maxBytes) bytes") }
        guard String(validating: bytes, as: UTF8.self) != nil else { throw malformed("the document is not UTF-8") }
        var cursor = Cursor(bytes: bytes)
        if cursor.hasPrefix([0xEF, 0xBB, 0xBF]) { cursor.index += 3 }
        if cursor.hasPrefix("<?xml") {
            guard let end = cursor.find("?>") else { throw malformed("the XML declaration is not closed") }
            cursor.index = end + 2
        }
        try cursor.skipMisc()
        guard cursor.peek == UInt8(ascii: "<") else { throw malformed("there is no root element") }
        let root = try cursor.element(depth: 0)
        try cursor.skipMisc()
        guard cursor.atEnd else { throw malformed("there is content after the root element") }
        return root
    }

    static func malformed(_ detail: String) -> S3Error {
        .malformedXML("The XML you provided was not well-formed or did not validate against our published schema: \(detail).")
    }

    private struct Cursor {
        let bytes: [UInt8]
        var index = 0
        var elementCount = 0

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        func hasPrefix(_ prefix: [UInt8]) -> Bool {
            index + prefix.count <= bytes.count && bytes[index..<index + prefix.count].elementsEqual(prefix)
        }

        func hasPrefix(_ prefix: String) -> Bool { hasPrefix(Array(prefix.utf8)) }

        /// The index where `needle` next starts, from the cursor on.
        func find(_ needle: String) -> Int? {
            let pattern = Array(needle.utf8)
            var at = index
            while at + pattern.count <= bytes.count {
                if bytes[at..<at + pattern.count].elementsEqual(pattern) { return at }
                at += 1
            }
            return nil
        }

        mutating func skipSpace() {
            while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        /// Skips white space and comments; refuses DOCTYPE and processing instructions.
        mutating func skipMisc() throws(S3Error) {
            while true {
                skipSpace()
                if hasPrefix("<!--") {
                    try skipComment()
                } else if hasPrefix("<!") {
                    throw S3XMLReader.malformed("DOCTYPE and other declarations are not accepted")
                } else if hasPrefix("<?") {
                    throw S3XMLReader.malformed("processing instructions are not accepted")
                } else {
                    return
                }
            }
        }

        mutating func skipComment() throws(S3Error) {
            index += 4
            guard let end = find("-->") else { throw S3XMLReader.malformed("a comment is not closed") }
            index = end + 3
        }

        static func isNameByte(_ byte: UInt8, first: Bool) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"), UInt8(ascii: ":"), 0x80...0xFF:
                true
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."):
                !first
            default:
                false
            }
        }

        mutating func name() throws(S3Error) -> String {
            let start = index
            while let byte = peek, Self.isNameByte(byte, first: index == start) { index += 1 }
            guard index > start else { throw S3XMLReader.malformed("a name is expected at byte \(start)") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(S3Error) {
            guard peek == byte else { throw S3XMLReader.malformed("\(what) is expected at byte \(index)") }
            index += 1
        }

        /// Reads an element starting at `<`.
        mutating func element(depth: Int) throws(S3Error) -> S3XMLElement {
            guard depth < S3XMLReader.maxDepth else { throw S3XMLReader.malformed("elements nest deeper than \(S3XMLReader.maxDepth)") }
            elementCount += 1
            guard elementCount <= S3XMLReader.maxElements else { throw S3XMLReader.malformed("more than \(S3XMLReader.maxElements) elements") }
            index += 1
            var element = S3XMLElement(name: try name())
            while true {
                let hadSpace = peek.map { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D } ?? false
                skipSpace()
                if hasPrefix("/>") {
                    index += 2
                    return element
                }
                if peek == UInt8(ascii: ">") {
                    index += 1
                    break
                }
                guard hadSpace else { throw S3XMLReader.malformed("the start tag <\(element.name)> is malformed") }
                let attributeName = try name()
                skipSpace()
                try expect(UInt8(ascii: "="), "= after the attribute \(attributeName)")
                skipSpace()
                guard let quote = peek, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                    throw S3XMLReader.malformed("the attribute \(attributeName) is not quoted")
                }
                index += 1
                var value: [UInt8] = []
                while true {
                    guard let byte = peek else { throw S3XMLReader.malformed("an attribute value is not closed") }
                    if byte == quote { index += 1; break }
                    guard byte != UInt8(ascii: "<") else { throw S3XMLReader.malformed("an attribute value holds <") }
                    if byte == UInt8(ascii: "&") { value += try reference() } else { value.append(byte); index += 1 }
                }
                guard !element.attributes.contains(where: { $0.name == attributeName }) else {
                    throw S3XMLReader.malformed("the attribute \(attributeName) is given twice")
                }
                element.attributes.append((attributeName, String(decoding: value, as: UTF8.self)))
            }
            var text: [UInt8] = []
            while true {
                guard let byte = peek else { throw S3XMLReader.malformed("the element <\(element.name)> is not closed") }
                if byte == UInt8(ascii: "&") {
                    text += try reference()
                } else if byte != UInt8(ascii: "<") {
                    text.append(byte)
                    index += 1
                } else if hasPrefix("</") {
                    index += 2
                    let closing = try name()
                    guard closing == element.name else {
                        throw S3XMLReader.malformed("<\(element.name)> is closed by </\(closing)>")
                    }
                    skipSpace()
                    try expect(UInt8(ascii: ">"), "> closing </\(closing)")
                    break
                } else if hasPrefix("<!--") {
                    try skipComment()
                } else if hasPrefix("<![CDATA[") {
                    index += 9
                    guard let end = find("]]>") else { throw S3XMLReader.malformed("a CDATA section is not closed") }
                    text += bytes[index..<end]
                    index = end + 3
                } else if hasPrefix("<!") {
                    throw S3XMLReader.malformed("DOCTYPE and other declarations are not accepted")
                } else if hasPrefix("<?") {
                    throw S3XMLReader.malformed("processing instructions are not accepted")
                } else {
                    element.children.append(try self.element(depth: depth + 1))
                }
            }
            let isSpace = text.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
            guard element.children.isEmpty || isSpace else {
                throw S3XMLReader.malformed("<\(element.name)> mixes text and elements")
            }
            element.text = element.children.isEmpty ? String(decoding: text, as: UTF8.self) : ""
            return element
        }

        /// Reads `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` `&#NN;` `&#xHH;`; any other entity is refused.
        mutating func reference() throws(S3Error) -> [UInt8] {
            guard let semicolon = find(";"), semicolon - index <= 12 else { throw S3XMLReader.malformed("an & is not a reference") }
            let body = String(decoding: bytes[(index + 1)..<semicolon], as: UTF8.self)
            index = semicolon + 1
            switch body {
            case "amp": return [UInt8(ascii: "&")]
            case "lt": return [UInt8(ascii: "<")]
            case "gt": return [UInt8(ascii: ">")]
            case "quot": return [UInt8(ascii: "\"")]
            case "apos": return [UInt8(ascii: "'")]
            default: break
            }
            var value: UInt32?
            if body.hasPrefix("#x") {
                let digits = body.dropFirst(2)
                if !digits.isEmpty, digits.utf8.allSatisfy({ S3Hex.value($0) != nil }) { value = UInt32(digits, radix: 16) }
            } else if body.hasPrefix("#") {
                let digits = body.dropFirst()
                if !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                    value = UInt32(digits, radix: 10)
                }
            } else {
                throw S3XMLReader.malformed("the entity &\(body); is not one of XML's five predefined entities")
            }
            guard let value, value != 0, let scalar = Unicode.Scalar(value) else {
                throw S3XMLReader.malformed("the character reference &\(body); is not a character")
            }
            return Array(String(Character(scalar)).utf8)
        }
    }
}

extension S3XMLElement {
    /// Checks this is the root `name` and has no children other than `allowed`.
    func expect(root name: String, children allowed: Set<String>) throws(S3Error) {
        guard self.name == name else { throw S3XMLReader.malformed("the root element is <\(self.name)>, not <\(name)>") }
        try expectChildren(allowed)
    }

    func expectChildren(_ allowed: Set<String>) throws(S3Error) {
        for child in children where !allowed.contains(child.name) {
            throw S3XMLReader.malformed("<\(name)> has an unexpected element <\(child.name)>")
        }
        if children.isEmpty && !text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }) && !allowed.isEmpty {
            throw S3XMLReader.malformed("<\(name)> holds text instead of elements")
        }
    }

    /// The child `name`; nil if absent; `MalformedXML` if repeated.
    func child(_ name: String) throws(S3Error) -> S3XMLElement? {
        let found = children.filter { $0.name == name }
        guard found.count <= 1 else { throw S3XMLReader.malformed("<\(self.name)> has more than one <\(name)>") }
        return found.first
    }

    /// The text of the leaf child `name` exactly as written (entities resolved); nil if absent.
    func leaf(_ name: String) throws(S3Error) -> String? {
        guard let element = try child(name) else { return nil }
        guard element.children.isEmpty else { throw S3XMLReader.malformed("<\(name)> must hold text, not elements") }
        return element.text
    }

    /// `leaf` with surrounding white space removed, for values that are words or numbers.
    func word(_ name: String) throws(S3Error) -> String? {
        try leaf(name).map { String($0.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()) }
    }
}
