/// Decoding of canonical standard base64 straight from bytes, for the verifier's hot loops: the
/// same acceptance as `CanonicalBase64.decode` (padding present, unused bits zero, no whitespace),
/// without going through `String` and `Data`.
public enum FastBase64 {
    private static let table: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, c) in Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8).enumerated() {
            table[Int(c)] = UInt8(index)
        }
        return table
    }()

    /// Decodes `text`, or returns nil if it is not the canonical standard base64 of some bytes.
    public static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        if let result = text.withContiguousStorageIfAvailable({ decode(UnsafeRawBufferPointer($0)) }) { return result }
        return Array(text).withUnsafeBytes { decode($0) }
    }

    /// Decodes `input` into `output` (replacing its contents, reusing its storage); false if `input`
    /// is not canonical base64.
    public static func decode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) -> Bool {
        let count = input.count
        guard count % 4 == 0 else { return false }
        guard count > 0 else {
            output.removeAll(keepingCapacity: true)
            return true
        }
        var padding = 0
        if input[count - 1] == 0x3D { padding = input[count - 2] == 0x3D ? 2 : 1 }
        let length = count / 4 * 3 - padding
        if output.count != length {
            output.removeAll(keepingCapacity: true)
            output.append(contentsOf: repeatElement(0, count: length))
        }
        return table.withUnsafeBufferPointer { table -> Bool in
            output.withUnsafeMutableBufferPointer { out -> Bool in
                var o = 0
                var i = 0
                while i < count {
                    let last = i + 4 == count
                    let a = table[Int(input[i])], b = table[Int(input[i + 1])]
                    let c = last && padding == 2 ? 0 : table[Int(input[i + 2])]
                    let d = last && padding >= 1 ? 0 : table[Int(input[i + 3])]
                    // Every symbol is 0...63; anything else (0xFF in the table) sets a high bit.
                    guard (a | b | c | d) & 0xC0 == 0 else { return false }
                    out[o] = a << 2 | b >> 4
                    if !(last && padding == 2) {
                        out[o + 1] = (b & 0x0F) << 4 | c >> 2
                        if !(last && padding >= 1) { out[o + 2] = (c & 0x03) << 6 | d }
                    }
                    if last {
                        // Canonical: the bits that padding leaves unused are zero.
                        if padding == 2, b & 0x0F != 0 { return false }
                        if padding == 1, c & 0x03 != 0 { return false }
                    }
                    o += 3
                    i += 4
                }
                return true
            }
        }
    }

    private static func decode(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
        var output: [UInt8] = []
        return decode(input, into: &output) ? output : nil
    }
}
