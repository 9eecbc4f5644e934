// JSONValue.swift — the in-memory JSON document model used by the vault.
//
// Pure Swift standard library; no Foundation.

/// One JSON value (RFC 8259).
///
/// Contract:
/// - Objects are unordered maps with unique keys (the parser refuses duplicates);
///   member order is irrelevant to equality and is fixed only when serialising
///   canonically (see `canonicalBytes`).
/// - Numbers are held as `JSONNumber`, i.e. already reduced to their canonical
///   RFC 8785 text, so two numbers are equal exactly when they denote the same
///   IEEE-754 double (`1`, `1.0` and `10e-1` are all equal; `-0` equals `0`).
/// - Equality is structural: same case, equal scalars, element-wise equal arrays,
///   key-wise equal objects. Strings and keys compare by their exact Unicode code
///   points (UTF-8 bytes), not by Swift's canonical-equivalence `String ==`, so
///   equal values always have identical canonical bytes. (Because `[String: _]`
///   itself conflates canonically equivalent keys, one object cannot hold two keys
///   that differ only in Unicode normalization; the parser refuses such input.)
public indirect enum JSONValue: Sendable, Equatable {
    /// JSON `null`.
    case null
    /// JSON `true` or `false`.
    case bool(Bool)
    /// A finite JSON number, held canonically.
    case number(JSONNumber)
    /// A JSON string (any valid Unicode text; code points are preserved exactly).
    case string(String)
    /// A JSON array; element order is significant.
    case array([JSONValue])
    /// A JSON object; member order is not significant.
    case object([String: JSONValue])

    /// Structural equality with exact (code-point) comparison of strings and keys.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null):
            return true
        case let (.bool(a), .bool(b)):
            return a == b
        case let (.number(a), .number(b)):
            return a == b
        case let (.string(a), .string(b)):
            return a.utf8.elementsEqual(b.utf8)
        case let (.array(a), .array(b)):
            guard a.count == b.count else { return false }
            for i in a.indices where !(a[i] == b[i]) { return false }
            return true
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let i = b.index(forKey: key) else { return false }
                let member = b[i]
                guard member.key.utf8.elementsEqual(key.utf8), member.value == value else { return false }
            }
            return true
        default:
            return false
        }
    }

    /// The member named `key` when this value is an object containing it; `nil`
    /// when the member is absent or this value is not an object.
    /// Keys match by exact code points (a canonically equivalent spelling does not match).
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.jsonExactValue(forKey: key) }
        return nil
    }

    /// The string when this value is `.string`, otherwise `nil`.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The members when this value is `.object`, otherwise `nil`.
    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The canonical text when this value is `.number`, otherwise `nil`.
    public var numberText: String? {
        if case .number(let n) = self { return n.canonical }
        return nil
    }

    /// The elements when this value is `.array`, otherwise `nil`.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// The index of the member whose key has exactly the code points of `key`
    /// (Swift's `String ==` would also match canonically equivalent spellings).
    func jsonExactIndex(forKey key: String) -> Index? {
        guard let i = index(forKey: key), self[i].key.utf8.elementsEqual(key.utf8) else { return nil }
        return i
    }

    /// The value of the member whose key has exactly the code points of `key`.
    func jsonExactValue(forKey key: String) -> JSONValue? {
        jsonExactIndex(forKey: key).map { self[$0].value }
    }
}

/// A JSON number held in its canonical (RFC 8785 / ECMAScript `Number::toString`) text form.
///
/// Contract:
/// - `canonical` is exactly what RFC 8785 serialisation writes for this number,
///   e.g. `"10.5"`, `"1e+21"`, `"0"`, `"-5e-324"`; it never contains `"-0"`.
/// - Every `JSONNumber` denotes a finite IEEE-754 double; `doubleValue` returns it.
/// - Equality and hashing are by `canonical`, which is the same as equality of the
///   denoted doubles (with `-0 == 0`).
public struct JSONNumber: Sendable, Equatable, Hashable {
    /// The RFC 8785 canonical text of the number.
    public let canonical: String

