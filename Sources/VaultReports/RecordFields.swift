/// The fields of a record that `ReportFacts` reads, taken from its JSON bytes in one pass without
/// building a tree: the top-level fields, `entity`, and the listed keys of `state`; every other
/// value is skipped over. Reading a record this way costs a fraction of parsing it whole, which
/// matters when a report reads every record of a year.
///
/// The bytes are a committed record (RFC 8785 canonical JSON), but the reader accepts any JSON
/// object and fails with `nil` on anything else, so a tampered archive cannot crash it.
struct RecordFields {
    /// A scalar as written: a string (unescaped), a number's text, or something else.
    enum Scalar: Equatable {
        case string(String), number(String), other

        var string: String? { if case .string(let text) = self { text } else { nil } }
        var number: String? { if case .number(let text) = self { text } else { nil } }
    }

    var stream: String?, occurredAt: String?, playerId: String?, jurisdiction: String?, action: String?
    var entityType: String?, entityId: String?
    var decisionId: String?, policyVersion: String?, modelVersion: String?, dataVersion: String?
    /// The `state` keys templates use, by name.
    var state: [String: Scalar] = [:]
    /// `state.requested` is a non-empty array (enhanced due diligence asked for documents).
    var requestsDocuments = false
    /// `state.kytScreening` is present.
    var screened = false
    /// `state.pep` or `state.sanctionsHit` is `true`.
    var pepOrSanctions = false
    /// `state.alertIds`, when it is an array of strings.
    var alertIds: [String] = []

    /// The `state` keys kept in `state`.
    static let stateKeys: Set = ["status", "kycStatus", "type", "kind", "rule", "method", "period", "action", "severity", "category",
                                 "currency", "country", "amount", "gamingDay", "stake", "win", "bonusStake", "bonusWin",
                                 "jackpotContribution", "rounds", "riskScore", "explanation"]

    private init() {}

    init?(_ bytes: [UInt8]) {
        var reader = JSONByteReader(bytes)
        var fields = RecordFields()
        let ok = reader.members { key, reader in
            switch key {
            case "stream": fields.stream = reader.stringOrSkip()
            case "occurredAt": fields.occurredAt = reader.stringOrSkip()
            case "playerId": fields.playerId = reader.stringOrSkip()
            case "jurisdiction": fields.jurisdiction = reader.stringOrSkip()
            case "action": fields.action = reader.stringOrSkip()
            case "decisionId": fields.decisionId = reader.stringOrSkip()
            case "policyVer": fields.policyVersion = reader.stringOrSkip()
            case "modelVer": fields.modelVersion = reader.stringOrSkip()
            case "dataVer": fields.dataVersion = reader.stringOrSkip()
            case "entity":
                return reader.members { key, reader in
                    switch key {
                    case "type": fields.entityType = reader.stringOrSkip()
                    case "id": fields.entityId = reader.stringOrSkip()
                    default: return reader.skipValue()
                    }
                    return reader.ok
                } || reader.skipValue()
            case "state":
                return reader.members { key, reader in
                    if RecordFields.stateKeys.contains(key) {
                        fields.state[key] = reader.scalar()
                    } else if key == "requested" {
                        var count = 0
                        guard reader.elements({ element in
                            count += 1
                            return element.skipValue()
                        }) else { return reader.skipValue() }
                        fields.requestsDocuments = count > 0
                    } else if key == "kytScreening" {
                        fields.screened = true
                        return reader.skipValue()
                    } else if key == "pep" || key == "sanctionsHit" {
                        if reader.literal("true") { fields.pepOrSanctions = true } else { return reader.skipValue() }
                    } else if key == "alertIds" {
                        fields.alertIds = reader.strings() ?? []
                    } else {
                        return reader.skipValue()
                    }
                    return reader.ok
                } || reader.skipValue()
            default: return reader.skipValue()
            }
            return reader.ok
        }
        guard ok, reader.ok, reader.peek == nil else { return nil }
        self = fields
    }
}

/// A forward reader over JSON bytes for `RecordFields`: each method consumes one value (or one
/// object's members) and records failure in `ok` instead of throwing.
struct JSONByteReader {
    private let bytes: [UInt8]
    private var index = 0
    private(set) var ok = true

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var peek: UInt8? {
        mutating get {
            skipSpace()
            return index < bytes.count ? bytes[index] : nil
        }
    }

    private mutating func skipSpace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    private mutating func fail() -> Bool {
        ok = false
        return false
    }

    private mutating func expect(_ byte: UInt8) -> Bool {
        guard peek == byte else { return fail() }
        index += 1
        return true
    }

