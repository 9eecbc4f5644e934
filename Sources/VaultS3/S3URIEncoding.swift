/// Percent-encoding as S3 and SigV4 use it (RFC 3986): the unreserved characters `A–Z a–z 0–9 - . _ ~` stand
/// for themselves, every other byte of the UTF-8 form is `%XX` with upper-case hex. A `+` is a `+`, in paths and
/// in queries alike (AWS SDKs send a literal plus as `%2B`; reading `+` as a space is HTML form encoding, which
/// S3's signatures do not use).
public enum S3URIEncoding {
    /// Encodes `text` byte by byte; with `keepSlash`, `/` stays as is (for keys in a path, or `encoding-type=url`
    /// listings, where S3 keeps it).
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        String(decoding: encodeBytes(Array(text.utf8), keepSlash: keepSlash), as: UTF8.self)
    }

    /// Decodes `%XX` escapes (either case of hex); every other byte stands for itself. Throws `InvalidURI` for a
    /// `%` not followed by two hex digits and for bytes that are not UTF-8.
    public static func decode<Text: StringProtocol>(_ raw: Text) throws(S3Error) -> String {
        guard let bytes = decodeBytes(Array(raw.utf8)) else {
            throw .invalidURI("Couldn't parse the specified URI: a % is not followed by two hexadecimal digits.")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidURI("Couldn't parse the specified URI: its percent-encoded bytes are not UTF-8.")
        }
        return text
    }

    /// The parameters of a raw query (`a=1&b&c=x%2Fy`), in order, names and values decoded; a parameter without
    /// `=` has the value "". Empty pieces (`a=1&&b`) are skipped. Throws as `decode` does.
    public static func queryParameters(_ rawQuery: String) throws(S3Error) -> [(name: String, value: String)] {
        var parameters: [(name: String, value: String)] = []
        for piece in rawQuery.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let (name, value) = splitParameter(piece)
            parameters.append((try decode(Substring(decoding: name, as: UTF8.self)),
                               try decode(Substring(decoding: value, as: UTF8.self))))
        }
        return parameters
    }

    static func splitParameter(_ piece: Substring.UTF8View) -> (name: Substring.UTF8View, value: Substring.UTF8View) {
        if let equals = piece.firstIndex(of: UInt8(ascii: "=")) {
            return (piece[piece.startIndex..<equals], piece[piece.index(after: equals)...])
        }
        return (piece, piece[piece.endIndex...])
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }

    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    static func encodeBytes<Bytes: Sequence>(_ bytes: Bytes, keepSlash: Bool) -> [UInt8] where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        for byte in bytes {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(upperHex[Int(byte >> 4)])
                out.append(upperHex[Int(byte & 0x0F)])
            }
        }
        return out
    }

    /// The bytes `raw` stands for; nil if a `%` lacks its two hex digits.
    static func decodeBytes<Bytes: Collection>(_ raw: Bytes) -> [UInt8]? where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index != raw.endIndex {
            let byte = raw[index]
            index = raw.index(after: index)
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                continue
            }
            guard index != raw.endIndex, let high = S3Hex.value(raw[index]) else { return nil }
            index = raw.index(after: index)
            guard index != raw.endIndex, let low = S3Hex.value(raw[index]) else { return nil }
            index = raw.index(after: index)
            out.append(high << 4 | low)
        }
        return out
    }
}
