// JSONPatch.swift — RFC 6902 JSON Patch (diff, validate, apply) over `JSONValue`,
// with RFC 6901 JSON Pointers.

/// Why a JSON Patch was refused by `JSONPatch.validate` or could not be applied by
/// `JSONPatch.apply`.
///
/// Contract: `opIndex` is the zero-based index of the offending operation in the
/// patch array, or `nil` when the problem concerns the patch as a whole (e.g. it is
/// not an array); `reason` says what is wrong in a sentence a person can act on.
public struct JSONPatchError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What is wrong.
    public let reason: String
    /// Index of the offending operation, or `nil` for whole-patch problems.
    public let opIndex: Int?

    /// Creates an error for operation `opIndex` (or the whole patch when `nil`).
    public init(reason: String, opIndex: Int?) {
        self.reason = reason
        self.opIndex = opIndex
    }

    /// `"JSON Patch operation <i>: <reason>"`, or `"JSON Patch: <reason>"` without an index.
    public var description: String {
        if let opIndex { return "JSON Patch operation \(opIndex): \(reason)" }
        return "JSON Patch: \(reason)"
    }
}

/// RFC 6902 JSON Patch: computing, validating and applying patches.
///
/// Patches are plain `JSONValue`s (an array of operation objects) so they can be
/// stored and canonicalised like any other record.
public enum JSONPatch {
    /// RFC 6902 operations (as JSON objects, in a JSON array) turning `old` into `new`.
    ///
    /// Deterministic algorithm (applied recursively, starting at path `""`):
    /// - `old` is `nil` (no previous state): `[{"op":"add","path":"","value":new}]`.
    /// - equal values (`==`): no operations; so equal inputs give `[]`.
    /// - both objects: first `remove` each key only in `old`, then recurse into each
    ///   key present in both, then `add` each key only in `new`; each of the three
    ///   groups is ordered by the keys' UTF-16 code units (RFC 8785 order).
    /// - both arrays: recurse index by index over the common prefix; then, if `new`
    ///   is longer, `add` each extra element at its index in ascending order, or, if
    ///   `old` is longer, `remove` each surplus index in descending order.
    /// - anything else (type change, different scalar): `replace` at that path.
    ///
    /// Paths are RFC 6901 pointers (`~` → `~0`, `/` → `~1`); operation objects contain
    /// only the members `op`, `path` and (for add/replace) `value`. The result always
    /// satisfies `apply(diff(from: old, to: new), to: old) == new`.
    public static func diff(from old: JSONValue?, to new: JSONValue) -> JSONValue {
        guard let old else {
            return .array([operation("add", path: "", value: new)])
        }
        var ops: [JSONValue] = []
        diff(old, new, path: "", into: &ops)
        return .array(ops)
    }

    /// Checks that `patch` is a well-formed RFC 6902 patch, without applying it.
    ///
    /// Requires: an array; each element an object with a string `"op"` that is one of
    /// add, remove, replace, move, copy, test; a string `"path"` that is a valid RFC
    /// 6901 JSON Pointer; `"value"` for add, replace and test; a valid pointer
    /// `"from"` for move and copy; and no other members (stricter than RFC 6902,
    /// which ignores unknown members, so that stored patches have one meaning only).
    /// - Throws: `JSONPatchError` naming the first offending operation's index and the problem.
    public static func validate(_ patch: JSONValue) throws(JSONPatchError) {
        _ = try parseOperations(patch)
    }