    /// The IEEE-754 double this number denotes (always finite).
    public var doubleValue: Double {
        // `canonical` is always a valid, finite decimal literal.
        Double(canonical) ?? .nan
    }

    /// Creates the number denoting `value`. `-0.0` becomes `"0"`.
    ///
    /// - Precondition: `value.isFinite`, and `value` is not an integer above 2^53 in
    ///   magnitude that ECMAScript writes as a plain integer (2^53 < |value| < 1e21).
    ///   Such doubles cannot stand for the integer their text shows, so `JSONParser`
    ///   refuses them (like integer literals above 2^53); excluding them here keeps
    ///   every `JSONNumber`'s canonical text parseable. Send such quantities as strings.
    public init(_ value: Double) {
        precondition(value.isFinite, "JSON numbers must be finite")
        let canonical = JSONNumberFormatter.canonical(value)
        precondition(!JSONNumberFormatter.isInexactInteger(canonical: canonical),
                     "integers above 2^53 in magnitude cannot be represented exactly in JSON")
        self.canonical = canonical
    }

    /// Creates the number denoting the integer `value`.
    ///
    /// - Precondition: `abs(value) <= 2^53`, so the integer is exactly representable
    ///   as a double and interoperates with every JSON implementation.
    public init(_ value: Int) {
        precondition(value.magnitude <= JSONNumberFormatter.maxExactInteger,
                     "integers above 2^53 in magnitude cannot be represented exactly in JSON")
        self.canonical = String(value)
    }

    /// Wraps text that is already canonical (used by the parser's integer fast path).
    init(uncheckedCanonical: String) {
        self.canonical = uncheckedCanonical
    }
}

/// Formats finite doubles as ECMA-262 `Number::toString` (7.1.12.1), which RFC 8785 adopts.
enum JSONNumberFormatter {
    /// 2^53, the largest magnitude below which every integer is an exact double.
    static let maxExactInteger: UInt = 1 << 53

    /// True when `canonical` is a plain integer (no '.', no exponent) above 2^53 in magnitude.
    static func isInexactInteger(canonical: String) -> Bool {
        let utf8 = canonical.utf8
        var digits = utf8.count
        if utf8.first == UInt8(ascii: "-") { digits -= 1 }
        if digits < 16 { return false }
        if utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") }) { return false }
        if digits > 16 { return true }
        return utf8.suffix(16).lexicographicallyPrecedes("9007199254740992".utf8) == false
            && !utf8.suffix(16).elementsEqual("9007199254740992".utf8)
    }

    /// The canonical text of finite `value`.
    static func canonical(_ value: Double) -> String {
        if value == 0 { return "0" }   // also turns -0 into "0"
        // Fast path: integral values below 2^53 print as plain integers.
        if value.magnitude < 9_007_199_254_740_992 {
            let integer = Int(value)   // truncates; exact for integral values below 2^53
            if Double(integer) == value { return String(integer) }
        }
        // Swift's `description` yields the shortest digits that round-trip, choosing
        // the candidate closest to the exact value (as ECMA-262 requires); re-lay them
        // out following ECMA-262 instead of Swift's own rules.
        var text = value.description
        return text.withUTF8 { canonical(decimal: $0, maxDigits: 32)! }
    }

    /// The canonical text of a JSON number literal when it can be derived from the
    /// literal's own digits, or nil when it needs the exact double conversion.
    ///
    /// Eligible literals have at most 15 significant digits and a decimal exponent
    /// within ±300: such a decimal converts to a normal double whose shortest
    /// round-trip digits are exactly the literal's significant digits (two distinct
    /// decimals of ≤ 15 significant digits never round to the same double, DBL_DIG).
    static func canonical(shortLiteral literal: UnsafeBufferPointer<UInt8>) -> String? {
        canonical(decimal: literal, maxDigits: 15, exponentRange: -300...300)
    }