    /// Reads an object, calling `member` with each key; `member` consumes the value and returns
    /// false to stop. False (without consuming) if the value is not an object.
    mutating func members(_ member: (String, inout JSONByteReader) -> Bool) -> Bool {
        guard peek == UInt8(ascii: "{") else { return false }
        index += 1
        if peek == UInt8(ascii: "}") {
            index += 1
            return true
        }
        while ok {
            guard let key = string(), expect(UInt8(ascii: ":")), member(key, &self), ok else { return fail() }
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return true
            default: return fail()
            }
        }
        return false
    }

    /// Reads an array, calling `element` to consume each element; `element` returns false to stop.
    /// False (without consuming) if the value is not an array.
    mutating func elements(_ element: (inout JSONByteReader) -> Bool) -> Bool {
        guard peek == UInt8(ascii: "[") else { return false }
        index += 1
        if peek == UInt8(ascii: "]") {
            index += 1
            return true
        }
        while ok {
            guard element(&self), ok else { return fail() }
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return true
            default: return fail()
            }
        }
        return false
    }

    /// The string value here, or nil after skipping a value of another kind.
    mutating func stringOrSkip() -> String? {
        if peek == UInt8(ascii: "\"") { return string() }
        _ = skipValue()
        return nil
    }

    mutating func scalar() -> RecordFields.Scalar {
        switch peek {
        case UInt8(ascii: "\""): return string().map { .string($0) } ?? .other
        case let byte? where byte == UInt8(ascii: "-") || (byte >= 0x30 && byte <= 0x39):
            let start = index
            _ = skipValue()
            return .number(String(decoding: bytes[start..<index], as: UTF8.self))
        default:
            _ = skipValue()
            return .other
        }
    }

    /// The literal `word` (true, false, null) if it is next.
    mutating func literal(_ word: StaticString) -> Bool {
        _ = peek
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// An array of strings, or nil (after skipping it) if it is anything else.
    mutating func strings() -> [String]? {
        var result: [String] = []
        var onlyStrings = true
        let isArray = elements { element in
            if element.peek == UInt8(ascii: "\""), let text = element.string() {
                result.append(text)
                return true
            }
            onlyStrings = false
            return element.skipValue()
        }
        guard isArray else {
            _ = skipValue()
            return nil
        }
        return onlyStrings && ok ? result : nil
    }

    /// A string, unescaped; nil and not ok if it is not a well-formed string.
    mutating func string() -> String? {
        guard peek == UInt8(ascii: "\"") else {
            _ = fail()
            return nil
        }
        index += 1
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") { index += 1 }
        guard index < bytes.count else {
            _ = fail()
            return nil
        }
        if bytes[index] == UInt8(ascii: "\"") {
            index += 1
            return String(decoding: bytes[start..<index - 1], as: UTF8.self)
        }
        var scalars = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") { return String(decoding: scalars, as: UTF8.self) }
            if byte != UInt8(ascii: "\\") {
                scalars.append(byte)
            } else if let unescaped = escaped() {
                scalars.append(contentsOf: unescaped)
            } else {
                break
            }
        }
        _ = fail()
        return nil
    }

    /// The UTF-8 of the escape after a backslash (`\n`, `\u00e9`, a surrogate pair), or nil.
    private mutating func escaped() -> [UInt8]? {
        guard index < bytes.count else { return nil }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return [escape]
        case UInt8(ascii: "b"): return [0x08]
        case UInt8(ascii: "f"): return [0x0C]
        case UInt8(ascii: "n"): return [0x0A]
        case UInt8(ascii: "r"): return [0x0D]
        case UInt8(ascii: "t"): return [0x09]
        case UInt8(ascii: "u"):
            guard var code = hex4() else { return nil }
            if (0xD800..<0xDC00).contains(code) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    return nil
                }
                index += 2
                guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(code) else { return nil }
            return Array(String(Character(scalar)).utf8)
        default: return nil
        }
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[index..<index + 4] {
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x37
            case 0x61...0x66: digit = byte - 0x57
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }

    /// Skips one value of any kind; false (and not ok) if it is not well-formed.
    @discardableResult
    mutating func skipValue() -> Bool {
        guard let byte = peek else { return fail() }
        switch byte {
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "{"):
            return members { _, reader in reader.skipValue() }
        case UInt8(ascii: "["): return elements { $0.skipValue() }
        case UInt8(ascii: "t"): return literal("true") || fail()
        case UInt8(ascii: "f"): return literal("false") || fail()
        case UInt8(ascii: "n"): return literal("null") || fail()
        default:
            let start = index
            while index < bytes.count, Self.isNumberByte(bytes[index]) { index += 1 }
            return index > start || fail()
        }
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }
}
