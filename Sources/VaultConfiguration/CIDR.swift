#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address range such as `10.0.0.0/8` or `::1/128`. An IPv4-mapped IPv6 client
/// address (`::ffff:10.1.2.3`) matches IPv4 ranges.
public struct CIDR: Sendable, Equatable {
    let network: [UInt8]
    let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bytes = CIDR.addressBytes(String(parts[0])), let length = Int(parts[1]),
              length >= 0, length <= bytes.count * 8, String(length) == parts[1] else { return nil }
        network = bytes
        prefixLength = length
    }

    /// True if `address` (an IP literal) is in the range.
    public func contains(_ address: String) -> Bool {
        guard var bytes = CIDR.addressBytes(address) else { return false }
        if network.count == 4, bytes.count == 16, bytes.prefix(12).elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]) {
            bytes = Array(bytes.suffix(4))
        }
        guard bytes.count == network.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(bytes, network) where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if a & mask != b & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// The 4 or 16 bytes of an IP literal. Only hex digits, dots and colons are read (inet_pton would
    /// stop at a NUL and accept what comes before it).
    public static func addressBytes(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.allSatisfy({ byte in
            (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte | 0x20) || byte == 0x2E || byte == 0x3A
        }) else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