    /// Applies `patch` to `document` per RFC 6902 and returns the patched document.
    ///
    /// The patch is validated first (see `validate`). Application is atomic: either
    /// every operation applies, or an error is thrown and nothing is changed (the
    /// input is a value and is never mutated). `document == nil` means "no document
    /// yet": the first operation must then be `add` or `replace` at path `""`, which
    /// creates the document; a patch that leaves no document is an error.
    /// Semantics follow RFC 6902: `add` replaces an existing object member and
    /// inserts into arrays (`-` appends; an index may equal the array length);
    /// `remove`/`replace` need an existing target (`remove` of the whole document is
    /// refused); `move` may not move a value into one of its own children; `test`
    /// compares with `==` (numbers by value); array indices must be RFC 6901
    /// `0` or digits without a leading zero, within bounds.
    /// - Throws: `JSONPatchError` with the index of the operation that failed.
    public static func apply(_ patch: JSONValue, to document: JSONValue?) throws(JSONPatchError) -> JSONValue {
        let ops = try parseOperations(patch)
        var current = document
        for (index, op) in ops.enumerated() {
            do throws(JSONPatchFailure) {
                guard var doc = current else {
                    if op.path.isEmpty, op.kind == .add || op.kind == .replace, let value = op.value {
                        current = value
                        continue
                    }
                    throw JSONPatchFailure("there is no document yet; only \"add\" or \"replace\" at path \"\" can apply")
                }
                current = nil  // keep `doc` uniquely referenced while mutating it
                try applyOperation(op, to: &doc)
                current = doc
            } catch {
                throw JSONPatchError(reason: error.reason, opIndex: index)
            }
        }
        guard let result = current else {
            throw JSONPatchError(reason: "there is no document and the patch does not create one", opIndex: nil)
        }
        return result
    }
}

// MARK: - Diff

extension JSONPatch {
    static func operation(_ op: String, path: String, value: JSONValue? = nil) -> JSONValue {
        var members: [String: JSONValue] = ["op": .string(op), "path": .string(path)]
        if let value { members["value"] = value }
        return .object(members)
    }

    static func diff(_ old: JSONValue, _ new: JSONValue, path: String, into ops: inout [JSONValue]) {
        if old == new { return }
        switch (old, new) {
        case (.object(let a), .object(let b)):
            // Keys match by exact code points, so a key re-spelled in another Unicode
            // normalization is a remove plus an add.
            for key in JSONCanonical.sortedKeys(a.keys.filter { b.jsonExactIndex(forKey: $0) == nil }) {
                ops.append(operation("remove", path: path + "/" + JSONPointer.escape(key)))
            }
            for key in JSONCanonical.sortedKeys(a.keys.filter { b.jsonExactIndex(forKey: $0) != nil }) {
                diff(a[key]!, b[key]!, path: path + "/" + JSONPointer.escape(key), into: &ops)
            }
            for key in JSONCanonical.sortedKeys(b.keys.filter { a.jsonExactIndex(forKey: $0) == nil }) {
                ops.append(operation("add", path: path + "/" + JSONPointer.escape(key), value: b[key]!))
            }
        case (.array(let a), .array(let b)):
            for i in 0..<min(a.count, b.count) {
                diff(a[i], b[i], path: path + "/" + String(i), into: &ops)
            }
            if b.count > a.count {
                for i in a.count..<b.count {
                    ops.append(operation("add", path: path + "/" + String(i), value: b[i]))
                }
            } else if a.count > b.count {
                for i in (b.count..<a.count).reversed() {
                    ops.append(operation("remove", path: path + "/" + String(i)))
                }
            }
        default:
            ops.append(operation("replace", path: path, value: new))
        }
    }
}

// MARK: - Validation

extension JSONPatch {
    /// One validated operation.
    struct Operation {
        enum Kind: String, CaseIterable {
            case add, remove, replace, move, copy, test
        }
        let kind: Kind
        let path: [String]
        let pathText: String
        let from: [String]
        let fromText: String
        let value: JSONValue?
    }

