import CZlib
import Crypto

/// The checksum algorithms of S3's flexible checksums (`x-amz-checksum-*`), named as S3 names them.
public enum S3ChecksumAlgorithm: String, Sendable, CaseIterable {
    case crc32 = "CRC32", crc32c = "CRC32C", sha1 = "SHA1", sha256 = "SHA256", crc64nvme = "CRC64NVME"

    /// The header (and trailer) carrying this checksum: `x-amz-checksum-crc32` …
    public var headerName: String { "x-amz-checksum-\(rawValue.lowercased())" }

    /// The algorithm of a checksum header name (any case); nil for other headers, such as `x-amz-checksum-type`.
    public init?(headerName: String) {
        guard let found = Self.allCases.first(where: { $0.headerName == headerName.lowercased() }) else { return nil }
        self = found
    }

    /// How many bytes the checksum has (before base64).
    public var byteCount: Int {
        switch self {
        case .crc32, .crc32c: 4
        case .crc64nvme: 8
        case .sha1: 20
        case .sha256: 32
        }
    }
}

/// One running checksum over a payload, in S3's form: the CRC's big-endian bytes (or the digest), base64.
public struct S3Checksum: Sendable {
    public let algorithm: S3ChecksumAlgorithm
    private var state: State

    private enum State: Sendable {
        case crc32(UInt32)
        case crc32c(UInt32)
        case crc64(UInt64)
        case sha1(Insecure.SHA1)
        case sha256(SHA256)
    }

    public init(_ algorithm: S3ChecksumAlgorithm) {
        self.algorithm = algorithm
        state = switch algorithm {
        case .crc32: .crc32(0)
        case .crc32c: .crc32c(0)
        case .crc64nvme: .crc64(0)
        case .sha1: .sha1(Insecure.SHA1())
        case .sha256: .sha256(SHA256())
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        switch state {
        case .crc32(let crc):
            state = .crc32(Self.zlibCRC32(crc, bytes))
        case .crc32c(let crc):
            state = .crc32c(CRC32C.update(crc, bytes))
        case .crc64(let crc):
            state = .crc64(CRC64NVME.update(crc, bytes))
        case .sha1(var hash):
            hash.update(data: bytes)
            state = .sha1(hash)
        case .sha256(var hash):
            hash.update(data: bytes)
            state = .sha256(hash)
        }
    }

    /// The checksum's bytes: big-endian for the CRCs, the digest for the hashes.
    public func digest() -> [UInt8] {
        switch state {
        case .crc32(let crc), .crc32c(let crc): withUnsafeBytes(of: crc.bigEndian, Array.init)
        case .crc64(let crc): withUnsafeBytes(of: crc.bigEndian, Array.init)
        case .sha1(let hash): Array(hash.finalize())
        case .sha256(let hash): Array(hash.finalize())
        }
    }

    /// S3's form: `digest()` in base64, e.g. CRC32 of "123456789" is `y/Q5Jg==`.
    public func base64() -> String { S3Base64.encode(digest()) }

    private static func zlibCRC32(_ crc: UInt32, _ bytes: [UInt8]) -> UInt32 {
        var value = UInt(crc)
        bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let length = min(buffer.count - offset, Int(Int32.max))
                value = crc32(value, buffer.baseAddress! + offset, uInt(length))
                offset += length
            }
        }
        return UInt32(truncatingIfNeeded: value)
    }
}
