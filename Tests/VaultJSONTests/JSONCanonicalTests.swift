import Testing
import VaultSandbox
@testable import VaultJSON

private func parse(_ text: String) throws(JSONParseError) -> JSONValue {
    try JSONParser.parse(Array(text.utf8))
}

private func canonical(_ text: String) throws(JSONParseError) -> String {
    String(decoding: try parse(text).canonicalBytes, as: UTF8.self)
}

private func canonicalNumber(_ literal: String) throws(JSONParseError) -> String {
    guard case .number(let n) = try parse(literal) else { return "not a number" }
    return n.canonical
}


@Suite("JSON canonical form (RFC 8785)")
struct JSONCanonicalTests {
    // MARK: Numbers

    /// RFC 8785 Appendix B: IEEE-754 bit patterns and their canonical text.
    static let appendixB: [(UInt64, String)] = [
        (0x0000000000000000, "0"),
        (0x8000000000000000, "0"),
        (0x0000000000000001, "5e-324"),
        (0x8000000000000001, "-5e-324"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0xffefffffffffffff, "-1.7976931348623157e+308"),
        (0x4340000000000000, "9007199254740992"),
        (0xc340000000000000, "-9007199254740992"),
        (0x4430000000000000, "295147905179352830000"),
        (0x44b52d02c7e14af5, "9.999999999999997e+22"),
        (0x44b52d02c7e14af6, "1e+23"),
        (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
        (0x444b1ae4d6e2ef4e, "999999999999999700000"),
        (0x444b1ae4d6e2ef4f, "999999999999999900000"),
        (0x444b1ae4d6e2ef50, "1e+21"),
        (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
        (0x3eb0c6f7a0b5ed8d, "0.000001"),
        (0x41b3de4355555553, "333333333.3333332"),
        (0x41b3de4355555554, "333333333.33333325"),
        (0x41b3de4355555555, "333333333.3333333"),
        (0x41b3de4355555556, "333333333.3333334"),
        (0x41b3de4355555557, "333333333.33333343"),
        (0xbecbf647612f3696, "-0.0000033333333333333333"),
        (0x43143ff3c1cb0959, "1424953923781206.2"),
    ]

    @Test("formats the RFC 8785 Appendix B doubles exactly as the RFC lists")
    func appendixBNumbers() {
        for (bits, expected) in Self.appendixB {
            let value = Double(bitPattern: bits)
            #expect(JSONNumberFormatter.canonical(value) == expected, "bits \(String(bits, radix: 16))")
        }
    }

    @Test("Appendix B numbers survive a parse of their canonical text, except integers above 2^53, which are refused")
    func appendixBRoundTrip() throws {
        for (bits, expected) in Self.appendixB {
            let value = Double(bitPattern: bits)
            if JSONNumberFormatter.isInexactInteger(canonical: expected) {
                // 295147905179352830000 is really 295147905179352825856: refused as inexact.
                #expect(throws: JSONParseError.self) { try parse(expected) }
                continue
            }
            #expect(try canonicalNumber(expected) == expected)
            #expect(JSONNumber(value).doubleValue == (value == 0 ? 0 : value))
        }
    }

    @Test("NaN and infinities are not representable (Appendix B lists them as errors) and the parser refuses them")
    func nonFinite() {
        #expect(throws: JSONParseError.self) { try parse("NaN") }
        #expect(throws: JSONParseError.self) { try parse("Infinity") }
        #expect(throws: JSONParseError.self) { try parse("1e999") }
        #expect(Double(bitPattern: 0x7fffffffffffffff).isNaN)
        #expect(Double(bitPattern: 0x7ff0000000000000).isInfinite)
    }

    @Test("number literals are rewritten in ECMAScript form", arguments: [
        ("1e+30", "1e+30"), ("1E30", "1e+30"), ("4.50", "4.5"), ("2e-3", "0.002"),
        ("0.000001", "0.000001"), ("1e-7", "1e-7"), ("333333333.33333329", "333333333.3333333"),
        ("-0", "0"), ("-0.0", "0"), ("9007199254740992", "9007199254740992"),
        ("0.000000000000000000000000001", "1e-27"), ("1e21", "1e+21"),
        ("123e-20", "1.23e-18"), ("100", "100"), ("1.0", "1"), ("10.50", "10.5"), ("-12.5e1", "-125"),
        ("2.5e-7", "2.5e-7"), ("0.1", "0.1"), ("1.5E+300", "1.5e+300"), ("-1.5e-300", "-1.5e-300"),
        ("0.30000000000000004", "0.30000000000000004"), ("1.25e15", "1250000000000000"),
        ("5e-324", "5e-324"), ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("123456.789", "123456.789"), ("0.000123", "0.000123"), ("1.0000000000000002", "1.0000000000000002"),
    ])
    func literalForms(_ literal: String, _ expected: String) throws {
        #expect(try canonicalNumber(literal) == expected)
    }

    @Test("refuses 9007199254740993 but accepts 9007199254740992")
    func twoToThe53() {
        #expect(throws: Never.self) { try parse("9007199254740992") }
        #expect(throws: JSONParseError.self) { try parse("9007199254740993") }
    }

    @Test("identifies canonical texts that are integers above 2^53")
    func inexactIntegers() {
        #expect(JSONNumberFormatter.isInexactInteger(canonical: "9007199254740993"))
        #expect(JSONNumberFormatter.isInexactInteger(canonical: "-9007199254740994"))
        #expect(JSONNumberFormatter.isInexactInteger(canonical: "100000000000000000000"))
        #expect(!JSONNumberFormatter.isInexactInteger(canonical: "9007199254740992"))
        #expect(!JSONNumberFormatter.isInexactInteger(canonical: "-9007199254740992"))
        #expect(!JSONNumberFormatter.isInexactInteger(canonical: "1e+21"))
        #expect(!JSONNumberFormatter.isInexactInteger(canonical: "1424953923781206.2"))
        #expect(!JSONNumberFormatter.isInexactInteger(canonical: "0.0000033333333333333333"))
        #expect(!JSONNumberFormatter.isInexactInteger(canonical: "1000000000000000"))
    }

    /// Random doubles and the text Node.js `String(x)` (ECMAScript Number::toString) gives them.
    static let ecmascriptReference: [(UInt64, String)] = [
        (0x1c0d57f10c894254, "1.4830122828920016e-173"),
        (0x41f04a6ece53d613, "4373015781.239764"),
        (0x43b53d12b10c4200, "1530400000000000000"),
        (0x6438f14dfe833301, "6.169062368256605e+174"),
        (0xc1af9825c659f77c, "-265032419.17571628"),
        (0x3d9ea06dded30993, "6.9637e-12"),
        (0x7a5b1baa844c07a2, "2.4603368763737895e+281"),
        (0x43de421879d836c9, "8721328324793279000"),
        (0x422b0a7bc3000000, "58070000000"),
        (0x16e635e91fb5a507, "2.3213088696070116e-198"),
        (0x41a4ac26c846fc8a, "173413220.13864547"),
        (0x3d7a23e6104e560b, "1.4859000000000002e-12"),
        (0x4b0e14fa2fee1740, "3.601597095685222e+53"),
        (0x3f92f3fb0a0a578f, "0.018508837211434644"),
        (0x43d54488a1664940, "6130000000000000000"),
        (0x48a12d9e7a7f7e9d, "7.482161107104073e+41"),
        (0x42cb2a840d01a5e8, "59738836042571.81"),
        (0x3e70ee57f34c1152, "6.3073e-8"),
        (0x2a0254f4b8c0f0ae, "2.497802242622384e-106"),
        (0x421ac880e5fe21e5, "28758260095.5331"),
        (0x422be92a99000000, "59938000000"),
        (0xba2202bd6b111d43, "-1.1366351447045025e-28"),
        (0xc04d555532ece316, "-58.66666256491423"),
        (0x3ee2e9a9b6cf07db, "0.0000090183"),
        (0x7b3c5add822ac76c, "4.21642788634725e+285"),
        (0x425acc1833b7234b, "460373151452.55145"),
        (0x436455f29ab1c000, "45792000000000000"),
        (0xdbdab32a9d076279, "-3.0322654230317206e+134"),
        (0xc42557b077fad794, "-196850153872171860000"),
        (0x3e498ea4d9529bd3, "1.1901e-8"),
        (0xf8b096f3e50962fa, "-2.243641892571957e+273"),
        (0x407cc8c8b5a9ed41, "460.54900137307783"),
        (0x43c7e6d6b990a7c0, "3444600000000000000"),
        (0xd1c55e28055213bf, "-8.302111359536645e+85"),
        (0xc4eade60d0cbbae2, "-1.0150694563104049e+24"),
        (0x3e746d7bc40b1392, "7.6099e-8"),
        (0xaeed00ddf409fed8, "-1.1943728281977692e-82"),
        (0x413e6c05464e7547, "1993733.2746346758"),
        (0x43c281303c3f8180, "2666800000000000000"),
        (0xf6a68cedac233a95, "-3.550442059653537e+263"),
        (0x40e21fc20861b880, "37118.06352315936"),
        (0x3d9302b3cd08d0f0, "4.3225e-12"),
        (0xc9b76b6f506e2a86, "-1.3370266429795474e+47"),
        (0xc2d54d4349db74dd, "-93686342315475.45"),
        (0x42241d2045000000, "43194000000"),
        (0xafcb225a5a3f847b, "-1.8307456918140365e-78"),
        (0x42614011f6e1cfee, "592714905358.4978"),
        (0x3e961cc4534dfd31, "3.2950000000000003e-7"),
        (0x4e38c39715f5a984, "6.676367699717682e+68"),
        (0xc45123758c82c983, "-1.2645990084400778e+21"),
        (0x43ae43c20bae2c01, "1090400000000000100"),
        (0x199caab70947a2f1, "2.635376904535398e-185"),
        (0x41604eb48519b4ac, "8549796.159387909"),
        (0x3e73fa2c13de589e, "7.4421e-8"),
        (0xe91161c171e55352, "-1.2993117369227807e+198"),
        (0x40d5cea097c6d4b9, "22330.509263713586"),
        (0x436fd21dde178c00, "71654000000000000"),
        (0xbe58e98c88d2ab77, "-2.3201387967682277e-8"),
        (0x4329fe83a7c2ae3a, "3658357913245469"),
        (0x3e624fa160fb4060, "3.4107e-8"),
        (0x97bdf4146462f370, "-2.5645398987830546e-194"),
        (0xc436d96ea3c0dbff, "-421496009823998640000"),
        (0x436aa94d90b78800, "60036000000000000"),
        (0x1720cf09b271778d, "2.810787753015638e-197"),
        (0xc1afa30b10b97818, "-265389448.36224437"),
        (0x3ed75c6b7a724306, "0.0000055697"),
        (0x7f9e1bb7449e295e, "5.285685707975417e+306"),
        (0xc473079c797068d5, "-5.616585346861055e+21"),
        (0x41fa2c8408000000, "7026000000"),
        (0x0b3fee28d4f304b3, "1.7012448335417481e-254"),
        (0xc48a209ed5a321c6, "-1.542290869979537e+22"),
        (0x3e502c7c64bf925e, "1.5063e-8"),
        (0x4c337d01377e489c, "1.223300405975568e+59"),
        (0xc0584cb7f16ba8bb, "-97.19872699273667"),
        (0x43cc691d8db02e00, "4094400000000000000"),
        (0x51af9eed4381d469, "3.0714379885175004e+85"),
        (0x3f0e5fc60ab6eec4, "0.00005793402791762"),
        (0x3e7309edcb923d9a, "7.092500000000001e-8"),
        (0x159df36aadcd38aa, "1.4926296321240614e-204"),
        (0x42ba449ec688cd31, "28882023909581.19"),
        (0x42144b240e000000, "21790000000"),
        (0xf071cef43f724c2f, "-4.423661694707218e+233"),
        (0x43e4144f1da53692, "11574946952297878000"),
        (0x3ebc45730b414ff7, "0.0000016851"),
        (0x2d306e0b82175508, "5.040983348966307e-91"),
        (0x42bfc04946586bb7, "34910723528811.715"),
        (0x437448fcc4819c00, "91356000000000000"),
        (0x0082c32653da1585, "3.3398008980452225e-306"),
        (0x40e2e587e7d344b0, "38700.24704898277"),
        (0x3eda90c232ff818c, "0.0000063337"),
        (0xf45268e43fb84d36, "-2.1089382755147815e+252"),
        (0xc0f1fee99188ddcd, "-73710.5980309166"),
        (0x4220d02bad000000, "36106000000"),
        (0x81757a6cc0487deb, "-1.2528026936823742e-301"),
        (0x424681e2c864389e, "193336807624.44232"),
        (0x3ee3aa81c943556a, "0.0000093775"),
        (0x4843247acbcd04b4, "1.3027709546270415e+40"),
        (0x407eaf8cac8aa0f3, "490.9718442359146"),
        (0x437059f309942800, "73640000000000000"),
        (0x6a0f4c204c37d6e1, "7.666107645074883e+202"),
        (0x43a70cd3edc6e5dc, "830467690395266600"),
        (0x3ed6dc0014a4871c, "0.0000054501000000000006"),
        (0xc05bc005e6027302, "-111.00036001433548"),
        (0xc41ee28f250db6a9, "-142431907531589300000"),
        (0x436e181a2cbb2c01, "67766000000000010"),
        (0xe8da5befdf0fd5e7, "-1.2314824736844323e+197"),
        (0x3f08f1a51bc0b3ea, "0.00004757676239850585"),
        (0x3e599c1cead982fa, "2.3851e-8"),
        (0x4dea02d0127983a0, "2.1914213557933625e+67"),
        (0xc214aa299b30046f, "-22188549836.00433"),
        (0x421706a934000000, "24724000000"),
        (0x45de724310d0f47d, "3.7690738187341897e+28"),
        (0xc384c6ccfe2d7e48, "-187138664775534850"),
        (0x3d59ad743a665834, "3.649e-13"),
        (0xb492e1014737f60e, "-1.9248552901866606e-55"),
        (0xbe7354219d74b3c5, "-7.200478734500761e-8"),
        (0x43e0ae735e702390, "9616200000000000000"),
        (0xf37197d2a5c0d023, "-1.2300925219447276e+248"),
        (0xc2a754eb49ec7476, "-12826746091066.23"),
        (0x3da317b34c247031, "8.6823e-12"),
    ]

    @Test("formats random doubles exactly as ECMAScript Number::toString does (reference from Node.js)")
    func ecmascriptAgreement() throws {
        for (bits, expected) in Self.ecmascriptReference {
            #expect(JSONNumberFormatter.canonical(Double(bitPattern: bits)) == expected, "bits \(String(bits, radix: 16))")
            if JSONNumberFormatter.isInexactInteger(canonical: expected) {
                #expect(throws: JSONParseError.self) { try parse(expected) }
            } else {
                #expect(try canonicalNumber(expected) == expected)
                #expect(JSONNumber(Double(bitPattern: bits)).canonical == expected)
            }
        }
    }

    @Test("JSONNumber initialisers produce canonical text and doubleValue recovers the number")
    func numberInitialisers() {
        #expect(JSONNumber(0).canonical == "0")
        #expect(JSONNumber(-42).canonical == "-42")
        #expect(JSONNumber(9_007_199_254_740_992).canonical == "9007199254740992")
        #expect(JSONNumber(-0.0).canonical == "0")
        #expect(JSONNumber(2.0).canonical == "2")
        #expect(JSONNumber(1e21).canonical == "1e+21")
        #expect(JSONNumber(0.1 + 0.2).doubleValue == 0.1 + 0.2)
        #expect(JSONNumber(1e-7).doubleValue == 1e-7)
        #expect(JSONNumber(7) == JSONNumber(7.0))
        #expect(JSONNumber(7).hashValue == JSONNumber(7.0).hashValue)
    }

    // MARK: Strings

    @Test("escapes only quote, backslash and control characters, with lowercase \\u00xx")
    func stringEscaping() {
        var expected = ""
        let short: [UInt8: String] = [0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"]
        let hex = Array("0123456789abcdef")
        var raw = ""
        for c in UInt8(0)..<0x20 {
            raw.unicodeScalars.append(Unicode.Scalar(c))
            expected += short[c] ?? "\\u00\(hex[Int(c >> 4)])\(hex[Int(c & 0xF)])"
        }
        raw += "\"\\/\u{7F}\u{2028}\u{2029}é😀"
        expected += "\\\"\\\\/\u{7F}\u{2028}\u{2029}é😀"
        let bytes = JSONValue.string(raw).canonicalBytes
        #expect(String(decoding: bytes, as: UTF8.self) == "\"" + expected + "\"")
        #expect(String(decoding: bytes, as: UTF8.self).contains("\\u001f"))
        #expect(String(decoding: bytes, as: UTF8.self).contains("\\u000b"))
    }

    @Test("non-ASCII text is written literally as UTF-8 even when the input escaped it")
    func literalUnicode() throws {
        #expect(try canonical(#""\u00e9\u20ac\ud83d\ude00\u2028\/""#) == "\"é€😀\u{2028}/\"")
    }

    // MARK: Structure

    @Test("RFC 8785 section 3.2.2 example canonicalizes to the published output")
    func rfcExample() throws {
        let input = #"""
        {
          "numbers": [333333333.33333329, 1E30, 4.50,
                      2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }
        """#
        let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        #expect(try canonical(input) == expected)
    }

    @Test("RFC 8785 section 3.2.3 example sorts keys by UTF-16 code units")
    func rfcSortingExample() throws {
        let input = #"""
        {
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }
        """#
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\","
            + "\"\u{F6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20AC}\":\"Euro Sign\","
            + "\"\u{1F600}\":\"Emoji: Grinning Face\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        #expect(try canonical(input) == expected)
        // Swift's String ordering would put U+FB33 before the emoji; UTF-16 order does not.
        #expect("\u{FB33}" < "\u{1F600}")
    }

    @Test("writes no whitespace and keeps array order")
    func compact() throws {
        #expect(try canonical(" [ 3 , 1 , { } , [ ] , \"a b\" , { \"k\" : [ null ] } ] ") == #"[3,1,{},[],"a b",{"k":[null]}]"#)
    }

    @Test("key comparison matches lexicographic comparison of UTF-16 code units")
    func utf16Ordering() {
        var keys = ["", "a", "ab", "aa", "b", "A", "\u{0}", "\u{0}a", "\u{7F}", "\u{80}", "\u{7FF}", "\u{800}", "\u{D7FF}",
                    "\u{E000}", "\u{F8FF}", "\u{FB33}", "\u{FFFD}", "\u{FFFF}", "\u{10000}", "\u{1F600}", "\u{10FFFF}",
                    "a\u{E000}", "a\u{1F600}", "a\u{FFFF}b", "a\u{10000}b", "abcdefgh", "abcdefghi", "abcdefgh\u{E000}",
                    "abcdefgh\u{1F600}", "abcdefg\u{E000}", "abcdefg\u{1F600}", "\u{1F600}\u{E000}", "\u{1F600}\u{1F600}"]
        var generator = SplitMix64(seed: 42)
        let alphabet: [Unicode.Scalar] = ["a", "b", "\u{7F}", "\u{E9}", "\u{D7FF}", "\u{E000}", "\u{FFFF}", "\u{10000}", "\u{1F600}"]
        for _ in 0..<60 {
            var s = ""
            for _ in 0..<Int(generator.next() % 10) {
                s.unicodeScalars.append(alphabet[Int(generator.next() % UInt64(alphabet.count))])
            }
            keys.append(s)
        }
        for a in keys {
            for b in keys {
                let expected = Array(a.utf16).lexicographicallyPrecedes(Array(b.utf16))
                #expect(JSONCanonical.utf16Precedes(a, b) == expected, "\(a.debugDescription) vs \(b.debugDescription)")
            }
        }
        // The object writer (which sorts by an 8-byte prefix first) agrees too.
        var members: [String: JSONValue] = [:]
        for (i, key) in keys.enumerated() where members[key] == nil { members[key] = .number(JSONNumber(i)) }
        var expected: [UInt8] = [UInt8(ascii: "{")]
        let sorted = members.keys.sorted { Array($0.utf16).lexicographicallyPrecedes(Array($1.utf16)) }
        for (i, key) in sorted.enumerated() {
            if i > 0 { expected.append(UInt8(ascii: ",")) }
            JSONValue.string(key).writeCanonical(into: &expected)
            expected.append(UInt8(ascii: ":"))
            members[key]!.writeCanonical(into: &expected)
        }
        expected.append(UInt8(ascii: "}"))
        #expect(JSONValue.object(members).canonicalBytes == expected)
    }

    /// Random documents: (input with arbitrary key order and whitespace, canonical form
    /// computed by Node.js as recursively key-sorted JSON.stringify).
    static let nodeReference: [(String, String)] = [
        (#"{"2":"\#u{7F}","\#u{F6}":[],"\n":false,"\#u{E000}":549.94}"#, #"{"\n":false,"2":"\#u{7F}","\#u{F6}":[],"\#u{E000}":549.94}"#),
        (#"{\#n "1": {},\#n "\#u{FFFD}": {\#n  "\#u{FB33}": {\#n   "z": 0,\#n   "\#u{E9}": 2.3611189667983237e-217,\#n   "\#u{20AC}": "\u0000"\#n  },\#n  "\#u{E9}": [\#n   "\"",\#n   6.5e-14,\#n   "\u0001\u0002"\#n  ],\#n  "m~n": {},\#n  "\#u{E000}": "quote\"back\\slash",\#n  "~1": [\#n   -1856296.139747245,\#n   [\#n    "\#u{FB33}",\#n    -115\#n   ],\#n   -1.3587724577004394e-13\#n  ]\#n },\#n "\#u{20AC}": "quote\"back\\slash",\#n "\n": "\u0001\u0002",\#n "aa": "\#u{3A9}mega"\#n}"#, #"{"\n":"\u0001\u0002","1":{},"aa":"\#u{3A9}mega","\#u{20AC}":"quote\"back\\slash","\#u{FFFD}":{"m~n":{},"~1":[-1856296.139747245,["\#u{FB33}",-115],-1.3587724577004394e-13],"\#u{E9}":["\"",6.5e-14,"\u0001\u0002"],"\#u{E000}":"quote\"back\\slash","\#u{FB33}":{"z":0,"\#u{E9}":2.3611189667983237e-217,"\#u{20AC}":"\u0000"}}}"#),
        (#"{\#n  "\#u{80}": "/",\#n  "": [\#n    8.5e-25,\#n    {\#n      "~1": -8.636514217985111e-135,\#n      "\t": {\#n        "\n": 8,\#n        "\#u{E9}": false,\#n        "": -6.881751701615229e+286,\#n        "ab": "\u0000",\#n        "\#u{1F389}": "\u001f"\#n      }\#n    },\#n    false\#n  ],\#n  "\t": 938.39,\#n  "\#u{20AC}": "\#u{7F}",\#n  "a": "x",\#n  "\#u{1F389}": false\#n}"#, #"{"":[8.5e-25,{"\t":{"":-6.881751701615229e+286,"\n":8,"ab":"\u0000","\#u{E9}":false,"\#u{1F389}":"\u001f"},"~1":-8.636514217985111e-135},false],"\t":938.39,"a":"x","\#u{80}":"/","\#u{20AC}":"\#u{7F}","\#u{1F389}":false}"#),
        (#"{"10":false,"\#u{FFFD}":null,"key with space":[{"ab":-3.179849171266574e-240,"":"\"","a/b":494},-8.951189399419817e-240],"":[806.25,[3.6e-7,114.35],null],"\#u{E000}":{"aa":[],"\t":[]},"\r":{"A":true},"\#u{E9}":710000000000000}"#, #"{"":[806.25,[3.6e-7,114.35],null],"\r":{"A":true},"10":false,"key with space":[{"":"\"","a/b":494,"ab":-3.179849171266574e-240},-8.951189399419817e-240],"\#u{E9}":710000000000000,"\#u{E000}":{"\t":[],"aa":[]},"\#u{FFFD}":null}"#),
        (#"{\#n "10": {\#n  "A": -126,\#n  "\#u{E9}": [\#n   237,\#n   {\#n    "\n": 0,\#n    "~1": "/"\#n   },\#n   {\#n    "\n": "\"",\#n    "\#u{80}": "\#u{3A9}mega"\#n   }\#n  ],\#n  "\#u{E000}": {\#n   "a/b": null\#n  },\#n  "\t": "\#u{E9}\#u{20AC}\#u{1F600}"\#n },\#n "\#u{65E5}\#u{672C}": 77,\#n "\#u{80}": "\"",\#n "\#u{FFFD}": [\#n  [\#n   "\u001f",\#n   "\u001f",\#n   "\#u{7F}"\#n  ],\#n  "\\",\#n  []\#n ]\#n}"#, #"{"10":{"\t":"\#u{E9}\#u{20AC}\#u{1F600}","A":-126,"\#u{E9}":[237,{"\n":0,"~1":"/"},{"\n":"\"","\#u{80}":"\#u{3A9}mega"}],"\#u{E000}":{"a/b":null}},"\#u{80}":"\"","\#u{65E5}\#u{672C}":77,"\#u{FFFD}":[["\u001f","\u001f","\#u{7F}"],"\\",[]]}"#),
        (#"{\#n  "1": false,\#n  "A": "\u0000",\#n  "\#u{65E5}\#u{672C}": 0,\#n  "\#u{FB33}": "x",\#n  "\#u{F6}": {\#n    "\#u{F6}": "\b\f\n\r\t",\#n    "\#u{80}": [\#n      [\#n        "\#u{3A9}mega",\#n        "\#u{E9}\#u{20AC}\#u{1F600}",\#n        true\#n      ],\#n      "\u0001\u0002"\#n    ],\#n    "\#u{FB33}": "\#u{E9}\#u{20AC}\#u{1F600}",\#n    "\#u{1F600}": 770.06\#n  },\#n  "a": {}\#n}"#, #"{"1":false,"A":"\u0000","a":{},"\#u{F6}":{"\#u{80}":[["\#u{3A9}mega","\#u{E9}\#u{20AC}\#u{1F600}",true],"\u0001\u0002"],"\#u{F6}":"\b\f\n\r\t","\#u{1F600}":770.06,"\#u{FB33}":"\#u{E9}\#u{20AC}\#u{1F600}"},"\#u{65E5}\#u{672C}":0,"\#u{FB33}":"x"}"#),
        (#"{"":"\b\f\n\r\t","\#u{65E5}\#u{672C}":{"\#u{FB33}":true,"\#u{20AC}":true,"A":2.49115532757095e-147,"\#u{1F600}":-8.61343322493436e+42},"ab":[null],"aa":false,"~1":"\#u{E9}\#u{20AC}\#u{1F600}","A":1.9628584418140993e+70}"#, #"{"":"\b\f\n\r\t","A":1.9628584418140993e+70,"aa":false,"ab":[null],"~1":"\#u{E9}\#u{20AC}\#u{1F600}","\#u{65E5}\#u{672C}":{"A":2.49115532757095e-147,"\#u{20AC}":true,"\#u{1F600}":-8.61343322493436e+42,"\#u{FB33}":true}}"#),
        (#"{\#n "\#u{1F600}": [],\#n "": {\#n  "\#u{65E5}\#u{672C}": "hello",\#n  "b": null\#n },\#n "\t": [\#n  {},\#n  -68\#n ]\#n}"#, #"{"":{"b":null,"\#u{65E5}\#u{672C}":"hello"},"\t":[{},-68],"\#u{1F600}":[]}"#),
        (#"{\#n  "10": {\#n    "1": "\\",\#n    "\#u{FB33}": "tab\there"\#n  },\#n  "\#u{FFFD}": true,\#n  "\#u{F6}": {\#n    "a": "\#u{3A9}mega"\#n  },\#n  "\r": [\#n    "x"\#n  ],\#n  "key with space": "\#u{E9}\#u{20AC}\#u{1F600}",\#n  "\#u{80}": {\#n    "\#u{F6}": "\\"\#n  }\#n}"#, #"{"\r":["x"],"10":{"1":"\\","\#u{FB33}":"tab\there"},"key with space":"\#u{E9}\#u{20AC}\#u{1F600}","\#u{80}":{"\#u{F6}":"\\"},"\#u{F6}":{"a":"\#u{3A9}mega"},"\#u{FFFD}":true}"#),
        (#"{"10":false,"":true,"\#u{E9}":true,"\n":-166,"~1":"\u0001\u0002","\#u{F6}":false}"#, #"{"":true,"\n":-166,"10":false,"~1":"\u0001\u0002","\#u{E9}":true,"\#u{F6}":false}"#),
        (#"{\#n "2": [\#n  0,\#n  [\#n   "\u0001\u0002"\#n  ],\#n  "\#u{7F}"\#n ],\#n "\#u{E9}": {\#n  "1": false,\#n  "\#u{65E5}\#u{672C}": "hello"\#n },\#n "\#u{FFFD}": null,\#n "\r": {\#n  "\#u{F6}": "\#u{7F}"\#n }\#n}"#, #"{"\r":{"\#u{F6}":"\#u{7F}"},"2":[0,["\u0001\u0002"],"\#u{7F}"],"\#u{E9}":{"1":false,"\#u{65E5}\#u{672C}":"hello"},"\#u{FFFD}":null}"#),
        (#"{\#n  "10": [],\#n  "b": 0,\#n  "\#u{1F389}": {\#n    "1": {\#n      "1": "\u0000",\#n      "": [\#n        null\#n      ],\#n      "ab": {\#n        "m~n": 493.15\#n      },\#n      "\#u{65E5}\#u{672C}": "hello"\#n    },\#n    "10": 22000000,\#n    "z": "\b\f\n\r\t",\#n    "\#u{F6}": "tab\there"\#n  },\#n  "\#u{1F600}": "tab\there",\#n  "\#u{F6}": ""\#n}"#, #"{"10":[],"b":0,"\#u{F6}":"","\#u{1F389}":{"1":{"":[null],"1":"\u0000","ab":{"m~n":493.15},"\#u{65E5}\#u{672C}":"hello"},"10":22000000,"z":"\b\f\n\r\t","\#u{F6}":"tab\there"},"\#u{1F600}":"tab\there"}"#),
        (#"{"\#u{80}":{"\#u{20AC}":[],"~1":860.16},"\n":"\u001f"}"#, #"{"\n":"\u001f","\#u{80}":{"~1":860.16,"\#u{20AC}":[]}}"#),
        (#"{\#n "\#u{20AC}": 652.97,\#n "A": null,\#n "\t": -1.5041227682536396e+254,\#n "": [\#n  false,\#n  951.92\#n ],\#n "key with space": "\\",\#n "\#u{F6}": true\#n}"#, #"{"":[false,951.92],"\t":-1.5041227682536396e+254,"A":null,"key with space":"\\","\#u{F6}":true,"\#u{20AC}":652.97}"#),
        (#"{\#n  "\#u{E9}": [],\#n  "ab": [\#n    [\#n      true,\#n      4.5e-27\#n    ],\#n    "hello",\#n    "\\"\#n  ],\#n  "\#u{20AC}": 0.00007099999999999999\#n}"#, #"{"ab":[[true,4.5e-27],"hello","\\"],"\#u{E9}":[],"\#u{20AC}":0.00007099999999999999}"#),
        (#"{"1":null,"\#u{65E5}\#u{672C}":["quote\"back\\slash"],"z":"/","\r":null}"#, #"{"\r":null,"1":null,"z":"/","\#u{65E5}\#u{672C}":["quote\"back\\slash"]}"#),
        (#"{\#n "m~n": 0,\#n "\#u{F6}": -2.2322522015468998e-178,\#n "\n": [],\#n "\#u{FB33}": null,\#n "\r": "\u0001\u0002"\#n}"#, #"{"\n":[],"\r":"\u0001\u0002","m~n":0,"\#u{F6}":-2.2322522015468998e-178,"\#u{FB33}":null}"#),
        (#"{\#n  "\#u{80}": -2.774381866044212e+194,\#n  "\#u{F6}": [\#n    "\#u{3A9}mega",\#n    {\#n      "~1": {\#n        "2": "\u0001\u0002",\#n        "\#u{E9}": 0.008199999999999999,\#n        "A": "\#u{E9}\#u{20AC}\#u{1F600}",\#n        "\#u{FB33}": null,\#n        "\#u{1F389}": "x"\#n      }\#n    }\#n  ],\#n  "\#u{E9}": true,\#n  "\r": "\u0000"\#n}"#, #"{"\r":"\u0000","\#u{80}":-2.774381866044212e+194,"\#u{E9}":true,"\#u{F6}":["\#u{3A9}mega",{"~1":{"2":"\u0001\u0002","A":"\#u{E9}\#u{20AC}\#u{1F600}","\#u{E9}":0.008199999999999999,"\#u{1F389}":"x","\#u{FB33}":null}}]}"#),
        (#"{"2":false,"\r":0,"a/b":{},"\#u{80}":"/","z":[],"\#u{20AC}":46000000,"\#u{FFFD}":"quote\"back\\slash"}"#, #"{"\r":0,"2":false,"a/b":{},"z":[],"\#u{80}":"/","\#u{20AC}":46000000,"\#u{FFFD}":"quote\"back\\slash"}"#),
        (#"{\#n "\#u{E000}": "x",\#n "\#u{F6}": null\#n}"#, #"{"\#u{F6}":null,"\#u{E000}":"x"}"#),
        (#"{\#n  "\#u{E000}": "\u001f",\#n  "\t": 3.06187928279146e-118,\#n  "\#u{E9}": {\#n    "1": "\#u{7F}",\#n    "aa": null\#n  }\#n}"#, #"{"\t":3.06187928279146e-118,"\#u{E9}":{"1":"\#u{7F}","aa":null},"\#u{E000}":"\u001f"}"#),
        (#"{"a/b":"\#u{FB33}","\#u{FB33}":null,"\t":{"\n":"quote\"back\\slash","key with space":{"ab":3.0000000000000003e-21,"\t":"\#u{E9}\#u{20AC}\#u{1F600}","z":"/"},"\#u{F6}":[]},"\#u{80}":{}}"#, #"{"\t":{"\n":"quote\"back\\slash","key with space":{"\t":"\#u{E9}\#u{20AC}\#u{1F600}","ab":3.0000000000000003e-21,"z":"/"},"\#u{F6}":[]},"a/b":"\#u{FB33}","\#u{80}":{},"\#u{FB33}":null}"#),
        (#"{\#n "\#u{F6}": {\#n  "~1": 0,\#n  "\#u{E9}": null,\#n  "a": "x",\#n  "b": {\#n   "2": null,\#n   "b": "/",\#n   "~1": "\\",\#n   "\r": "\#u{3A9}mega"\#n  }\#n },\#n "ab": null,\#n "m~n": "\#u{FB33}",\#n "A": "\u001f"\#n}"#, #"{"A":"\u001f","ab":null,"m~n":"\#u{FB33}","\#u{F6}":{"a":"x","b":{"\r":"\#u{3A9}mega","2":null,"b":"/","~1":"\\"},"~1":0,"\#u{E9}":null}}"#),
        (#"{\#n  "10": [\#n    [],\#n    false\#n  ],\#n  "key with space": "\"",\#n  "": {\#n    "m~n": "\u0000",\#n    "": null,\#n    "\#u{80}": "\u0000",\#n    "\#u{FB33}": [],\#n    "\#u{E000}": "\""\#n  }\#n}"#, #"{"":{"":null,"m~n":"\u0000","\#u{80}":"\u0000","\#u{E000}":"\"","\#u{FB33}":[]},"10":[[],false],"key with space":"\""}"#),
        (#"{"10":{"\n":{"\t":[],"\#u{65E5}\#u{672C}":3.717360617961366e+188},"key with space":null},"\#u{20AC}":"tab\there","\#u{FFFD}":false,"\#u{E000}":{"\#u{FFFD}":"\#u{FB33}","\#u{FB33}":"\b\f\n\r\t","a":[0,[""]]},"b":false,"\#u{65E5}\#u{672C}":{},"\#u{1F389}":[]}"#, #"{"10":{"\n":{"\t":[],"\#u{65E5}\#u{672C}":3.717360617961366e+188},"key with space":null},"b":false,"\#u{20AC}":"tab\there","\#u{65E5}\#u{672C}":{},"\#u{1F389}":[],"\#u{E000}":{"a":[0,[""]],"\#u{FB33}":"\b\f\n\r\t","\#u{FFFD}":"\#u{FB33}"},"\#u{FFFD}":false}"#),
        (#"{\#n "~1": 0,\#n "\#u{F6}": null\#n}"#, #"{"~1":0,"\#u{F6}":null}"#),
        (#"{\#n  "\t": "\#u{E9}\#u{20AC}\#u{1F600}",\#n  "a": [],\#n  "\#u{FFFD}": "\#u{3A9}mega"\#n}"#, #"{"\t":"\#u{E9}\#u{20AC}\#u{1F600}","a":[],"\#u{FFFD}":"\#u{3A9}mega"}"#),
        (#"{"\#u{FB33}":420,"A":55,"\#u{1F600}":{"10":[]}}"#, #"{"A":55,"\#u{1F600}":{"10":[]},"\#u{FB33}":420}"#),
        (#"{\#n "1": null,\#n "z": "\\",\#n "\#u{1F600}": 924.66,\#n "\r": {\#n  "\#u{FB33}": [\#n   "\b\f\n\r\t",\#n   [\#n    "\u0001\u0002",\#n    null\#n   ]\#n  ]\#n },\#n "\n": 0,\#n "aa": {}\#n}"#, #"{"\n":0,"\r":{"\#u{FB33}":["\b\f\n\r\t",["\u0001\u0002",null]]},"1":null,"aa":{},"z":"\\","\#u{1F600}":924.66}"#),
        (#"{\#n  "1": null,\#n  "2": [\#n    -417\#n  ],\#n  "\#u{20AC}": "\u0000",\#n  "\#u{FFFD}": -9.458561947101978e+176,\#n  "\#u{1F389}": [\#n    true\#n  ]\#n}"#, #"{"1":null,"2":[-417],"\#u{20AC}":"\u0000","\#u{1F389}":[true],"\#u{FFFD}":-9.458561947101978e+176}"#),
    ]

    @Test("canonicalizes random documents exactly like a reference implementation (Node.js)")
    func nodeAgreement() throws {
        for (input, expected) in Self.nodeReference {
            #expect(try canonical(input) == expected, "input \(input)")
        }
    }

    // MARK: Stability

    static let samples: [String] = [
        #"{"b":[1,2.5,-3e-9,{"z":null,"a":true}],"a":"x\ny","é":{},"😀":[],"\uE000":false}"#,
        #"[[[[]]],{},"",0,-0,1e300,"\u0000\u001f\"\\"]"#,
        #""just a string""#,
        "12.75",
        "null",
        #"{"amount":1250.75,"currency":"EUR","fees":[0.5,1,2.25],"note":"Rechnung \u00fcber 5 \u20ac"}"#,
    ]

    @Test("canonicalizing canonical bytes is the identity, and parsing canonical bytes gives back the value")
    func idempotent() throws {
        for sample in Self.samples {
            let value = try parse(sample)
            let once = value.canonicalBytes
            let reparsed = try JSONParser.parse(once)
            #expect(reparsed == value)
            #expect(reparsed.canonicalBytes == once)
        }
    }

    @Test("parse(canonical(x)) == x for randomly generated values")
    func randomRoundTrip() throws {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let value = Self.randomValue(depth: 0, &generator)
            let bytes = value.canonicalBytes
            let reparsed = try JSONParser.parse(bytes)
            #expect(reparsed == value, "\(String(decoding: bytes, as: UTF8.self))")
            #expect(reparsed.canonicalBytes == bytes)
        }
    }

    fileprivate static func randomValue(depth: Int, _ g: inout SplitMix64) -> JSONValue {
        switch g.next() % (depth >= 4 ? 4 : 6) {
        case 0: return [JSONValue.null, .bool(true), .bool(false)][Int(g.next() % 3)]
        case 1:
            var d = Double(bitPattern: g.next())
            if !d.isFinite || JSONNumberFormatter.isInexactInteger(canonical: JSONNumberFormatter.canonical(d)) { d = 0.5 }
            return .number(g.next() % 2 == 0 ? JSONNumber(d) : JSONNumber(Int(g.next() % 100_000) - 50_000))
        case 2, 3: return .string(randomString(&g))
        case 4: return .array((0..<Int(g.next() % 4)).map { _ in randomValue(depth: depth + 1, &g) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int(g.next() % 5) { members[randomString(&g)] = randomValue(depth: depth + 1, &g) }
            return .object(members)
        }
    }

    fileprivate static func randomString(_ g: inout SplitMix64) -> String {
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{1F}", "\n", "\u{7F}",
                                          "\u{E9}", "\u{2028}", "\u{E000}", "\u{FFFF}", "\u{1F600}", "\u{10FFFF}"]
        var s = ""
        for _ in 0..<Int(g.next() % 8) {
            s.unicodeScalars.append(alphabet[Int(g.next() % UInt64(alphabet.count))])
        }
        return s
    }

    @Test("writeCanonical appends to existing bytes and matches canonicalBytes")
    func appends() throws {
        let value = try parse(#"{"b":1,"a":[true]}"#)
        var out = Array("prefix:".utf8)
        value.writeCanonical(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"prefix:{"a":[true],"b":1}"#)
        #expect(Array(out.dropFirst(7)) == value.canonicalBytes)
    }

    @Test("values built in code canonicalize like parsed ones")
    func builtValues() {
        let value: JSONValue = .object(["z": .number(JSONNumber(1.5)), "a": .array([.null, .string("\t")])])
        #expect(String(decoding: value.canonicalBytes, as: UTF8.self) == #"{"a":[null,"\t"],"z":1.5}"#)
    }
}
