/// The names S3 accepts for buckets and object keys.
public enum S3Names {
    /// The longest key, in bytes of UTF-8 (S3's limit).
    public static let maxKeyBytes = 1024

    /// S3's general-purpose bucket naming rules: 3 to 63 characters of lower-case letters, digits, `.` and `-`,
    /// starting and ending with a letter or digit; no `..`; not an IPv4 address (`192.168.5.4`); not starting with
    /// `xn--`, `sthree-` or `amzn-s3-demo-`; not ending with `-s3alias`, `--ol-s3`, `.mrap`, `--x-s3` or `--table-s3`.
    /// Anything else → `InvalidBucketName` saying which rule.
    public static func checkBucket(_ name: String) throws(S3Error) {
        func invalid(_ rule: String) -> S3Error { .invalidBucketName("The specified bucket is not valid: \(rule).") }
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count) else { throw invalid("a bucket name is 3 to 63 characters long") }
        let isLowerOrDigit = { (b: UInt8) in (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) }
        guard bytes.allSatisfy({ isLowerOrDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }) else {
            throw invalid("a bucket name has only lower-case letters, digits, '.' and '-'")
        }
        guard isLowerOrDigit(bytes[0]), isLowerOrDigit(bytes[bytes.count - 1]) else {
            throw invalid("a bucket name starts and ends with a letter or a digit")
        }
        guard !name.contains("..") else { throw invalid("a bucket name has no two adjacent periods") }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } && Int($0)! <= 255 }) {
            throw invalid("a bucket name is not an IP address")
        }
        for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] where name.hasPrefix(prefix) {
            throw invalid("a bucket name does not start with \(prefix)")
        }
        for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] where name.hasSuffix(suffix) {
            throw invalid("a bucket name does not end with \(suffix)")
        }
    }

    /// A key is not empty (`InvalidArgument`), at most 1,024 bytes of UTF-8 (`KeyTooLongError`), and — the vault's
    /// choice, stricter than S3 — holds no C0 control character U+0000–U+001F (`InvalidArgument`), since such keys
    /// cannot be written in XML 1.0 listings and hide in logs. Invalid UTF-8 is refused earlier, by
    /// `S3URIEncoding.decode`, which the caller uses to read the key from the path.
    public static func checkKey(_ key: String) throws(S3Error) {
        guard !key.isEmpty else { throw .invalidArgument("The object key must not be empty.") }
        guard key.utf8.count <= maxKeyBytes else {
            throw .keyTooLong("Your key is too long: \(key.utf8.count) bytes of UTF-8, at most \(maxKeyBytes) are allowed.")
        }
        if let control = key.utf8.first(where: { $0 < 0x20 }) {
            throw .invalidArgument("Object keys must not contain control characters (this one has U+\(String(control, radix: 16, uppercase: true).leftPadded(4))).")
        }
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
