import Testing
import VaultSandbox
@testable import VaultJSON

private func parse(_ text: String, limits: JSONLimits = JSONLimits()) throws(JSONParseError) -> JSONValue {
    try JSONParser.parse(Array(text.utf8), limits: limits)
}

/// The error parsing `bytes` throws, or nil if it parses.
private func failure(_ bytes: [UInt8], limits: JSONLimits = JSONLimits()) -> JSONParseError? {
    do {
        _ = try JSONParser.parse(bytes, limits: limits)
        return nil
    } catch {
        return error
    }
}

private func failure(_ text: String, limits: JSONLimits = JSONLimits()) -> JSONParseError? {
    failure(Array(text.utf8), limits: limits)
}

private func num(_ canonical: String) -> JSONValue {
    .number(JSONNumber(uncheckedCanonical: canonical))
}

private func expectRefused(_ input: JSONParserTests.BadInput, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error = failure(input.bytes) else {
        Issue.record("expected \(input.testDescription) to be refused", sourceLocation: sourceLocation)
        return
    }
    #expect(error.offset == input.offset, "offset for \(input.testDescription): \(error)", sourceLocation: sourceLocation)
    #expect(error.reason.contains(input.reason), "reason for \(input.testDescription): \(error.reason)", sourceLocation: sourceLocation)
}

@Suite("JSON parser")
struct JSONParserTests {
    /// A bad input, the byte offset its error must report, and a fragment the reason must contain.
    struct BadInput: CustomTestStringConvertible, Sendable {
        let bytes: [UInt8]
        let offset: Int
        let reason: String
        init(_ text: String, at offset: Int, _ reason: String) {
            self.bytes = Array(text.utf8)
            self.offset = offset
            self.reason = reason
        }
        init(bytes: [UInt8], at offset: Int, _ reason: String) {
            self.bytes = bytes
            self.offset = offset
            self.reason = reason
        }
        var testDescription: String { String(decoding: bytes, as: UTF8.self).debugDescription }
    }

    // MARK: Accepted input

