import Testing
import VaultSandbox
@testable import VaultJSON

private func json(_ text: String) -> JSONValue {
    do {
        return try JSONParser.parse(Array(text.utf8))
    } catch {
        Issue.record("test fixture does not parse: \(error)")
        return .null
    }
}

private func canonicalText(_ value: JSONValue) -> String {
    String(decoding: value.canonicalBytes, as: UTF8.self)
}

/// The error applying `patch` to `document` throws, or nil if it applies.
private func applyFailure(_ patch: String, to document: String?) -> JSONPatchError? {
    do {
        _ = try JSONPatch.apply(json(patch), to: document.map(json))
        return nil
    } catch {
        return error
    }
}

private func validateFailure(_ patch: String) -> JSONPatchError? {
    do {
        try JSONPatch.validate(json(patch))
        return nil
    } catch {
        return error
    }
}


@Suite("JSON Patch (RFC 6902)")
struct JSONPatchTests {
    // MARK: diff

    @Test("diff from no previous state is a single add of the whole document")
    func diffFromNil() throws {
        let new = json(#"{"a":[1,{"b":null}]}"#)
        let patch = JSONPatch.diff(from: nil, to: new)
        #expect(canonicalText(patch) == #"[{"op":"add","path":"","value":{"a":[1,{"b":null}]}}]"#)
        #expect(try JSONPatch.apply(patch, to: nil) == new)
    }

    @Test("diff of equal documents is empty, including numerically equal numbers")
    func diffEqual() {
        #expect(JSONPatch.diff(from: json(#"{"a":[1,2],"b":"x"}"#), to: json(#"{"b":"x","a":[1,2]}"#)) == .array([]))
        #expect(JSONPatch.diff(from: json(#"{"n":1}"#), to: json(#"{"n":1.0}"#)) == .array([]))
        #expect(JSONPatch.diff(from: .null, to: .null) == .array([]))
    }

    /// (old, new, expected patch). Each expected patch is what `diff` is documented to
    /// produce; all were checked by applying them with Python's `jsonpatch` 1.33.
    static let expectedDiffs: [(String, String, String)] = [
        (#"{"a":1,"b":2}"#, #"{"a":1,"b":3,"c":4}"#,
         #"[{"op":"replace","path":"/b","value":3},{"op":"add","path":"/c","value":4}]"#),
        (#"{"x":{"y":{"z":1,"w":2}},"k":true}"#, #"{"x":{"y":{"z":5}},"k":true}"#,
         #"[{"op":"remove","path":"/x/y/w"},{"op":"replace","path":"/x/y/z","value":5}]"#),
        ("[1,2,3]", "[1,5,3,4,6]",
         #"[{"op":"replace","path":"/1","value":5},{"op":"add","path":"/3","value":4},{"op":"add","path":"/4","value":6}]"#),
        ("[1,2,3,4,5]", "[1,9]",
         #"[{"op":"replace","path":"/1","value":9},{"op":"remove","path":"/4"},{"op":"remove","path":"/3"},{"op":"remove","path":"/2"}]"#),
        (#"{"a":[1,2]}"#, #"{"a":{"0":1}}"#,
         #"[{"op":"replace","path":"/a","value":{"0":1}}]"#),
        (#"{"a/b":1,"m~n":2,"~1":3}"#, #"{"a/b":2,"m~n":2,"new/key~":[]}"#,
         #"[{"op":"remove","path":"/~01"},{"op":"replace","path":"/a~1b","value":2},{"op":"add","path":"/new~1key~0","value":[]}]"#),
        (#""x""#, #"{"x":1}"#,
         #"[{"op":"replace","path":"","value":{"x":1}}]"#),
        ("null", "false",
         #"[{"op":"replace","path":"","value":false}]"#),
        (#"{"":{"":1}}"#, #"{"":{"":2}}"#,
         #"[{"op":"replace","path":"//","value":2}]"#),
        (#"{"list":[{"id":1,"tags":["a"]},{"id":2}]}"#, #"{"list":[{"id":1,"tags":["a","b"]}]}"#,
         #"[{"op":"add","path":"/list/0/tags/1","value":"b"},{"op":"remove","path":"/list/1"}]"#),
        (#"{"b":1,"a":2,"c":3}"#, #"{"d":4}"#,
         #"[{"op":"remove","path":"/a"},{"op":"remove","path":"/b"},{"op":"remove","path":"/c"},{"op":"add","path":"/d","value":4}]"#),
        ("[]", "[[],{}]",
         #"[{"op":"add","path":"/0","value":[]},{"op":"add","path":"/1","value":{}}]"#),
        (#"{"\u00e9":1,"\ud83d\ude00":2,"\ue000":3}"#, "{}",
         #"[{"op":"remove","path":"/\#u{E9}"},{"op":"remove","path":"/\#u{1F600}"},{"op":"remove","path":"/\#u{E000}"}]"#),
        (#"{"n":[1,"s",null]}"#, #"{"n":[1,"t"]}"#,
         #"[{"op":"replace","path":"/n/1","value":"t"},{"op":"remove","path":"/n/2"}]"#),
        (#"{"amount":"10.00","status":"open","history":[{"at":1,"by":"a"}]}"#,
         #"{"amount":"12.50","status":"closed","history":[{"at":1,"by":"a"},{"at":2,"by":"b"}],"closedBy":"b"}"#,
         #"[{"op":"replace","path":"/amount","value":"12.50"},{"op":"add","path":"/history/1","value":{"at":2,"by":"b"}},{"op":"replace","path":"/status","value":"closed"},{"op":"add","path":"/closedBy","value":"b"}]"#),
    ]

    @Test("diff produces the documented operations for hand-checked cases")
    func diffExpected() throws {
        for (old, new, expected) in Self.expectedDiffs {
            let patch = JSONPatch.diff(from: json(old), to: json(new))
            #expect(canonicalText(patch) == expected, "\(old) -> \(new)")
            #expect(try JSONPatch.apply(patch, to: json(old)) == json(new))
        }
    }

    @Test("diff then apply reproduces the new document", arguments: [
        (#"{"a":{"b":{"c":[1,2,{"d":"e"}]}}}"#, #"{"a":{"b":{"c":[1,{"d":"f"},2,3],"x":null}}}"#),
        ("[1,[2,[3,[4]]]]", "[1,[2,[3,[4,5],6]]]"),
        ("[1,2,3,4,5,6,7,8,9,10,11,12]", "[12]"),
        ("[]", "[1,2,3,4,5,6,7,8,9,10,11,12]"),
        (#"{"a":1}"#, "[1]"),
        (#"[{"a":1}]"#, #"[[{"a":1}]]"#),
        (#"{"t":true}"#, #"{"t":"true"}"#),
        (#"{"n":1}"#, #"{"n":1.5}"#),
        (#"{"s":"x"}"#, #"{"s":null}"#),
        (#"{"/":1,"~":2,"~0":3,"~1/":4}"#, #"{"/":[1],"~":{"~":2},"~0~1":5}"#),
        (#"{"":1}"#, #"{"":{"":{"":[]}}}"#),
        ("1", "2"),
        (#"{"a":[]}"#, "{}"),
        (#"{"\u00e9":"x"}"#, #"{"\u00e9":"y","\ud83d\ude00":[true]}"#),
        ("\"caf\u{E9}\"", "\"cafe\u{301}\""),
        ("{\"\u{E9}\":1}", "{\"e\u{301}\":1}"),
        (#"{"k":[{"id":1},{"id":2},{"id":3}]}"#, #"{"k":[{"id":3},{"id":1}]}"#),
    ])
    func diffRoundTrip(_ old: String, _ new: String) throws {
        let patch = JSONPatch.diff(from: json(old), to: json(new))
        try JSONPatch.validate(patch)
        let result = try JSONPatch.apply(patch, to: json(old))
        #expect(result == json(new))
        #expect(result.canonicalBytes == json(new).canonicalBytes)
    }

    @Test("keys re-spelled in another Unicode normalization are removed and added, not ignored")
    func diffNormalization() {
        let patch = JSONPatch.diff(from: json("{\"\u{E9}\":1}"), to: json("{\"e\u{301}\":1}"))
        #expect(canonicalText(patch) == "[{\"op\":\"remove\",\"path\":\"/\u{E9}\"},{\"op\":\"add\",\"path\":\"/e\u{301}\",\"value\":1}]")
        let value = JSONPatch.diff(from: json("\"\u{E9}\""), to: json("\"e\u{301}\""))
        #expect(canonicalText(value) == "[{\"op\":\"replace\",\"path\":\"\",\"value\":\"e\u{301}\"}]")
    }

    @Test("diff then apply reproduces randomly generated documents")
    func diffRandom() throws {
        var generator = SplitMix64(seed: 2024)
        for _ in 0..<300 {
            let old = Self.randomValue(depth: 0, &generator)
            let new = Self.mutate(old, &generator)
            let patch = JSONPatch.diff(from: old, to: new)
            try JSONPatch.validate(patch)
            #expect(try JSONPatch.apply(patch, to: old) == new, "\(canonicalText(old)) -> \(canonicalText(new))")
        }
    }

    fileprivate static func randomValue(depth: Int, _ g: inout SplitMix64) -> JSONValue {
        let keys = ["a", "b", "c", "a/b", "~", "", "\u{E9}", "\u{1F600}"]
        switch g.next() % (depth >= 3 ? 3 : 5) {
        case 0: return [JSONValue.null, .bool(true), .bool(false)][Int(g.next() % 3)]
        case 1: return .number(JSONNumber(Int(g.next() % 5)))
        case 2: return .string(["x", "y", ""][Int(g.next() % 3)])
        case 3: return .array((0..<Int(g.next() % 4)).map { _ in randomValue(depth: depth + 1, &g) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int(g.next() % 4) { members[keys[Int(g.next() % UInt64(keys.count))]] = randomValue(depth: depth + 1, &g) }
            return .object(members)
        }
    }

    /// A random variation of `value` (sometimes unchanged, sometimes entirely new).
    fileprivate static func mutate(_ value: JSONValue, _ g: inout SplitMix64) -> JSONValue {
        switch g.next() % 6 {
        case 0: return value
        case 1: return randomValue(depth: 2, &g)
        default:
            switch value {
            case .array(var elements):
                if !elements.isEmpty, g.next() % 2 == 0 { elements.removeLast(Int(g.next() % UInt64(elements.count + 1))) }
                for i in elements.indices where g.next() % 2 == 0 { elements[i] = mutate(elements[i], &g) }
                if g.next() % 2 == 0 { elements.append(randomValue(depth: 2, &g)) }
                return .array(elements)
            case .object(var members):
                for key in Array(members.keys) {
                    switch g.next() % 3 {
                    case 0: members[key] = nil
                    case 1: members[key] = mutate(members[key]!, &g)
                    default: break
                    }
                }
                if g.next() % 2 == 0 { members[["n", "a", "~1", "x/y"][Int(g.next() % 4)]] = randomValue(depth: 2, &g) }
                return .object(members)
            default:
                return randomValue(depth: 3, &g)
            }
        }
    }

    // MARK: RFC 6902 Appendix A

    @Test("A.1 adding an object member")
    func a1() throws {
        let result = try JSONPatch.apply(json(#"[{"op":"add","path":"/baz","value":"qux"}]"#), to: json(#"{"foo":"bar"}"#))
        #expect(result == json(#"{"baz":"qux","foo":"bar"}"#))
    }

    @Test("A.2 adding an array element")
    func a2() throws {
        let result = try JSONPatch.apply(json(#"[{"op":"add","path":"/foo/1","value":"qux"}]"#), to: json(#"{"foo":["bar","baz"]}"#))
        #expect(result == json(#"{"foo":["bar","qux","baz"]}"#))
    }

    @Test("A.3 removing an object member")
    func a3() throws {
        let result = try JSONPatch.apply(json(#"[{"op":"remove","path":"/baz"}]"#), to: json(#"{"baz":"qux","foo":"bar"}"#))
        #expect(result == json(#"{"foo":"bar"}"#))
    }

    @Test("A.4 removing an array element")
    func a4() throws {
        let result = try JSONPatch.apply(json(#"[{"op":"remove","path":"/foo/1"}]"#), to: json(#"{"foo":["bar","qux","baz"]}"#))
        #expect(result == json(#"{"foo":["bar","baz"]}"#))
    }

    @Test("A.5 replacing a value")
    func a5() throws {
        let result = try JSONPatch.apply(json(#"[{"op":"replace","path":"/baz","value":"boo"}]"#), to: json(#"{"baz":"qux","foo":"bar"}"#))
        #expect(result == json(#"{"baz":"boo","foo":"bar"}"#))
    }

    @Test("A.6 moving a value")
    func a6() throws {
        let document = json(#"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#)
        let result = try JSONPatch.apply(json(#"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#), to: document)
        #expect(result == json(#"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#))
    }

    @Test("A.7 moving an array element")
    func a7() throws {
        let result = try JSONPatch.apply(json(#"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#), to: json(#"{"foo":["all","grass","cows","eat"]}"#))
        #expect(result == json(#"{"foo":["all","cows","eat","grass"]}"#))
    }

    @Test("A.8 testing a value: success")
    func a8() throws {
        let document = json(#"{"baz":"qux","foo":["a",2,"c"]}"#)
        let patch = json(#"[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]"#)
        #expect(try JSONPatch.apply(patch, to: document) == document)
    }

    @Test("A.9 testing a value: error")
    func a9() {
        let error = applyFailure(#"[{"op":"test","path":"/baz","value":"bar"}]"#, to: #"{"baz":"qux"}"#)
        #expect(error?.opIndex == 0)
        #expect(error?.reason.contains("test failed") == true)
    }

    @Test("A.10 adding a nested member object")
    func a10() throws {
        let result = try JSONPatch.apply(json(#"[{"op":"add","path":"/child","value":{"grandchild":{}}}]"#), to: json(#"{"foo":"bar"}"#))
        #expect(result == json(#"{"foo":"bar","child":{"grandchild":{}}}"#))
    }

    @Test("A.11 unrecognized members are refused (deliberately stricter than RFC 6902, which ignores them)")
    func a11() {
        let error = applyFailure(#"[{"op":"add","path":"/baz","value":"qux","xyz":123}]"#, to: #"{"foo":"bar"}"#)
        #expect(error == JSONPatchError(reason: "unexpected member \"xyz\" for op \"add\"; the allowed members are op, path, value", opIndex: 0))
    }

    @Test("A.12 adding to a nonexistent target fails")
    func a12() {
        let error = applyFailure(#"[{"op":"add","path":"/baz/bat","value":"qux"}]"#, to: #"{"foo":"bar"}"#)
        #expect(error?.opIndex == 0)
        #expect(error?.reason.contains("does not exist") == true)
    }

    @Test("A.13 a patch with a repeated \"op\" member is invalid JSON for the vault's parser")
    func a13() {
        let text = #"[{"op":"add","path":"/baz","value":"qux","op":"remove"}]"#
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test("A.14 ~ escape ordering: ~01 means the key \"~1\"")
    func a14() throws {
        let document = json(#"{"/":9,"~1":10}"#)
        #expect(try JSONPatch.apply(json(#"[{"op":"test","path":"/~01","value":10}]"#), to: document) == document)
    }

    @Test("A.15 comparing strings and numbers: the test fails")
    func a15() {
        let error = applyFailure(#"[{"op":"test","path":"/~01","value":"10"}]"#, to: #"{"/":9,"~1":10}"#)
        #expect(error?.opIndex == 0)
        #expect(error?.reason.contains("test failed") == true)
    }

    @Test("A.16 adding an array value with - appends it as one element")
    func a16() throws {
        let result = try JSONPatch.apply(json(#"[{"op":"add","path":"/foo/-","value":["abc","def"]}]"#), to: json(#"{"foo":["bar"]}"#))
        #expect(result == json(#"{"foo":["bar",["abc","def"]]}"#))
    }

    // MARK: apply semantics

    @Test("add inserts at an index equal to the array length, replaces existing members and replaces the root")
    func addSemantics() throws {
        #expect(try JSONPatch.apply(json(#"[{"op":"add","path":"/2","value":"c"}]"#), to: json(#"["a","b"]"#)) == json(#"["a","b","c"]"#))
        #expect(try JSONPatch.apply(json(#"[{"op":"add","path":"/0","value":"z"}]"#), to: json(#"["a"]"#)) == json(#"["z","a"]"#))
        #expect(try JSONPatch.apply(json(#"[{"op":"add","path":"/a","value":2}]"#), to: json(#"{"a":1}"#)) == json(#"{"a":2}"#))
        #expect(try JSONPatch.apply(json(#"[{"op":"add","path":"","value":[1]}]"#), to: json(#"{"a":1}"#)) == json("[1]"))
        #expect(try JSONPatch.apply(json(#"[{"op":"add","path":"/","value":1}]"#), to: json("{}")) == json(#"{"":1}"#))
        #expect(try JSONPatch.apply(json(#"[{"op":"add","path":"/-","value":1}]"#), to: json("{}")) == json(#"{"-":1}"#))
    }

    @Test("array indices are bounds-checked and must be canonical RFC 6901 indices", arguments: [
        (#"[{"op":"add","path":"/3","value":1}]"#, #"[1,2]"#, "index 3 is out of bounds"),
        (#"[{"op":"remove","path":"/2"}]"#, #"[1,2]"#, "index 2 is out of bounds"),
        (#"[{"op":"replace","path":"/2","value":0}]"#, #"[1,2]"#, "index 2 is out of bounds"),
        (#"[{"op":"remove","path":"/-"}]"#, #"[1,2]"#, "\"-\" refers to the nonexistent element"),
        (#"[{"op":"test","path":"/-","value":1}]"#, #"[1]"#, "\"-\" refers to the nonexistent element"),
        (#"[{"op":"add","path":"/01","value":1}]"#, #"[1,2]"#, "\"01\" is not a valid array index"),
        (#"[{"op":"add","path":"/-1","value":1}]"#, #"[1,2]"#, "\"-1\" is not a valid array index"),
        (#"[{"op":"remove","path":"/a"}]"#, #"[1,2]"#, "\"a\" is not a valid array index"),
        (#"[{"op":"add","path":"/1e0","value":1}]"#, #"[1,2]"#, "\"1e0\" is not a valid array index"),
        (#"[{"op":"add","path":"/99999999999999999999","value":1}]"#, #"[]"#, "is not a valid array index"),
        (#"[{"op":"remove","path":"/0"}]"#, #"[]"#, "index 0 is out of bounds for an array of 0 elements"),
    ])
    func indexChecks(_ patch: String, _ document: String, _ reason: String) {
        let error = applyFailure(patch, to: document)
        #expect(error?.opIndex == 0)
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test("remove, replace and test need an existing target; paths cannot run through scalars", arguments: [
        (#"[{"op":"remove","path":"/x"}]"#, #"{"a":1}"#, "no member \"x\""),
        (#"[{"op":"replace","path":"/x","value":1}]"#, #"{"a":1}"#, "no member \"x\""),
        (#"[{"op":"test","path":"/a/b","value":1}]"#, #"{"a":{}}"#, "no member \"b\""),
        (#"[{"op":"add","path":"/a/b","value":1}]"#, #"{"a":"s"}"#, "goes through a string"),
        (#"[{"op":"remove","path":"/a/0"}]"#, #"{"a":5}"#, "goes through a number"),
        (#"[{"op":"copy","from":"/nope","path":"/a"}]"#, #"{"a":1}"#, "\"/nope\" does not exist"),
        (#"[{"op":"move","from":"/nope","path":"/a"}]"#, #"{"a":1}"#, "\"/nope\" does not exist"),
        (#"[{"op":"remove","path":""}]"#, #"{"a":1}"#, "cannot remove the whole document"),
    ])
    func missingTargets(_ patch: String, _ document: String, _ reason: String) {
        let error = applyFailure(patch, to: document)
        #expect(error?.opIndex == 0)
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test("replace swaps an existing member, element or the whole document")
    func replaceSemantics() throws {
        #expect(try JSONPatch.apply(json(#"[{"op":"replace","path":"/1","value":"B"}]"#), to: json(#"["a","b"]"#)) == json(#"["a","B"]"#))
        #expect(try JSONPatch.apply(json(#"[{"op":"replace","path":"","value":7}]"#), to: json(#"{"a":1}"#)) == json("7"))
    }

    @Test("move and copy work within and across containers; move onto itself is a no-op")
    func moveCopy() throws {
        let document = json(#"{"a":{"b":[1,2]},"c":"x"}"#)
        #expect(try JSONPatch.apply(json(#"[{"op":"copy","from":"/a/b","path":"/a/b/-"}]"#), to: document)
            == json(#"{"a":{"b":[1,2,[1,2]]},"c":"x"}"#))
        #expect(try JSONPatch.apply(json(#"[{"op":"copy","from":"","path":"/self"}]"#), to: document)
            == json(#"{"a":{"b":[1,2]},"c":"x","self":{"a":{"b":[1,2]},"c":"x"}}"#))
        #expect(try JSONPatch.apply(json(#"[{"op":"move","from":"/c","path":"/a/b/0"}]"#), to: document)
            == json(#"{"a":{"b":["x",1,2]}}"#))
        #expect(try JSONPatch.apply(json(#"[{"op":"move","from":"/a","path":"/a"}]"#), to: document) == document)
        #expect(try JSONPatch.apply(json(#"[{"op":"move","from":"/a/b","path":""}]"#), to: document) == json("[1,2]"))
        #expect(try JSONPatch.apply(json(#"[{"op":"move","from":"/a/b/1","path":"/a/b/0"}]"#), to: document)
            == json(#"{"a":{"b":[2,1]},"c":"x"}"#))
    }

    @Test("move into one of its own children is refused")
    func moveIntoChild() {
        let error = applyFailure(#"[{"op":"move","from":"/a","path":"/a/b"}]"#, to: #"{"a":{"b":1}}"#)
        #expect(error == JSONPatchError(reason: "cannot move \"/a\" into its own child \"/a/b\"", opIndex: 0))
        #expect(applyFailure(#"[{"op":"move","from":"","path":"/x"}]"#, to: #"{"a":1}"#)?.reason.contains("own child") == true)
        // A sibling whose name merely starts with the same characters is fine.
        #expect(applyFailure(#"[{"op":"move","from":"/a","path":"/ab"}]"#, to: #"{"a":{"b":1}}"#) == nil)
    }

    @Test("test compares numbers by value and everything else structurally")
    func testOperation() throws {
        let document = json(#"{"n":1,"o":{"x":[1,{"y":null}]}}"#)
        #expect(applyFailure(#"[{"op":"test","path":"/n","value":1.0}]"#, to: #"{"n":1}"#) == nil)
        #expect(applyFailure(#"[{"op":"test","path":"/o","value":{"x":[1,{"y":null}]}}]"#, to: canonicalText(document)) == nil)
        #expect(applyFailure(#"[{"op":"test","path":"","value":{"n":1,"o":{"x":[1,{"y":null}]}}}]"#, to: canonicalText(document)) == nil)
        let failure = applyFailure(#"[{"op":"test","path":"/o/x","value":[1]}]"#, to: canonicalText(document))
        #expect(failure?.reason == #"test failed: value at "/o/x" is [1,{"y":null}], expected [1]"#)
        #expect(applyFailure(#"[{"op":"test","path":"/n","value":true}]"#, to: #"{"n":1}"#) != nil)
    }

    @Test("application is atomic: a failing later operation reports its index and the input is unchanged")
    func atomic() {
        let document = json(#"{"a":1}"#)
        let patch = json(#"[{"op":"add","path":"/b","value":2},{"op":"remove","path":"/a"},{"op":"test","path":"/a","value":1}]"#)
        #expect(throws: JSONPatchError(reason: "path \"/a\" does not exist: no member \"a\"", opIndex: 2)) {
            try JSONPatch.apply(patch, to: document)
        }
        #expect(document == json(#"{"a":1}"#))
    }

    @Test("with no document yet, only add or replace at the root can apply")
    func nilDocument() throws {
        #expect(try JSONPatch.apply(json(#"[{"op":"add","path":"","value":{"a":1}}]"#), to: nil) == json(#"{"a":1}"#))
        #expect(try JSONPatch.apply(json(#"[{"op":"replace","path":"","value":3}]"#), to: nil) == json("3"))
        #expect(try JSONPatch.apply(json(#"[{"op":"add","path":"","value":{}},{"op":"add","path":"/k","value":true}]"#), to: nil)
            == json(#"{"k":true}"#))
        #expect(applyFailure(#"[{"op":"add","path":"/a","value":1}]"#, to: nil)?.reason.contains("no document yet") == true)
        #expect(applyFailure(#"[{"op":"test","path":"","value":null}]"#, to: nil)?.opIndex == 0)
        #expect(applyFailure("[]", to: nil) == JSONPatchError(reason: "there is no document and the patch does not create one", opIndex: nil))
    }

    @Test("the empty patch returns the document unchanged")
    func emptyPatch() throws {
        #expect(try JSONPatch.apply(json("[]"), to: json(#"{"a":[1]}"#)) == json(#"{"a":[1]}"#))
    }

    @Test("add refuses a key that is canonically equivalent to, but spelled differently from, an existing key")
    func addEquivalentKey() {
        let error = applyFailure("[{\"op\":\"add\",\"path\":\"/e\u{301}\",\"value\":2}]", to: "{\"\u{E9}\":1}")
        #expect(error?.reason.contains("canonically equivalent") == true)
        #expect(applyFailure("[{\"op\":\"remove\",\"path\":\"/e\u{301}\"}]", to: "{\"\u{E9}\":1}")?.reason.contains("does not exist") == true)
    }

    // MARK: validate

    @Test("validate accepts every well-formed operation")
    func validateGood() throws {
        try JSONPatch.validate(json("""
        [{"op":"add","path":"/a","value":1},{"op":"remove","path":"/a"},{"op":"replace","path":"","value":null},
         {"op":"move","from":"/a","path":"/b"},{"op":"copy","from":"/b","path":"/c~0~1"},{"op":"test","path":"/c","value":[]}]
        """))
        try JSONPatch.validate(json("[]"))
    }

    @Test("validate names the operation index and the problem", arguments: [
        (#"{"op":"add"}"#, nil, "must be an array"),
        (#"[1]"#, 0, "must be a JSON object"),
        (#"[{"op":"remove","path":"/a"},{"path":"/a"}]"#, 1, "missing \"op\""),
        (#"[{"op":5,"path":"/a"}]"#, 0, "\"op\" must be a string"),
        (#"[{"op":"delete","path":"/a"}]"#, 0, "unknown op \"delete\""),
        (#"[{"op":"remove"}]"#, 0, "missing \"path\""),
        (#"[{"op":"remove","path":3}]"#, 0, "\"path\" must be a string"),
        (#"[{"op":"remove","path":"a/b"}]"#, 0, "must be empty or start with '/'"),
        (#"[{"op":"remove","path":"/a~2"}]"#, 0, "'~' must be followed by '0' or '1'"),
        (#"[{"op":"remove","path":"/a~"}]"#, 0, "'~' must be followed by '0' or '1'"),
        (#"[{"op":"add","path":"/a"}]"#, 0, "missing \"value\""),
        (#"[{"op":"replace","path":"/a"}]"#, 0, "missing \"value\""),
        (#"[{"op":"test","path":"/a"}]"#, 0, "missing \"value\""),
        (#"[{"op":"move","path":"/a"}]"#, 0, "missing \"from\""),
        (#"[{"op":"copy","path":"/a","from":1}]"#, 0, "\"from\" must be a string"),
        (#"[{"op":"copy","path":"/a","from":"b"}]"#, 0, "\"from\" \"b\" is not a valid JSON Pointer"),
        (#"[{"op":"remove","path":"/a","value":1}]"#, 0, "unexpected member \"value\" for op \"remove\"; the allowed members are op, path"),
        (#"[{"op":"add","path":"/a","value":1,"from":"/b"}]"#, 0, "unexpected member \"from\""),
        (#"[{"op":"move","path":"/a","from":"/b","value":1}]"#, 0, "unexpected member \"value\""),
        (#"[{"op":"test","path":"/a","value":1,"comment":"x"}]"#, 0, "unexpected member \"comment\""),
    ] as [(String, Int?, String)])
    func validateBad(_ patch: String, _ index: Int?, _ reason: String) {
        let error = validateFailure(patch)
        #expect(error != nil)
        #expect(error?.opIndex == index)
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test("apply validates the whole patch before applying anything")
    func applyValidatesFirst() {
        let error = applyFailure(#"[{"op":"test","path":"/missing","value":1},{"op":"bogus","path":""}]"#, to: "{}")
        #expect(error?.opIndex == 1)
        #expect(error?.reason.contains("unknown op") == true)
    }

    @Test("error descriptions mention the operation index when there is one")
    func errorDescription() {
        #expect(JSONPatchError(reason: "bad", opIndex: 3).description == "JSON Patch operation 3: bad")
        #expect(JSONPatchError(reason: "bad", opIndex: nil).description == "JSON Patch: bad")
    }

    @Test("pointer tokens escape and unescape ~ and / in the right order")
    func pointerEscaping() throws {
        #expect(JSONPointer.escape("a/b~c") == "a~1b~0c")
        #expect(JSONPointer.escape("~1") == "~01")
        #expect(try JSONPointer.parse("/~01/a~1b//~0", member: "path") == ["~1", "a/b", "", "~"])
        #expect(try JSONPointer.parse("", member: "path") == [])
        #expect(try JSONPointer.parse("/", member: "path") == [""])
    }
}