    static func parseOperations(_ patch: JSONValue) throws(JSONPatchError) -> [Operation] {
        guard case .array(let items) = patch else {
            throw JSONPatchError(reason: "a JSON Patch must be an array of operation objects", opIndex: nil)
        }
        var ops: [Operation] = []
        ops.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do throws(JSONPatchFailure) {
                ops.append(try parseOperation(item))
            } catch {
                throw JSONPatchError(reason: error.reason, opIndex: index)
            }
        }
        return ops
    }

    static func parseOperation(_ item: JSONValue) throws(JSONPatchFailure) -> Operation {
        guard case .object(let members) = item else {
            throw JSONPatchFailure("each operation must be a JSON object")
        }
        guard let opMember = members["op"] else {
            throw JSONPatchFailure("missing \"op\" member")
        }
        guard case .string(let opName) = opMember else {
            throw JSONPatchFailure("\"op\" must be a string")
        }
        guard let kind = Operation.Kind(rawValue: opName) else {
            throw JSONPatchFailure("unknown op \"\(opName)\"; expected one of add, remove, replace, move, copy, test")
        }
        let needsValue = kind == .add || kind == .replace || kind == .test
        let needsFrom = kind == .move || kind == .copy
        for key in JSONCanonical.sortedKeys(members.keys) {
            let allowed = key == "op" || key == "path" || (key == "value" && needsValue) || (key == "from" && needsFrom)
            if !allowed {
                let allowedList = needsValue ? "op, path, value" : needsFrom ? "op, path, from" : "op, path"
                throw JSONPatchFailure("unexpected member \"\(key)\" for op \"\(opName)\"; the allowed members are \(allowedList)")
            }
        }
        guard let pathMember = members["path"] else {
            throw JSONPatchFailure("missing \"path\" member")
        }
        guard case .string(let pathText) = pathMember else {
            throw JSONPatchFailure("\"path\" must be a string holding a JSON Pointer")
        }
        let path = try JSONPointer.parse(pathText, member: "path")
        var value: JSONValue?
        if needsValue {
            guard let v = members["value"] else {
                throw JSONPatchFailure("missing \"value\" member, which \"\(opName)\" requires")
            }
            value = v
        }
        var from: [String] = []
        var fromText = ""
        if needsFrom {
            guard let fromMember = members["from"] else {
                throw JSONPatchFailure("missing \"from\" member, which \"\(opName)\" requires")
            }
            guard case .string(let text) = fromMember else {
                throw JSONPatchFailure("\"from\" must be a string holding a JSON Pointer")
            }
            from = try JSONPointer.parse(text, member: "from")
            fromText = text
        }
        return Operation(kind: kind, path: path, pathText: pathText, from: from, fromText: fromText, value: value)
    }
}

// MARK: - Application

/// Internal failure carrying only a reason; wrapped into `JSONPatchError` with the op index.
struct JSONPatchFailure: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

extension JSONPatch {
    static func applyOperation(_ op: Operation, to doc: inout JSONValue) throws(JSONPatchFailure) {
        switch op.kind {
        case .add:
            try add(op.value!, at: op.path[...], pointer: op.pathText, in: &doc)
        case .remove:
            if op.path.isEmpty {
                throw JSONPatchFailure("cannot remove the whole document (path \"\")")
            }
            _ = try remove(at: op.path[...], pointer: op.pathText, in: &doc)
        case .replace:
            if op.path.isEmpty {
                doc = op.value!
            } else {
                try withParent(of: op.path[...], pointer: op.pathText, in: &doc) { (parent, token) throws(JSONPatchFailure) in
                    switch parent {
                    case .object(var members):
                        guard members.jsonExactIndex(forKey: token) != nil else {
                            throw JSONPatchFailure("path \"\(op.pathText)\" does not exist: no member \"\(token)\" to replace")
                        }
                        parent = .null
                        members[token] = op.value!
                        parent = .object(members)
                    case .array(var elements):
                        let i = try JSONPointer.existingIndex(token, count: elements.count, pointer: op.pathText)
                        parent = .null
                        elements[i] = op.value!
                        parent = .array(elements)
                    default:
                        throw notContainer(parent, pointer: op.pathText)
                    }
                }
            }
        case .move:
            if JSONPointer.same(op.from[...], op.path[...]) {
                _ = try value(at: op.from[...], pointer: op.fromText, in: doc)  // must exist; otherwise a no-op
                return
            }
            if op.from.count < op.path.count && JSONPointer.same(op.path.prefix(op.from.count), op.from[...]) {
                throw JSONPatchFailure("cannot move \"\(op.fromText)\" into its own child \"\(op.pathText)\"")
            }
            if op.from.isEmpty {
                throw JSONPatchFailure("cannot move the whole document (from \"\")")
            }
            let moved = try remove(at: op.from[...], pointer: op.fromText, in: &doc)
            try add(moved, at: op.path[...], pointer: op.pathText, in: &doc)
        case .copy:
            let copied = try value(at: op.from[...], pointer: op.fromText, in: doc)
            try add(copied, at: op.path[...], pointer: op.pathText, in: &doc)
        case .test:
            let actual = try value(at: op.path[...], pointer: op.pathText, in: doc)
            if actual != op.value! {
                let expected = String(decoding: op.value!.canonicalBytes, as: UTF8.self)
                let found = String(decoding: actual.canonicalBytes, as: UTF8.self)
                throw JSONPatchFailure("test failed: value at \"\(op.pathText)\" is \(abbreviate(found)), expected \(abbreviate(expected))")
            }
        }
    }