    @Test("parses every kind of value into the matching JSONValue case")
    func parsesAllKinds() throws {
        let value = try parse(#"{"a":[1,true,false,null,"x",{}],"b":{"c":-2.5},"d":[]}"#)
        let expected: JSONValue = .object([
            "a": .array([num("1"), .bool(true), .bool(false), .null, .string("x"), .object([:])]),
            "b": .object(["c": num("-2.5")]),
            "d": .array([]),
        ])
        #expect(value == expected)
    }

    @Test("accepts scalar top-level values")
    func scalarTopLevel() throws {
        #expect(try parse("true") == .bool(true))
        #expect(try parse("null") == .null)
        #expect(try parse("\"hi\"") == .string("hi"))
        #expect(try parse("7") == num("7"))
    }

    @Test("allows JSON whitespace before and after the value and between tokens")
    func whitespace() throws {
        let value = try parse(" \t\r\n{ \"a\" :\n[ 1 ,\t2 ] }\r\n ")
        #expect(value == .object(["a": .array([num("1"), num("2")])]))
    }

    @Test("accessors return members, strings, objects and arrays or nil for other cases")
    func accessors() throws {
        let value = try parse(#"{"name":"ada","list":[1],"obj":{"k":null}}"#)
        #expect(value["name"]?.stringValue == "ada")
        #expect(value["missing"] == nil)
        #expect(value["list"]?.arrayValue == [num("1")])
        #expect(value["obj"]?.objectValue == ["k": .null])
        #expect(value["name"]?.arrayValue == nil)
        #expect(value["list"]?["x"] == nil)
        #expect(value.stringValue == nil)
        #expect(JSONValue.null.objectValue == nil)
    }

    @Test("decodes multi-byte UTF-8 text unchanged")
    func multiByteUTF8() throws {
        let text = "é€😀 \u{2028} 日本"
        let value = try parse("\"\(text)\"")
        #expect(value == .string(text))
    }

    @Test("decodes every escape sequence including surrogate pairs")
    func escapes() throws {
        let value = try parse(#""\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u20AC \ud83d\ude00 \u0000""#)
        #expect(value == .string("\" \\ / \u{08} \u{0C} \n \r \t A é € 😀 \u{0}"))
    }

    @Test("escaped and unescaped spellings of a string are the same value")
    func escapedEqualsLiteral() throws {
        #expect(try parse(#""caf\u00e9""#) == parse("\"café\""))
    }

    @Test("parses through an UnsafeRawBufferPointer as well as an array")
    func rawBufferOverload() throws {
        let bytes = Array(#"{"k":[1,2]}"#.utf8)
        let value = try bytes.withUnsafeBytes { raw throws(JSONParseError) in try JSONParser.parse(raw) }
        #expect(value == .object(["k": .array([num("1"), num("2")])]))
    }

    // MARK: Grammar

    @Test("refuses trailing commas", arguments: [
        BadInput("[1,2,]", at: 5, "trailing comma"),
        BadInput(#"{"a":1,}"#, at: 7, "trailing comma"),
        BadInput("[1,]", at: 3, "trailing comma"),
        BadInput("[,]", at: 1, "expected a value"),
        BadInput("{,}", at: 1, "expected a double-quoted object key"),
    ])
    func trailingCommas(_ input: BadInput) { expectRefused(input) }

    @Test("refuses comments", arguments: [
        BadInput("// c\n1", at: 0, "comments are not allowed"),
        BadInput("[1 /* c */]", at: 3, "expected ',' or ']'"),
        BadInput("[/* c */ 1]", at: 1, "comments are not allowed"),
        BadInput(#"{/*c*/"a":1}"#, at: 1, "comments are not allowed"),
        BadInput("1 # c", at: 2, "after the JSON value"),
    ])
    func comments(_ input: BadInput) { expectRefused(input) }

    @Test("refuses single-quoted strings", arguments: [
        BadInput("'a'", at: 0, "single-quoted"),
        BadInput("{'a':1}", at: 1, "single-quoted"),
        BadInput(#"{"a":'b'}"#, at: 5, "single-quoted"),
    ])
    func singleQuotes(_ input: BadInput) { expectRefused(input) }

    @Test("refuses malformed numbers", arguments: [
        BadInput("01", at: 0, "leading zeros"),
        BadInput("-01", at: 0, "leading zeros"),
        BadInput("00", at: 0, "leading zeros"),
        BadInput("+1", at: 0, "must not start with '+'"),
        BadInput(".5", at: 0, "digit before the decimal point"),
        BadInput("-.5", at: 1, "digit before the decimal point"),
        BadInput("1.", at: 2, "digit after the decimal point"),
        BadInput("1.e5", at: 2, "digit after the decimal point"),
        BadInput("1e", at: 2, "digit in the exponent"),
        BadInput("1e+", at: 3, "digit in the exponent"),
        BadInput("1E-", at: 3, "digit in the exponent"),
        BadInput("-", at: 1, "expected a digit after '-'"),
        BadInput("1.5.3", at: 3, "in a number"),
        BadInput("0x10", at: 1, "in a number"),
        BadInput("1_000", at: 1, "in a number"),
        BadInput("[1e5e5]", at: 4, "in a number"),
    ])
    func malformedNumbers(_ input: BadInput) { expectRefused(input) }

    @Test("refuses NaN, Infinity and bare words other than true, false and null", arguments: [
        BadInput("NaN", at: 0, "NaN is not a valid JSON number"),
        BadInput("Infinity", at: 0, "Infinity is not a valid JSON number"),
        BadInput("-Infinity", at: 0, "-Infinity"),
        BadInput("[1,undefined]", at: 3, "unexpected word \"undefined\""),
        BadInput("True", at: 0, "unexpected word \"True\""),
        BadInput("nul", at: 0, "unexpected word \"nul\""),
        BadInput("nulls", at: 0, "unexpected word \"nulls\""),
        BadInput("truex", at: 0, "unexpected word \"truex\""),
        BadInput("{a:1}", at: 1, "expected a double-quoted object key"),
    ])
    func bareWords(_ input: BadInput) { expectRefused(input) }

    @Test("requires exactly one top-level value", arguments: [
        BadInput("", at: 0, "empty"),
        BadInput("   ", at: 3, "end of input"),
        BadInput("1 2", at: 2, "after the JSON value"),
        BadInput("{} {}", at: 3, "after the JSON value"),
        BadInput("[]x", at: 2, "after the JSON value"),
        BadInput("nulltrue", at: 0, "unexpected word"),
        BadInput("\"a\"\"b\"", at: 3, "after the JSON value"),
        BadInput("1,", at: 1, "after the JSON value"),
    ])
    func oneValue(_ input: BadInput) { expectRefused(input) }

    @Test("refuses unterminated and structurally broken containers", arguments: [
        BadInput("[1,2", at: 4, "not closed"),
        BadInput(#"{"a":1"#, at: 6, "not closed"),
        BadInput(#"{"a" 1}"#, at: 5, "expected ':'"),
        BadInput(#"{"a"}"#, at: 4, "expected ':'"),
        BadInput("[1 2]", at: 3, "expected ',' or ']'"),
        BadInput(#"{"a":1 "b":2}"#, at: 7, "expected ',' or '}'"),
        BadInput("[", at: 1, "end of input"),
        BadInput("]", at: 0, "expected a value"),
        BadInput(#""abc"#, at: 0, "unterminated string"),
        BadInput(#"{"a":}"#, at: 5, "expected a value"),
    ])
    func brokenContainers(_ input: BadInput) { expectRefused(input) }

    // MARK: UTF-8 and strings

    @Test("refuses invalid UTF-8 anywhere in the input", arguments: [
        BadInput(bytes: [0x22, 0xC0, 0x80, 0x22], at: 1, "invalid UTF-8"),            // overlong NUL
        BadInput(bytes: [0x22, 0xC1, 0xBF, 0x22], at: 1, "invalid UTF-8"),            // overlong 2-byte
        BadInput(bytes: [0x22, 0xE0, 0x80, 0xAF, 0x22], at: 1, "invalid UTF-8"),      // overlong '/'
        BadInput(bytes: [0x22, 0xF0, 0x82, 0x82, 0xAC, 0x22], at: 1, "invalid UTF-8"), // overlong €
        BadInput(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22], at: 1, "invalid UTF-8"),      // encoded U+D800
        BadInput(bytes: [0x22, 0xED, 0xBF, 0xBF, 0x22], at: 1, "invalid UTF-8"),      // encoded U+DFFF
        BadInput(bytes: [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], at: 1, "invalid UTF-8"), // above U+10FFFF
        BadInput(bytes: [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], at: 1, "invalid UTF-8"),
        BadInput(bytes: [0x22, 0x61, 0x80, 0x22], at: 2, "invalid UTF-8"),            // lone continuation
        BadInput(bytes: [0x22, 0xE2, 0x82, 0x22], at: 1, "invalid UTF-8"),            // truncated €
        BadInput(bytes: [0x22, 0xE2, 0x82], at: 1, "invalid UTF-8"),                  // truncated at end
        BadInput(bytes: [0x22, 0xC3, 0x41, 0x22], at: 1, "invalid UTF-8"),            // bad continuation
        BadInput(bytes: [0x22, 0xFF, 0x22], at: 1, "invalid UTF-8"),
        BadInput(bytes: [0x22, 0x5C, 0x6E, 0xFE, 0x22], at: 3, "invalid UTF-8"),      // after an escape
        BadInput(bytes: [0xFF], at: 0, "invalid UTF-8"),                              // outside strings
        BadInput(bytes: [0x5B, 0x31, 0x5D, 0x20, 0xC0], at: 4, "invalid UTF-8"),      // trailing garbage
        BadInput(bytes: [0xEF, 0xBB, 0xBF, 0x31], at: 0, "character"),                // BOM is not whitespace
    ])
    func invalidUTF8(_ input: BadInput) { expectRefused(input) }

    @Test("accepts the boundary code points of every UTF-8 length")
    func utf8Boundaries() throws {
        let text = "\u{7F}\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{FFFF}\u{10000}\u{10FFFF}"
        #expect(try parse("\"\(text)\"") == .string(text))
    }

    @Test("refuses unescaped control characters inside strings", arguments: [
        BadInput(bytes: [0x22, 0x61, 0x00, 0x22], at: 2, "unescaped control character U+0000"),
        BadInput("\"a\nb\"", at: 2, "unescaped control character U+000A"),
        BadInput("\"\t\"", at: 1, "U+0009"),
        BadInput(bytes: [0x22, 0x1F, 0x22], at: 1, "U+001F"),
        BadInput("\"\\n\u{01}\"", at: 3, "U+0001"),
    ])
    func controlCharacters(_ input: BadInput) { expectRefused(input) }

    @Test("accepts DEL (0x7F), which is not a control character in JSON")
    func delAllowed() throws {
        #expect(try parse("\"\u{7F}\"") == .string("\u{7F}"))
    }

    @Test("refuses malformed \\u escapes and unpaired surrogates", arguments: [
        BadInput(#""\u12""#, at: 1, "invalid \\u escape"),
        BadInput(#""\u12"#, at: 1, "incomplete \\u escape"),
        BadInput(#""\uZZZZ""#, at: 1, "invalid \\u escape"),
        BadInput(#""\u00G0""#, at: 1, "invalid \\u escape"),
        BadInput(#""\ud83d""#, at: 1, "high surrogate \\uD83D must be followed by a low surrogate"),
        BadInput(#""\ud83dx""#, at: 1, "high surrogate"),
        BadInput(#""\ud83d\n""#, at: 1, "high surrogate"),
        BadInput(#""\ud83d\u0041""#, at: 7, "not \\u0041"),
        BadInput(#""\ud83d\ud83d""#, at: 7, "high surrogate"),
        BadInput(#""\ude00""#, at: 1, "lone low surrogate \\uDE00"),
        BadInput(#""a\udfffb""#, at: 2, "lone low surrogate"),
    ])
    func badUnicodeEscapes(_ input: BadInput) { expectRefused(input) }

    @Test("refuses unknown escape sequences", arguments: [
        BadInput(#""\x41""#, at: 1, "invalid escape sequence \\x"),
        BadInput(#""\'""#, at: 1, "invalid escape sequence \\'"),
        BadInput(#""\a""#, at: 1, "invalid escape sequence \\a"),
        BadInput(#""\U0041""#, at: 1, "invalid escape sequence \\U"),
        BadInput(#""\0""#, at: 1, "invalid escape sequence \\0"),
        BadInput("\"\\", at: 0, "unterminated string"),
    ])
    func unknownEscapes(_ input: BadInput) { expectRefused(input) }

    // MARK: Keys and limits

    @Test("refuses duplicate keys and names the key")
    func duplicateKeys() {
        let error = failure(#"{"amount":1,"amount":2}"#)
        #expect(error?.reason.contains("duplicate key \"amount\"") == true)
        #expect(error?.offset == 12)

        let nested = failure(#"{"a":{"b":1,"c":2,"b":3}}"#)
        #expect(nested?.reason.contains("duplicate key \"b\"") == true)
        #expect(nested?.offset == 18)

        // Keys are compared after decoding escapes.
        let escaped = failure(#"{"a":1,"\u0061":2}"#)
        #expect(escaped?.reason.contains("duplicate key \"a\"") == true)
        #expect(escaped?.offset == 7)
    }

    @Test("keys differing in case are distinct members")
    func caseDistinctKeys() throws {
        let value = try parse(#"{"a":1,"A":2}"#)
        #expect(value.objectValue?.count == 2)
    }

    @Test("keys that differ only in Unicode normalization are refused as duplicates with an explanation")
    func normalizationDuplicateKeys() {
        let error = failure("{\"\u{E9}\":3,\"e\u{301}\":4}")
        #expect(error?.offset == 8)
        #expect(error?.reason.contains("canonically equivalent") == true)
        #expect(error?.reason.contains("U+0065 U+0301 vs U+00E9") == true)
    }

    @Test("strings compare by exact code points, not by Swift canonical equivalence")
    func exactStringEquality() throws {
        let composed = try parse("\"caf\u{E9}\"")
        let decomposed = try parse("\"cafe\u{301}\"")
        #expect(composed != decomposed)
        #expect(composed.canonicalBytes != decomposed.canonicalBytes)
        #expect(try parse("{\"k\":\"e\u{301}\"}") != parse("{\"k\":\"\u{E9}\"}"))
        let object = try parse("{\"\u{E9}\":1}")
        #expect(object["\u{E9}"] != nil)
        #expect(object["e\u{301}"] == nil)
        #expect(object != JSONValue.object(["e\u{301}": .number(JSONNumber(1))]))
    }

    @Test("refuses nesting deeper than maxDepth and accepts exactly maxDepth")
    func depthLimit() throws {
        let ok = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        #expect(throws: Never.self) { try parse(ok) }
        let tooDeep = String(repeating: "[", count: 33) + String(repeating: "]", count: 33)
        let error = failure(tooDeep)
        #expect(error?.offset == 32)
        #expect(error?.reason.contains("deeper than the limit of 32") == true)

        let objects = String(repeating: #"{"a":"#, count: 4) + "1" + String(repeating: "}", count: 4)
        #expect(failure(objects, limits: JSONLimits(maxDepth: 3))?.offset == 15)
        #expect(failure(objects, limits: JSONLimits(maxDepth: 4)) == nil)
        #expect(failure("1", limits: JSONLimits(maxDepth: 0)) == nil)
        #expect(failure("[]", limits: JSONLimits(maxDepth: 0))?.offset == 0)
    }

    @Test("refuses strings and keys longer than maxStringBytes, counting decoded UTF-8 bytes")
    func stringLimit() {
        let limits = JSONLimits(maxStringBytes: 8)
        #expect(failure(#""12345678""#, limits: limits) == nil)
        let long = failure(#"["12345678x"]"#, limits: limits)
        #expect(long?.offset == 1)
        #expect(long?.reason.contains("longer than the limit of 8 bytes") == true)
        #expect(failure(#"{"123456789":1}"#, limits: limits)?.offset == 1)
        // "é" is two bytes of UTF-8, whether written literally or escaped.
        #expect(failure("\"ééé\u{E9}\"", limits: limits) == nil)
        #expect(failure("\"ééééé\"", limits: limits)?.offset == 0)
        #expect(failure(#""\u00e9\u00e9\u00e9\u00e9""#, limits: limits) == nil)
        #expect(failure(#""\u00e9\u00e9\u00e9\u00e9\u00e9""#, limits: limits)?.offset == 0)
        #expect(failure(#""\n12345678""#, limits: limits)?.offset == 0)
    }

    @Test("refuses input larger than maxBytes")
    func byteLimit() {
        let limits = JSONLimits(maxBytes: 10)
        #expect(failure("[1,2,3,45]", limits: limits) == nil)
        let error = failure("[1,2,3,456]", limits: limits)
        #expect(error?.offset == 10)
        #expect(error?.reason.contains("larger than the limit of 10 bytes") == true)
        #expect(JSONLimits().maxBytes == 1_048_576)
        #expect(JSONLimits().maxStringBytes == 65_536)
        #expect(JSONLimits().maxDepth == 32)
    }

    // MARK: Numbers

    @Test("integers up to 2^53 in magnitude are accepted exactly")
    func exactIntegers() throws {
        #expect(try parse("9007199254740992") == num("9007199254740992"))
        #expect(try parse("-9007199254740992") == num("-9007199254740992"))
        #expect(try parse("9007199254740991") == num("9007199254740991"))
        #expect(try parse("1000000000000000") == num("1000000000000000"))
    }

    @Test("integers above 2^53 are refused with advice to send them as strings")
    func hugeIntegers() {
        let error = failure("12345678901234567890")
        #expect(error == JSONParseError(offset: 0, reason: "integer 12345678901234567890 is too large to represent exactly; send it as a string"))
        #expect(failure("9007199254740993")?.reason.contains("send it as a string") == true)
        #expect(failure("[-9007199254740993]")?.offset == 1)
        #expect(failure("99999999999999999")?.reason.contains("too large") == true)
        #expect(failure(#"{"id":10000000000000000}"#)?.offset == 6)
    }

    @Test("a fraction or exponent landing on an integer above 2^53 below 1e21 is refused like the integer literal")
    func largeNonIntegers() throws {
        let error = failure("12345678901234567890.0")
        #expect(error?.reason == "number 12345678901234567890.0 is the integer 12345678901234567000, which is too large to represent exactly; send it as a string")
        #expect(failure("[1e20]")?.offset == 1)
        #expect(failure("-1.5e17") != nil)
        #expect(try parse("1e21") == num("1e+21"))
        #expect(try parse("-1.5e300") == num("-1.5e+300"))
        #expect(try parse("9007199254740993e0") == num("9007199254740992"))   // rounds to exactly 2^53
        #expect(try parse("9.007199254740992e15") == num("9007199254740992"))
        #expect(try parse("1e15") == num("1000000000000000"))
        #expect(try parse("1.5") == num("1.5"))
    }

    @Test("numbers that overflow a double are refused as out of range")
    func outOfRange() {
        #expect(failure("1e400")?.reason.contains("number out of range") == true)
        #expect(failure("[-1.5e309]")?.offset == 1)
        #expect(failure("1.8e308")?.reason.contains("number out of range") == true)
        #expect(failure("1.7976931348623157e308") == nil)
    }

    @Test("negative zero becomes 0 and underflow becomes 0")
    func zeros() throws {
        #expect(try parse("-0") == num("0"))
        #expect(try parse("-0.0") == num("0"))
        #expect(try parse("0e10") == num("0"))
        #expect(try parse("-0E-5") == num("0"))
        #expect(try parse("1e-400") == num("0"))
        #expect(try parse("-0").canonicalBytes == Array("0".utf8))
    }

    @Test("numbers are held in canonical form, so equal numbers compare equal")
    func numberEquality() throws {
        #expect(try parse("1.0") == parse("1"))
        #expect(try parse("10e-1") == parse("1"))
        #expect(try parse("4.50") == parse("4.5"))
        #expect(try parse("[100]") == parse("[1e2]"))
        #expect(try parse("0.1") != parse("0.10000000000000002"))
    }

    @Test("the literal-digits fast path agrees with exact double conversion")
    func fastNumberPath() throws {
        var generator = SplitMix64(seed: 0x5EED)
        for _ in 0..<20_000 {
            let digits = String(generator.next() % 1_000_000_000_000_000)   // up to 15 digits
            let point = Int(generator.next() % UInt64(digits.count + 1))
            var literal = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            if literal.hasPrefix(".") { literal = "0" + literal }
            if literal.hasSuffix(".") { literal += "0" }
            if generator.next() % 2 == 0 { literal += "e" + String(Int(generator.next() % 600) - 300) }
            if generator.next() % 2 == 0 { literal = "-" + literal }
            let double = Double(literal)!
            guard let parsed = try? parse(literal) else {
                let refusable = double.isInfinite
                    || JSONNumberFormatter.isInexactInteger(canonical: JSONNumberFormatter.canonical(double))
                #expect(refusable, "literal \(literal) refused")
                continue
            }
            let exact = JSONNumberFormatter.canonical(double)
            #expect(parsed == .number(JSONNumber(uncheckedCanonical: exact)), "literal \(literal)")
        }
    }

    // MARK: Errors

    @Test("error description states the offset and the reason")
    func errorDescription() {
        let error = JSONParseError(offset: 7, reason: "duplicate key \"a\"")
        #expect(error.description == "invalid JSON at byte 7: duplicate key \"a\"")
    }
}

