// JSONCanonical.swift — RFC 8785 JSON Canonicalization Scheme (JCS) serialisation.

extension JSONValue {
    /// The RFC 8785 (JCS) canonical serialisation of this value as UTF-8 bytes.
    ///
    /// Contract: no insignificant whitespace; object members sorted by the UTF-16
    /// code units of their keys; strings escaped minimally (`\"`, `\\`, `\b`, `\f`,
    /// `\n`, `\r`, `\t`, and `\u00xx` with lowercase hex for other controls below
    /// U+0020), everything else written literally as UTF-8; numbers in ECMAScript
    /// `Number::toString` form (`JSONNumber.canonical`). Equal values always give
    /// identical bytes, and parsing the bytes gives back an equal value (provided the
    /// value fits the parser's `JSONLimits`); canonicalizing canonical bytes again
    /// reproduces them exactly.
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        writeCanonical(into: &out)
        return out
    }

    /// Appends the RFC 8785 canonical serialisation of this value to `out`
    /// (same bytes as `canonicalBytes`).
    public func writeCanonical(into out: inout [UInt8]) {
        switch self {
        case .null:
            out.append(contentsOf: "null".utf8)
        case .bool(let b):
            out.append(contentsOf: b ? "true".utf8 : "false".utf8)
        case .number(let n):
            out.append(contentsOf: n.canonical.utf8)
        case .string(let s):
            JSONCanonical.writeString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                element.writeCanonical(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            JSONCanonical.writeMembers(members, into: &out)
            out.append(UInt8(ascii: "}"))
        }
    }
}

/// Helpers shared by canonical serialisation and JSON Patch diffing.
enum JSONCanonical {
    /// Writes `members` (without braces) in RFC 8785 order.
    ///
    /// Sorts (prefix, index) pairs rather than the entries themselves so that sorting
    /// touches no reference counts; `sortPrefix` orders like `utf16Precedes` on the
    /// first 8 bytes, and ties fall back to the full comparison.
    static func writeMembers(_ members: [String: JSONValue], into out: inout [UInt8]) {
        typealias Slot = (prefix: UInt64, index: Dictionary<String, JSONValue>.Index)
        withUnsafeTemporaryAllocation(of: Slot.self, capacity: members.count) { slots in
            var n = 0
            var index = members.startIndex
            while index != members.endIndex {
                slots.initializeElement(at: n, to: (sortPrefix(members[index].key), index))
                n += 1
                index = members.index(after: index)
            }
            var sortable = slots
            sortable.sort { a, b in
                if a.prefix != b.prefix { return a.prefix < b.prefix }
                return utf16Precedes(members[a.index].key, members[b.index].key)
            }
            var first = true
            for slot in slots {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                let member = members[slot.index]
                writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                member.value.writeCanonical(into: &out)
            }
            _ = slots.deinitialize()
        }
    }

    /// The first 8 UTF-8 bytes of `key` as a big-endian integer, zero-padded, with
    /// lead bytes remapped so that integer order is UTF-16 order: 0xF0–0xF4
    /// (supplementary scalars, i.e. surrogates in UTF-16) move below 0xEE–0xEF
    /// (U+E000–U+FFFF). Bytes >= 0xEE are always lead bytes, so the remap is safe.
    @inline(__always)
    static func sortPrefix(_ key: String) -> UInt64 {
        var prefix: UInt64 = 0
        var n = 0
        for var b in key.utf8 {
            if b >= 0xEE { b = b >= 0xF0 ? b &- 2 : b &+ 5 }
            prefix = prefix << 8 | UInt64(b)
            n += 1
            if n == 8 { break }
        }
        return n == 8 ? prefix : prefix << UInt64(8 * (8 - n))
    }

    /// Keys in RFC 8785 order (ascending UTF-16 code units).
    static func sortedKeys<S: Sequence<String>>(_ keys: S) -> [String] {
        keys.sorted(by: utf16Precedes)
    }

    /// True when `a` sorts before `b` comparing their UTF-16 code units lexicographically
    /// (the same result as comparing `Array(a.utf16)` with `Array(b.utf16)`).
    ///
    /// Works on UTF-8 bytes: byte order equals code-point order, which equals UTF-16
    /// order except that supplementary-plane scalars (surrogate pairs, 0xD800…) sort
    /// before U+E000–U+FFFF (lead bytes 0xEE/0xEF) in UTF-16.
    static func utf16Precedes(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { pa in
            b.utf8.withContiguousStorageIfAvailable { pb in utf16Precedes(pa, pb) }
        }
        if let fast, let result = fast { return result }
        let ca = ContiguousArray(a.utf8)
        let cb = ContiguousArray(b.utf8)
        return ca.withUnsafeBufferPointer { pa in cb.withUnsafeBufferPointer { pb in utf16Precedes(pa, pb) } }
    }

    /// `utf16Precedes` on the UTF-8 bytes of two valid strings.
    static func utf16Precedes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = min(a.count, b.count)
        var i = 0
        while i < n && a[i] == b[i] { i += 1 }
        if i == n { return a.count < b.count }
        let x = a[i]
        let y = b[i]
        // The bytes before `i` are equal, so both strings are at the same position
        // within a scalar. At a continuation byte the scalars share their lead byte
        // and byte order is UTF-16 order. At lead bytes, byte order is code-point
        // order, which is UTF-16 order except that a supplementary scalar (lead
        // 0xF0–0xF4, encoded as surrogates 0xD800–0xDFFF) sorts before U+E000–U+FFFF
        // (lead 0xEE–0xEF).
        if x >= 0xF0 && (y == 0xEE || y == 0xEF) { return true }
        if y >= 0xF0 && (x == 0xEE || x == 0xEF) { return false }
        return x < y
    }

    /// Writes `s` as an RFC 8785 string literal.
    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let written: Void? = s.utf8.withContiguousStorageIfAvailable { bytes in
            writeEscaped(bytes, into: &out)
        }
        if written == nil {
            ContiguousArray(s.utf8).withUnsafeBufferPointer { writeEscaped($0, into: &out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Writes the body of a string literal: `bytes` escaped per RFC 8785.
    @inline(__always)
    static func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var runStart = 0
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b >= 0x20 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                i += 1
                continue
            }
            if runStart < i {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
            }
            out.append(UInt8(ascii: "\\"))
            switch b {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            default:
                // Other controls: \u00xx with lowercase hex (b < 0x20, so the high nibble is 0 or 1).
                let low = b & 0xF
                out.append(UInt8(ascii: "u"))
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "0") + (b >> 4))
                out.append(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10)
            }
            i += 1
            runStart = i
        }
        if runStart < n {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<n]))
        }
    }
}