    /// Lays out a decimal `[-]digits[.digits][(e|E)[+|-]digits]` per ECMA-262 7.1.12.1,
    /// using its significant digits as they are (no rounding). Returns nil when it has
    /// more than `maxDigits` significant digits or its exponent is outside `exponentRange`.
    static func canonical(decimal text: UnsafeBufferPointer<UInt8>, maxDigits: Int,
                          exponentRange: ClosedRange<Int> = Int.min...Int.max) -> String? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digits -> String? in
            let zero = UInt8(ascii: "0")
            var i = 0
            let negative = text.count > 0 && text[0] == UInt8(ascii: "-")
            if negative { i = 1 }
            var k = 0                  // significant digits stored in `digits`
            var integerDigits = 0      // digits before the decimal point
            var leadingZeros = 0       // zeros before the first non-zero digit
            var pendingZeros = 0       // zeros after a non-zero digit, not yet stored
            var afterPoint = false
            while i < text.count {
                let b = text[i]
                if b == UInt8(ascii: ".") {
                    afterPoint = true
                } else if b &- zero < 10 {
                    if !afterPoint { integerDigits += 1 }
                    if b == zero {
                        if k == 0 { leadingZeros += 1 } else { pendingZeros += 1 }
                    } else {
                        if k + pendingZeros + 1 > min(maxDigits, 32) { return nil }
                        while pendingZeros > 0 { digits[k] = zero; k += 1; pendingZeros -= 1 }
                        digits[k] = b
                        k += 1
                    }
                } else {
                    break   // 'e' or 'E'
                }
                i += 1
            }
            var exponent = 0
            if i < text.count {
                i += 1
                var exponentNegative = false
                if i < text.count, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
                    exponentNegative = text[i] == UInt8(ascii: "-")
                    i += 1
                }
                if text.count - i > 6 { return nil }
                while i < text.count { exponent = exponent * 10 + Int(text[i] &- zero); i += 1 }
                if exponentNegative { exponent = -exponent }
            }
            if k == 0 { return "0" }
            // value = 0.d1…dk × 10^n
            let n = integerDigits - leadingZeros + exponent
            guard exponentRange.contains(n) else { return nil }
            return layout(significant: UnsafeBufferPointer(rebasing: digits[..<k]), n: n, negative: negative)
        }
    }

    /// ECMA-262 7.1.12.1 steps 6–10: `significant` holds the k digits of s (no leading
    /// or trailing zeros) and the value is s × 10^(n−k).
    static func layout(significant: UnsafeBufferPointer<UInt8>, n: Int, negative: Bool) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { out -> String in
            let k = significant.count
            let zero = UInt8(ascii: "0")
            var len = 0
            func put(_ b: UInt8) { out[len] = b; len += 1 }
            if negative { put(UInt8(ascii: "-")) }
            if k <= n && n <= 21 {
                for d in significant { put(d) }
                for _ in 0..<(n - k) { put(zero) }
            } else if 0 < n && n <= 21 {
                for j in 0..<n { put(significant[j]) }
                put(UInt8(ascii: "."))
                for j in n..<k { put(significant[j]) }
            } else if -6 < n && n <= 0 {
                put(zero)
                put(UInt8(ascii: "."))
                for _ in 0..<(-n) { put(zero) }
                for d in significant { put(d) }
            } else {
                put(significant[0])
                if k > 1 {
                    put(UInt8(ascii: "."))
                    for j in 1..<k { put(significant[j]) }
                }
                put(UInt8(ascii: "e"))
                put(n - 1 >= 0 ? UInt8(ascii: "+") : UInt8(ascii: "-"))
                for d in String((n - 1).magnitude).utf8 { put(d) }
            }
            return String(decoding: UnsafeBufferPointer(rebasing: out[..<len]), as: UTF8.self)
        }
    }
}
