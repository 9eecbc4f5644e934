// JSONParser.swift — strict RFC 8259 parser over UTF-8 bytes.
//
// Scans raw bytes through a pointer; never iterates `Character`s. Strings without
// escapes are validated in place and materialised with one `String(decoding:as:)`.

/// Resource limits applied while parsing untrusted input.
///
/// Contract: input longer than `maxBytes`, a string (key or value) whose decoded
/// UTF-8 form is longer than `maxStringBytes`, or arrays/objects nested deeper than
/// `maxDepth` (the outermost container is depth 1) make `JSONParser.parse` throw.
public struct JSONLimits: Sendable {
    /// Maximum nesting of arrays and objects; the outermost container counts as 1.
    public var maxDepth = 32
    /// Maximum length in bytes of any single decoded string (keys included).
    public var maxStringBytes = 65_536
    /// Maximum size in bytes of the whole input.
    public var maxBytes = 1_048_576

    /// Creates limits; every parameter defaults to the documented default.
    public init(maxDepth: Int = 32, maxStringBytes: Int = 65_536, maxBytes: Int = 1_048_576) {
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
        self.maxBytes = maxBytes
    }
}

/// Why `JSONParser.parse` refused its input.
///
/// Contract: `offset` is the zero-based byte offset in the input where the problem
/// was detected (for a value-level problem such as a duplicate key or an over-long
/// string, the offset of that token's first byte); `reason` is a sentence a person
/// can act on.
public struct JSONParseError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Byte offset into the input where the problem is.
    public let offset: Int
    /// Human-readable explanation, e.g. `duplicate key "amount"`.
    public let reason: String

    /// Creates an error at `offset` with `reason`.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// `"invalid JSON at byte <offset>: <reason>"`.
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// Strict RFC 8259 JSON parser.
///
/// Beyond the grammar it enforces: valid UTF-8 everywhere (no overlong forms,
/// no encoded surrogates, no truncated sequences), valid `\u` escapes with paired
/// surrogates, unique object keys (compared as Swift strings, so keys that differ
/// only in Unicode normalization count as duplicates), the `JSONLimits`, and exact
/// numbers: an integer literal (no fraction, no exponent) above 2^53 in magnitude is
/// refused rather than silently rounded ("send it as a string"); every other number
/// is converted to the nearest double, which must be finite ("number out of range")
/// and must not be an integer above 2^53 below 1e21 (e.g. `1e20`), because its
/// canonical text would be such an integer literal. Numbers are stored canonically
/// (`-0` becomes `0`).
public enum JSONParser {
    /// Parses exactly one JSON value (RFC 8259) from UTF-8 bytes.
    ///
    /// Leading and trailing JSON whitespace (space, tab, LF, CR) is allowed; anything
    /// else after the value is an error. A byte-order mark is not accepted.
    /// - Throws: `JSONParseError` describing the first problem found.
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits = JSONLimits()) throws(JSONParseError) -> JSONValue {
        if bytes.count > limits.maxBytes {
            throw JSONParseError(offset: limits.maxBytes,
                                 reason: "input is \(bytes.count) bytes, larger than the limit of \(limits.maxBytes) bytes")
        }
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONParseError(offset: 0, reason: "input is empty; expected a JSON value")
        }
        var scanner = JSONScanner(base: base.assumingMemoryBound(to: UInt8.self), count: bytes.count, limits: limits)
        return try scanner.parseDocument()
    }

    /// Parses exactly one JSON value from UTF-8 bytes; see `parse(_:limits:)` for an `UnsafeRawBufferPointer`.
    /// - Throws: `JSONParseError` describing the first problem found.
    public static func parse(_ bytes: [UInt8], limits: JSONLimits = JSONLimits()) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBytes { raw in
            do throws(JSONParseError) {
                return .success(try parse(raw, limits: limits))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// The byte-level recursive-descent scanner behind `JSONParser`.
struct JSONScanner {
    let base: UnsafePointer<UInt8>
    let count: Int
    let limits: JSONLimits
    var pos = 0
    /// Members of the objects currently open, innermost last (one buffer reused for
    /// the whole parse so each object's dictionary is allocated once, at its final size).
    var memberStack: [(key: String, value: JSONValue, offset: Int)] = []
    /// Elements of the arrays currently open, innermost last.
    var elementStack: [JSONValue] = []

    init(base: UnsafePointer<UInt8>, count: Int, limits: JSONLimits) {
        self.base = base
        self.count = count
        self.limits = limits
    }

    // MARK: Document

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if pos < count {
            throw error(at: pos, "unexpected \(describe(at: pos)) after the JSON value; the input must contain exactly one value")
        }
        return value
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < count {
            switch base[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard pos < count else {
            throw error(at: pos, "unexpected end of input; expected a value")
        }
        switch base[pos] {
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "{"):
            return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["):
            return try parseArray(depth: depth + 1)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            return try parseLiteral()
        default:
            throw unexpectedValueStart()
        }
    }

    // MARK: Containers

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        let start = pos
        if depth > limits.maxDepth {
            throw error(at: start, "nesting is deeper than the limit of \(limits.maxDepth) levels")
        }
        pos += 1  // '['
        skipWhitespace()
        if pos < count, base[pos] == UInt8(ascii: "]") {
            pos += 1
            return .array([])
        }
        let first = elementStack.count
        while true {
            skipWhitespace()
            if pos < count, base[pos] == UInt8(ascii: "]"), elementStack.count > first {
                throw error(at: pos, "trailing comma before ']' is not allowed")
            }
            let element = try parseValue(depth: depth)
            elementStack.append(element)
            skipWhitespace()
            guard pos < count else {
                throw error(at: pos, "unexpected end of input; the array opened at byte \(start) is not closed")
            }
            switch base[pos] {
            case UInt8(ascii: ","):
                pos += 1
            case UInt8(ascii: "]"):
                pos += 1
                let elements = Array(elementStack[first...])
                elementStack.removeSubrange(first...)
                return .array(elements)
            default:
                throw error(at: pos, "expected ',' or ']' after an array element but found \(describe(at: pos))")
            }
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        let start = pos
        if depth > limits.maxDepth {
            throw error(at: start, "nesting is deeper than the limit of \(limits.maxDepth) levels")
        }
        pos += 1  // '{'
        skipWhitespace()
        if pos < count, base[pos] == UInt8(ascii: "}") {
            pos += 1
            return .object([:])
        }
        let first = memberStack.count
        while true {
            skipWhitespace()
            guard pos < count else {
                throw error(at: pos, "unexpected end of input; the object opened at byte \(start) is not closed")
            }
            let keyStart = pos
            switch base[pos] {
            case UInt8(ascii: "\""):
                break
            case UInt8(ascii: "}") where memberStack.count > first:
                throw error(at: pos, "trailing comma before '}' is not allowed")
            case UInt8(ascii: "'"):
                throw error(at: pos, "single-quoted strings are not allowed; object keys must use double quotes")
            case UInt8(ascii: "/"):
                throw error(at: pos, "comments are not allowed in JSON")
            default:
                throw error(at: pos, "expected a double-quoted object key but found \(describe(at: pos))")
            }
            let key = try parseString()
            skipWhitespace()
            guard pos < count, base[pos] == UInt8(ascii: ":") else {
                if pos >= count {
                    throw error(at: pos, "unexpected end of input; expected ':' after object key")
                }
                throw error(at: pos, "expected ':' after object key but found \(describe(at: pos))")
            }
            pos += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            memberStack.append((key, value, keyStart))
            skipWhitespace()
            guard pos < count else {
                throw error(at: pos, "unexpected end of input; the object opened at byte \(start) is not closed")
            }
            switch base[pos] {
            case UInt8(ascii: ","):
                pos += 1
            case UInt8(ascii: "}"):
                pos += 1
                var members = [String: JSONValue](minimumCapacity: memberStack.count - first)
                for member in memberStack[first...] where members.updateValue(member.value, forKey: member.key) != nil {
                    throw duplicateKey(member.key, at: member.offset, in: memberStack[first...])
                }
                memberStack.removeSubrange(first...)
                return .object(members)
            default:
                throw error(at: pos, "expected ',' or '}' after an object member but found \(describe(at: pos))")
            }
        }
    }

    // MARK: Literals

    mutating func parseLiteral() throws(JSONParseError) -> JSONValue {
        let start = pos
        var end = pos
        while end < count, Self.isWordByte(base[end]) { end += 1 }
        let word = UnsafeBufferPointer(start: base + start, count: end - start)
        if word.elementsEqual("true".utf8) { pos = end; return .bool(true) }
        if word.elementsEqual("false".utf8) { pos = end; return .bool(false) }
        if word.elementsEqual("null".utf8) { pos = end; return .null }
        throw badWord(start: start, end: end)
    }

    @inline(__always)
    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_")
    }

    func badWord(start: Int, end: Int) -> JSONParseError {
        let word = String(decoding: UnsafeBufferPointer(start: base + start, count: min(end - start, 40)), as: UTF8.self)
        switch word {
        case "NaN", "Infinity", "-Infinity", "nan", "inf", "infinity", "-inf", "-infinity":
            return error(at: start, "\(word) is not a valid JSON number; JSON numbers must be finite")
        default:
            return error(at: start, "unexpected word \"\(word)\"; the only bare words JSON allows are true, false and null")
        }
    }

    /// The error for a byte that cannot start a value.
    func unexpectedValueStart() -> JSONParseError {
        let b = base[pos]
        switch b {
        case UInt8(ascii: "'"):
            return error(at: pos, "single-quoted strings are not allowed; use double quotes")
        case UInt8(ascii: "/"):
            return error(at: pos, "comments are not allowed in JSON")
        case UInt8(ascii: "+"):
            return error(at: pos, "a number must not start with '+'")
        case UInt8(ascii: "."):
            return error(at: pos, "a number must have a digit before the decimal point")
        case UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ","):
            return error(at: pos, "expected a value but found \(describe(at: pos))")
        default:
            if Self.isWordByte(b) {
                var end = pos
                while end < count, Self.isWordByte(base[end]) { end += 1 }
                return badWord(start: pos, end: end)
            }
            return error(at: pos, "expected a value but found \(describe(at: pos))")
        }
    }

    // MARK: Numbers

    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = pos
        var p = pos
        let negative = base[p] == UInt8(ascii: "-")
        if negative { p += 1 }
        let intStart = p
        guard p < count, Self.isDigit(base[p]) else {
            if p < count, base[p] == UInt8(ascii: "."), negative {
                throw error(at: p, "a number must have a digit before the decimal point")
            }
            if p < count, Self.isWordByte(base[p]) {
                var end = p
                while end < count, Self.isWordByte(base[end]) { end += 1 }
                throw badWord(start: start, end: end)
            }
            throw error(at: p, "expected a digit after '-'")
        }
        if base[p] == UInt8(ascii: "0") {
            p += 1
            if p < count, Self.isDigit(base[p]) {
                throw error(at: start, "numbers must not have leading zeros")
            }
        } else {
            while p < count, Self.isDigit(base[p]) { p += 1 }
        }
        let intEnd = p
        var isInteger = true
        if p < count, base[p] == UInt8(ascii: ".") {
            isInteger = false
            p += 1
            guard p < count, Self.isDigit(base[p]) else {
                throw error(at: p, "expected a digit after the decimal point")
            }
            while p < count, Self.isDigit(base[p]) { p += 1 }
        }
        if p < count, base[p] == UInt8(ascii: "e") || base[p] == UInt8(ascii: "E") {
            isInteger = false
            p += 1
            if p < count, base[p] == UInt8(ascii: "+") || base[p] == UInt8(ascii: "-") { p += 1 }
            guard p < count, Self.isDigit(base[p]) else {
                throw error(at: p, "expected a digit in the exponent")
            }
            while p < count, Self.isDigit(base[p]) { p += 1 }
        }
        if p < count, Self.isWordByte(base[p]) || base[p] == UInt8(ascii: ".") {
            throw error(at: p, "unexpected \(describe(at: p)) in a number")
        }
        pos = p

        if isInteger {
            let digitCount = intEnd - intStart
            let digits = UnsafeBufferPointer(start: base + intStart, count: digitCount)
            // 2^53 = 9007199254740992 has 16 digits; there are no leading zeros to skew the count.
            let tooLarge = digitCount > 16
                || (digitCount == 16 && digits.lexicographicallyPrecedes("9007199254740992".utf8) == false
                    && !digits.elementsEqual("9007199254740992".utf8))
            if tooLarge {
                let text = String(decoding: UnsafeBufferPointer(start: base + start, count: min(p - start, 64)), as: UTF8.self)
                let shown = p - start > 64 ? text + "…" : text
                throw error(at: start, "integer \(shown) is too large to represent exactly; send it as a string")
            }
            if digitCount == 1 && digits[0] == UInt8(ascii: "0") {
                return JSONNumber(uncheckedCanonical: "0")   // "-0" and "0"
            }
            // An integer below 2^53 without leading zeros is already in canonical form.
            return JSONNumber(uncheckedCanonical: String(decoding: UnsafeBufferPointer(start: base + start, count: p - start), as: UTF8.self))
        }
        let literal = UnsafeBufferPointer(start: base + start, count: p - start)
        let canonical: String
        if let short = JSONNumberFormatter.canonical(shortLiteral: literal) {
            canonical = short
        } else {
            let text = String(decoding: literal, as: UTF8.self)
            guard let value = Double(text), value.isFinite else {
                throw error(at: start, "number out of range; \(Self.abbreviate(text)) does not fit in a 64-bit floating-point number")
            }
            canonical = JSONNumberFormatter.canonical(value)
        }
        // A value that lands on an integer above 2^53 (below 1e21 it would be written as
        // a long plain integer) is refused like the equivalent integer literal, so that
        // canonical text always parses back.
        if JSONNumberFormatter.isInexactInteger(canonical: canonical) {
            let text = Self.abbreviate(String(decoding: literal, as: UTF8.self))
            throw error(at: start, "number \(text) is the integer \(canonical), which is too large to represent exactly; send it as a string")
        }
        return JSONNumber(uncheckedCanonical: canonical)
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    // MARK: Strings

    /// Parses a string starting at the opening quote at `pos`.
    mutating func parseString() throws(JSONParseError) -> String {
        let start = pos
        var p = pos + 1
        // Fast path: no escapes. Validate UTF-8 in place, then decode once.
        while p < count {
            let b = base[p]
            if b == UInt8(ascii: "\"") {
                let length = p - start - 1
                if length > limits.maxStringBytes { throw stringTooLong(start) }
                pos = p + 1
                return String(decoding: UnsafeBufferPointer(start: base + start + 1, count: length), as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") {
                return try parseEscapedString(start: start, firstEscape: p)
            }
            if b < 0x20 { throw controlCharacter(at: p) }
            if b < 0x80 {
                p += 1
            } else {
                p += try validateMultiByte(at: p)
            }
        }
        throw error(at: start, "unterminated string; the closing '\"' is missing")
    }

    /// Slow path: copies the decoded bytes into a buffer while resolving escapes.
    mutating func parseEscapedString(start: Int, firstEscape: Int) throws(JSONParseError) -> String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(firstEscape - start + 16)
        buffer.append(contentsOf: UnsafeBufferPointer(start: base + start + 1, count: firstEscape - start - 1))
        var p = firstEscape
        while p < count {
            let b = base[p]
            if b == UInt8(ascii: "\"") {
                if buffer.count > limits.maxStringBytes { throw stringTooLong(start) }
                pos = p + 1
                return String(decoding: buffer, as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") {
                guard p + 1 < count else { break }
                let e = base[p + 1]
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"):
                    buffer.append(e); p += 2
                case UInt8(ascii: "b"): buffer.append(0x08); p += 2
                case UInt8(ascii: "f"): buffer.append(0x0C); p += 2
                case UInt8(ascii: "n"): buffer.append(0x0A); p += 2
                case UInt8(ascii: "r"): buffer.append(0x0D); p += 2
                case UInt8(ascii: "t"): buffer.append(0x09); p += 2
                case UInt8(ascii: "u"):
                    let unit = try hex4(at: p)
                    var scalar = UInt32(unit)
                    if unit >= 0xD800 && unit <= 0xDBFF {
                        guard p + 7 < count, base[p + 6] == UInt8(ascii: "\\"), base[p + 7] == UInt8(ascii: "u") else {
                            throw error(at: p, "high surrogate \\u\(Self.hex(unit)) must be followed by a low surrogate \\u escape (\\uDC00–\\uDFFF)")
                        }
                        let low = try hex4(at: p + 6)
                        guard low >= 0xDC00 && low <= 0xDFFF else {
                            throw error(at: p + 6, "high surrogate \\u\(Self.hex(unit)) must be followed by a low surrogate (\\uDC00–\\uDFFF), not \\u\(Self.hex(low))")
                        }
                        scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        p += 12
                    } else if unit >= 0xDC00 && unit <= 0xDFFF {
                        throw error(at: p, "lone low surrogate \\u\(Self.hex(unit)) without a preceding high surrogate")
                    } else {
                        p += 6
                    }
                    Self.appendUTF8(scalar, to: &buffer)
                default:
                    if e < 0x20 || e >= 0x80 {
                        throw error(at: p, "invalid escape sequence; a backslash must be followed by one of \" \\ / b f n r t u")
                    }
                    throw error(at: p, "invalid escape sequence \\\(Character(Unicode.Scalar(e))); valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
                }
                if buffer.count > limits.maxStringBytes { throw stringTooLong(start) }
                continue
            }
            if b < 0x20 { throw controlCharacter(at: p) }
            if b < 0x80 {
                buffer.append(b)
                p += 1
            } else {
                let n = try validateMultiByte(at: p)
                buffer.append(contentsOf: UnsafeBufferPointer(start: base + p, count: n))
                p += n
            }
            if buffer.count > limits.maxStringBytes { throw stringTooLong(start) }
        }
        throw error(at: start, "unterminated string; the closing '\"' is missing")
    }

    /// Reads the four hex digits of a `\u` escape whose backslash is at `p`.
    func hex4(at p: Int) throws(JSONParseError) -> UInt16 {
        var v: UInt16 = 0
        for i in 2..<6 {
            guard p + i < count else {
                throw error(at: p, "incomplete \\u escape at the end of the input; expected four hex digits")
            }
            let c = base[p + i]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default:
                throw error(at: p, "invalid \\u escape; expected four hex digits after \\u")
            }
            v = v << 4 | UInt16(d)
        }
        return v
    }

    static func appendUTF8(_ scalar: UInt32, to buffer: inout [UInt8]) {
        switch scalar {
        case ..<0x80:
            buffer.append(UInt8(scalar))
        case ..<0x800:
            buffer.append(UInt8(0xC0 | (scalar >> 6)))
            buffer.append(UInt8(0x80 | (scalar & 0x3F)))
        case ..<0x10000:
            buffer.append(UInt8(0xE0 | (scalar >> 12)))
            buffer.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            buffer.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            buffer.append(UInt8(0xF0 | (scalar >> 18)))
            buffer.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            buffer.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            buffer.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    static func hex(_ v: UInt16) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [digits[Int(v >> 12)], digits[Int(v >> 8 & 0xF)], digits[Int(v >> 4 & 0xF)], digits[Int(v & 0xF)]], as: UTF8.self)
    }

    // MARK: UTF-8

    /// Validates the multi-byte UTF-8 sequence whose lead byte (>= 0x80) is at `p`
    /// (Unicode Table 3-7: no overlongs, no surrogates, nothing above U+10FFFF) and
    /// returns its length.
    @inline(__always)
    func validateMultiByte(at p: Int) throws(JSONParseError) -> Int {
        if let n = utf8SequenceLength(at: p) { return n }
        throw error(at: p, "invalid UTF-8 (malformed, overlong, surrogate or truncated byte sequence)")
    }

    /// Length of the valid UTF-8 sequence with lead byte (>= 0x80) at `p`, or nil if invalid.
    @inline(__always)
    func utf8SequenceLength(at p: Int) -> Int? {
        let b0 = base[p]
        @inline(__always) func cont(_ i: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            p + i < count && base[p + i] >= lo && base[p + i] <= hi
        }
        switch b0 {
        case 0xC2...0xDF:
            return cont(1) ? 2 : nil
        case 0xE0:
            return cont(1, 0xA0, 0xBF) && cont(2) ? 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF:
            return cont(1) && cont(2) ? 3 : nil
        case 0xED:
            return cont(1, 0x80, 0x9F) && cont(2) ? 3 : nil
        case 0xF0:
            return cont(1, 0x90, 0xBF) && cont(2) && cont(3) ? 4 : nil
        case 0xF1...0xF3:
            return cont(1) && cont(2) && cont(3) ? 4 : nil
        case 0xF4:
            return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : nil
        default:
            return nil
        }
    }

    // MARK: Errors

    func error(at offset: Int, _ reason: String) -> JSONParseError {
        JSONParseError(offset: offset, reason: reason)
    }

    /// The error for `key` (at `offset`) repeating an earlier key of the same object.
    ///
    /// Swift `String` equality (and so `[String: JSONValue]`) treats canonically
    /// equivalent Unicode as equal, so keys spelled with different code points but
    /// the same normalised text cannot coexist either; they get their own message.
    func duplicateKey(_ key: String, at offset: Int, in members: ArraySlice<(key: String, value: JSONValue, offset: Int)>) -> JSONParseError {
        let earlier = members.first { $0.key == key && $0.offset < offset }?.key ?? key
        if earlier.utf8.elementsEqual(key.utf8) {
            return error(at: offset, "duplicate key \"\(Self.abbreviate(key))\"; each key may appear only once in an object")
        }
        func scalars(_ s: String) -> String {
            s.unicodeScalars.prefix(12).map { scalar in
                let hex = String(scalar.value, radix: 16, uppercase: true)
                return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            }.joined(separator: " ")
        }
        return error(at: offset, "duplicate key \"\(Self.abbreviate(key))\": it is canonically equivalent to the earlier key \"\(Self.abbreviate(earlier))\" (\(scalars(key)) vs \(scalars(earlier))); use one Unicode normalization form for keys")
    }

    func stringTooLong(_ start: Int) -> JSONParseError {
        error(at: start, "string is longer than the limit of \(limits.maxStringBytes) bytes")
    }

    func controlCharacter(at p: Int) -> JSONParseError {
        let b = base[p]
        let named: String
        switch b {
        case 0x0A: named = "; write it as \\n"
        case 0x0D: named = "; write it as \\r"
        case 0x09: named = "; write it as \\t"
        default: named = "; write it as a \\u escape"
        }
        return error(at: p, "unescaped control character U+00\(Self.hex(UInt16(b)).suffix(2)) in a string\(named)")
    }

    /// A short description of the byte at `p` for error messages.
    func describe(at p: Int) -> String {
        guard p < count else { return "end of input" }
        let b = base[p]
        if b >= 0x80 {
            if let n = utf8SequenceLength(at: p) {
                let ch = String(decoding: UnsafeBufferPointer(start: base + p, count: n), as: UTF8.self)
                return "character '\(ch)'"
            }
            return "invalid UTF-8 byte 0x\(Self.hex(UInt16(b)).suffix(2))"
        }
        if b < 0x20 || b == 0x7F { return "control byte 0x\(Self.hex(UInt16(b)).suffix(2))" }
        return "'\(Character(Unicode.Scalar(b)))'"
    }

    static func abbreviate(_ s: String) -> String {
        if s.utf8.count <= 64 { return s }
        return String(s.prefix(60)) + "…"
    }
}
