public import Foundation

/// A SHA-256 digest: exactly 32 bytes, stored inline so that hashes can be passed around and kept in
/// arrays without a heap allocation each.
public struct Hash: Hashable, Sendable, CustomStringConvertible {
    /// The size of every hash in the log, in bytes.
    public static let byteCount = 32

    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

    /// Creates a hash from exactly 32 bytes; returns nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Hash.byteCount else { return nil }
        withUnsafeMutableBytes(of: &self) { raw in
            raw.copyBytes(from: bytes)
        }
    }

    /// Creates a hash from exactly 32 bytes at `pointer`.
    init(copying pointer: UnsafeRawBufferPointer) {
        precondition(pointer.count == Hash.byteCount, "a hash is 32 bytes")
        withUnsafeMutableBytes(of: &self) { raw in
            raw.copyMemory(from: pointer)
        }
    }

    /// Decodes a hash from canonical standard base64 of exactly 32 bytes.
    public init?(base64: String) {
        guard let bytes = CanonicalBase64.decode(base64) else { return nil }
        self.init(bytes: bytes)
    }

    /// Decodes a hash from exactly 64 lower-case hexadecimal digits.
    public init?(hex: some StringProtocol) {
        let digits = Array(hex.utf8)
        guard digits.count == 2 * Hash.byteCount else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Hash.byteCount)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Hash.hexValue(digits[i]), let low = Hash.hexValue(digits[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.init(bytes: bytes)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }

    /// The 32 bytes of the hash.
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// The 32 bytes of the hash as `Data`.
    public var data: Data {
        withUnsafeBytes { Data($0) }
    }

    /// Standard base64 (with padding) of the 32 bytes.
    public var base64: String {
        data.base64EncodedString()
    }

    /// Lower-case hexadecimal of the 32 bytes.
    public var hex: String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    public var description: String { hex }

    /// Calls `body` with the 32 bytes of the hash.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: self) { try body($0) }
    }
}

/// Standard base64 that only accepts the one canonical encoding of each byte string (padding
/// present, unused bits zero, no whitespace), as C2SP formats require.
public enum CanonicalBase64 {
    /// Decodes `text`, or returns nil if it is not the canonical standard base64 of some bytes.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let string = String(text)
        guard let data = Data(base64Encoded: string), data.base64EncodedString() == string else {
            return nil
        }
        return Array(data)
    }
}