    static func abbreviate(_ s: String) -> String {
        s.utf8.count <= 80 ? s : String(s.prefix(76)) + "…"
    }

    static func notContainer(_ value: JSONValue, pointer: String) -> JSONPatchFailure {
        let kind: String
        switch value {
        case .null: kind = "null"
        case .bool: kind = "a boolean"
        case .number: kind = "a number"
        case .string: kind = "a string"
        case .array: kind = "an array"
        case .object: kind = "an object"
        }
        return JSONPatchFailure("path \"\(pointer)\" does not exist: it goes through \(kind), which has no members")
    }

    /// The value `pointer` (RFC 6901) names in `document`, or nil if it names nothing there (or
    /// is not a valid pointer). `-`, the end of an array, names nothing.
    public static func value(atPointer pointer: String, in document: JSONValue?) -> JSONValue? {
        guard let document, let tokens = try? JSONPointer.parse(pointer, member: "path") else { return nil }
        return try? value(at: tokens[...], pointer: pointer, in: document)
    }

    /// The value at `tokens` (which must exist).
    static func value(at tokens: ArraySlice<String>, pointer: String, in doc: JSONValue) throws(JSONPatchFailure) -> JSONValue {
        var current = doc
        for token in tokens {
            switch current {
            case .object(let members):
                guard let next = members.jsonExactValue(forKey: token) else {
                    throw JSONPatchFailure("path \"\(pointer)\" does not exist: no member \"\(token)\"")
                }
                current = next
            case .array(let elements):
                current = elements[try JSONPointer.existingIndex(token, count: elements.count, pointer: pointer)]
            default:
                throw notContainer(current, pointer: pointer)
            }
        }
        return current
    }

    /// Walks to the container that holds the last token of non-empty `tokens` and runs
    /// `body` on it (in place, keeping every level uniquely referenced).
    static func withParent<R>(
        of tokens: ArraySlice<String>, pointer: String, in doc: inout JSONValue,
        _ body: (inout JSONValue, String) throws(JSONPatchFailure) -> R
    ) throws(JSONPatchFailure) -> R {
        let token = tokens[tokens.startIndex]
        if tokens.count == 1 { return try body(&doc, token) }
        let rest = tokens.dropFirst()
        switch doc {
        case .object(var members):
            guard var child = members.jsonExactValue(forKey: token) else {
                throw JSONPatchFailure("path \"\(pointer)\" does not exist: no member \"\(token)\"")
            }
            doc = .null
            members[token] = .null
            let result = try withParent(of: rest, pointer: pointer, in: &child, body)
            members[token] = child
            doc = .object(members)
            return result
        case .array(var elements):
            let i = try JSONPointer.existingIndex(token, count: elements.count, pointer: pointer)
            var child = elements[i]
            doc = .null
            elements[i] = .null
            let result = try withParent(of: rest, pointer: pointer, in: &child, body)
            elements[i] = child
            doc = .array(elements)
            return result
        default:
            throw notContainer(doc, pointer: pointer)
        }
    }

    static func add(_ value: JSONValue, at tokens: ArraySlice<String>, pointer: String, in doc: inout JSONValue) throws(JSONPatchFailure) {
        if tokens.isEmpty {
            doc = value
            return
        }
        try withParent(of: tokens, pointer: pointer, in: &doc) { (parent, token) throws(JSONPatchFailure) in
            switch parent {
            case .object(var members):
                if let i = members.index(forKey: token), !members[i].key.utf8.elementsEqual(token.utf8) {
                    throw JSONPatchFailure("path \"\(pointer)\": the object already has a member whose key is canonically equivalent to \"\(token)\" but spelled with different code points; remove it first")
                }
                parent = .null
                members[token] = value
                parent = .object(members)
            case .array(var elements):
                let i: Int
                if token == "-" {
                    i = elements.count
                } else {
                    guard let parsed = JSONPointer.index(token) else {
                        throw JSONPatchFailure("path \"\(pointer)\": \"\(token)\" is not a valid array index")
                    }
                    guard parsed <= elements.count else {
                        throw JSONPatchFailure("path \"\(pointer)\": index \(parsed) is out of bounds for an array of \(elements.count) elements")
                    }
                    i = parsed
                }
                parent = .null
                elements.insert(value, at: i)
                parent = .array(elements)
            default:
                throw notContainer(parent, pointer: pointer)
            }
        }
    }

