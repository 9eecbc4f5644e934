import Foundation
import Testing
import VaultS3

@Suite("S3 checksums")
struct S3ChecksumTests {
    static func checksum(_ algorithm: S3ChecksumAlgorithm, _ data: [UInt8]) -> String {
        var running = S3Checksum(algorithm)
        running.update(data)
        return running.base64()
    }

    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> String {
        withUnsafeBytes(of: value.bigEndian) { Data($0).base64EncodedString() }
    }

    @Test("the catalogue check values of \"123456789\"")
    func checkValues() {
        let data = bytes("123456789")
        #expect(Self.checksum(.crc32, data) == Self.bigEndian(UInt32(0xCBF4_3926)))
        #expect(Self.checksum(.crc32c, data) == Self.bigEndian(UInt32(0xE306_9283)))
        #expect(Self.checksum(.crc64nvme, data) == Self.bigEndian(UInt64(0xAE8B_1486_0A79_9888)))
        #expect(Self.checksum(.sha256, data) == Data(hex: "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225").base64EncodedString())
        #expect(Self.checksum(.crc32, []) == "AAAAAA==")
    }

    @Test("every algorithm matches the independent (bit by bit, zlib, hashlib) vectors at lengths around the 8-byte stride")
    func generatedVectors() {
        for vector in VectorFile.shared.checksums {
            let data = checksumVectorData(vector.length)
            #expect(Self.checksum(.crc32, data) == vector.CRC32, "length \(vector.length)")
            #expect(Self.checksum(.crc32c, data) == vector.CRC32C, "length \(vector.length)")
            #expect(Self.checksum(.crc64nvme, data) == vector.CRC64NVME, "length \(vector.length)")
            #expect(Self.checksum(.sha1, data) == vector.SHA1, "length \(vector.length)")
            #expect(Self.checksum(.sha256, data) == vector.SHA256, "length \(vector.length)")
        }
    }

    @Test("updating in pieces gives the checksum of the whole")
    func incremental() {
        let data = checksumVectorData(4099)
        for algorithm in S3ChecksumAlgorithm.allCases {
            for split in [0, 1, 5, 8, 13, 4098] {
                var running = S3Checksum(algorithm)
                running.update(Array(data[..<split]))
                running.update(Array(data[split...]))
                #expect(running.base64() == Self.checksum(algorithm, data), "\(algorithm) split at \(split)")
            }
        }
    }

    @Test("header names map to algorithms and back, in any case; other x-amz-checksum-* headers are not checksums")
    func headerNames() {
        #expect(S3ChecksumAlgorithm.crc64nvme.headerName == "x-amz-checksum-crc64nvme")
        for algorithm in S3ChecksumAlgorithm.allCases {
            #expect(S3ChecksumAlgorithm(headerName: algorithm.headerName.uppercased()) == algorithm)
        }
        #expect(S3ChecksumAlgorithm(headerName: "x-amz-checksum-type") == nil)
        #expect(S3ChecksumAlgorithm(headerName: "x-amz-checksum-algorithm") == nil)
    }
}

@Suite("Checking a body against its digest headers")
struct S3PayloadChecksTests {
    static let body = bytes("The quick brown fox jumps over the lazy dog")
    /// MD5 9e107d9d372bb6826bd81d3542a419d6, the RFC 1321 test suite's well-known value for this sentence.
    static let md5 = Data(hex: "9e107d9d372bb6826bd81d3542a419d6").base64EncodedString()

    static func run(_ headers: [(name: String, value: String)], _ body: [UInt8] = body) throws {
        var checks = try S3PayloadChecks(headers: headers)
        checks.update(Array(body.prefix(10)))
        checks.update(Array(body.dropFirst(10)))
        try checks.finish()
    }

    @Test("matching checksum and Content-MD5 pass; each algorithm is recognised")
    func matching() throws {
        for algorithm in S3ChecksumAlgorithm.allCases {
            try Self.run([(algorithm.headerName, S3ChecksumTests.checksum(algorithm, Self.body)), ("Content-MD5", Self.md5)])
        }
        try Self.run([("Content-Type", "text/plain")])
        #expect(try S3PayloadChecks(headers: [("X-Amz-Checksum-SHA256", S3ChecksumTests.checksum(.sha256, Self.body))]).algorithm == .sha256)
    }

    @Test("a mismatch is BadDigest naming the algorithm; a wrong Content-MD5 is BadDigest")
    func mismatch() {
        let other = bytes("The quick brown fox jumps over the lazy cat")
        for algorithm in S3ChecksumAlgorithm.allCases {
            let error = s3Error { try Self.run([(algorithm.headerName, S3ChecksumTests.checksum(algorithm, other))]) }
            #expect(error == .badDigest("The \(algorithm.rawValue) you specified did not match the calculated checksum."))
        }
        #expect(errorCode { try Self.run([("Content-MD5", Self.md5)], other) } == "BadDigest")
    }

    @Test("malformed values: checksum InvalidRequest, Content-MD5 InvalidDigest; two checksum headers InvalidRequest")
    func malformed() {
        #expect(errorCode { try Self.run([("x-amz-checksum-crc32", "not base64!")]) } == "InvalidRequest")
        #expect(errorCode { try Self.run([("x-amz-checksum-crc32", "AAAAAAAA")]) } == "InvalidRequest")  // 6 bytes, not 4
        #expect(errorCode { try Self.run([("Content-MD5", "AAAA")]) } == "InvalidDigest")
        #expect(errorCode { try Self.run([("Content-MD5", "@@@@")]) } == "InvalidDigest")
        let crc = S3ChecksumTests.checksum(.crc32, Self.body)
        #expect(errorCode { try Self.run([("x-amz-checksum-crc32", crc), ("x-amz-checksum-sha1", S3ChecksumTests.checksum(.sha1, Self.body))]) } == "InvalidRequest")
    }
}

extension Data {
    init(hex: String) {
        let digits = Array(hex.utf8)
        self.init(stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! })
    }
}