    static func remove(at tokens: ArraySlice<String>, pointer: String, in doc: inout JSONValue) throws(JSONPatchFailure) -> JSONValue {
        try withParent(of: tokens, pointer: pointer, in: &doc) { (parent, token) throws(JSONPatchFailure) -> JSONValue in
            switch parent {
            case .object(var members):
                guard let i = members.jsonExactIndex(forKey: token) else {
                    throw JSONPatchFailure("path \"\(pointer)\" does not exist: no member \"\(token)\" to remove")
                }
                parent = .null
                let removed = members.remove(at: i).value
                parent = .object(members)
                return removed
            case .array(var elements):
                let i = try JSONPointer.existingIndex(token, count: elements.count, pointer: pointer)
                parent = .null
                let removed = elements.remove(at: i)
                parent = .array(elements)
                return removed
            default:
                throw notContainer(parent, pointer: pointer)
            }
        }
    }
}

// MARK: - JSON Pointer (RFC 6901)

/// RFC 6901 JSON Pointer helpers.
enum JSONPointer {
    /// Escapes one reference token: `~` → `~0`, `/` → `~1`.
    static func escape(_ token: String) -> String {
        if !token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) { return token }
        var out: [UInt8] = []
        out.reserveCapacity(token.utf8.count + 4)
        for b in token.utf8 {
            switch b {
            case UInt8(ascii: "~"): out.append(UInt8(ascii: "~")); out.append(UInt8(ascii: "0"))
            case UInt8(ascii: "/"): out.append(UInt8(ascii: "~")); out.append(UInt8(ascii: "1"))
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True when two token lists are identical code point for code point.
    static func same(_ a: ArraySlice<String>, _ b: ArraySlice<String>) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.utf8.elementsEqual($1.utf8) }
    }

    /// Splits `text` into unescaped reference tokens; `""` is the whole document.
    static func parse(_ text: String, member: String) throws(JSONPatchFailure) -> [String] {
        if text.isEmpty { return [] }
        let bytes = Array(text.utf8)
        guard bytes[0] == UInt8(ascii: "/") else {
            throw JSONPatchFailure("\"\(member)\" \"\(text)\" is not a valid JSON Pointer: it must be empty or start with '/'")
        }
        var tokens: [String] = []
        var current: [UInt8] = []
        var i = 1
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "/") {
                tokens.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            } else if b == UInt8(ascii: "~") {
                guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "0") || bytes[i + 1] == UInt8(ascii: "1") else {
                    throw JSONPatchFailure("\"\(member)\" \"\(text)\" is not a valid JSON Pointer: '~' must be followed by '0' or '1' (write '~' as ~0 and '/' as ~1)")
                }
                current.append(bytes[i + 1] == UInt8(ascii: "0") ? UInt8(ascii: "~") : UInt8(ascii: "/"))
                i += 1
            } else {
                current.append(b)
            }
            i += 1
        }
        tokens.append(String(decoding: current, as: UTF8.self))
        return tokens
    }

    /// The array index an RFC 6901 token denotes (`0` or digits without a leading zero), or nil.
    static func index(_ token: String) -> Int? {
        let utf8 = token.utf8
        guard let first = utf8.first, utf8.count <= 18 else { return nil }
        if first == UInt8(ascii: "0") { return utf8.count == 1 ? 0 : nil }
        var value = 0
        for b in utf8 {
            guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(b - UInt8(ascii: "0"))
        }
        return value
    }

    /// The index of an existing element of an array of `count` elements.
    static func existingIndex(_ token: String, count: Int, pointer: String) throws(JSONPatchFailure) -> Int {
        if token == "-" {
            throw JSONPatchFailure("path \"\(pointer)\": \"-\" refers to the nonexistent element after the end of the array")
        }
        guard let i = index(token) else {
            throw JSONPatchFailure("path \"\(pointer)\": \"\(token)\" is not a valid array index")
        }
        guard i < count else {
            throw JSONPatchFailure("path \"\(pointer)\": index \(i) is out of bounds for an array of \(count) elements")
        }
        return i
    }
}
