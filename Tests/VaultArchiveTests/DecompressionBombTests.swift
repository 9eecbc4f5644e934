import Foundation
import Testing
import VaultArchive

/// Decompression bombs that stay inside every size limit: each is a few kilobytes on disk and
/// inflates to hundreds of megabytes or more. The reader must refuse each one after inflating
/// no more than its compression ratio allows, which `ReadCounts` shows without timing anything.
@Suite("Decompression bombs")
struct DecompressionBombTests {
    /// Writes the tar stream that `python3 -c script` prints to `name`, compressed by `compressor`
    /// (a shell command reading standard input), and returns the path.
    static func makeBomb(
        _ name: String, tarStream script: String, compressor: String, in directory: ScratchDirectory
    ) throws -> String {
        let archive = directory.file(name)
        let scriptFile = directory.file(name + ".py")
        try Data((bombPrelude + script).utf8).write(to: URL(fileURLWithPath: scriptFile))
        defer { try? FileManager.default.removeItem(atPath: scriptFile) }
        let result = try runTool(["sh", "-c", "python3 '\(scriptFile)' | \(compressor) > '\(archive)'"], in: directory.path)
        try #require(result.status == 0, "building \(name) failed: \(result.errors)")
        return archive
    }

    /// Reads `archive` expecting `code`; returns the error, the members delivered and the counts.
    static func read(
        _ archive: String, expecting code: ArchiveError.Code, limits: ArchiveLimits = .init(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> (error: ArchiveError?, delivered: [String], counts: ArchiveReader.ReadCounts) {
        var delivered: [String] = []
        var counts = ArchiveReader.ReadCounts()
        let error = #expect(throws: ArchiveError.self, sourceLocation: sourceLocation) {
            try ArchiveReader(path: archive, limits: limits).forEachMember(counts: &counts) { delivered.append($0.path) }
        }
        #expect(error?.code == code, "\(error.map(String.init(describing:)) ?? "no error")", sourceLocation: sourceLocation)
        return (error, delivered, counts)
    }

    /// What the ratio allows for what was read, plus one 64 KiB piece and libarchive's own
    /// buffers: the most a refused bomb may have inflated.
    static func expectBounded(_ counts: ArchiveReader.ReadCounts, limits: ArchiveLimits = .init(),
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let bound = limits.maxUncompressedBytes(afterReading: counts.compressedBytes) + (1 << 20)
        #expect(counts.uncompressedBytes <= bound, "inflated \(counts.uncompressedBytes) bytes from \(counts.compressedBytes)",
                sourceLocation: sourceLocation)
        #expect(counts.memberBytes <= bound, sourceLocation: sourceLocation)
    }

    static let member = "regvault-export/records/0000000000000000"
    static let underMemberLimit = (256 << 20) - 512

    @Test("a zstd member of zeros just under the member limit is refused after a bounded read")
    func zstdMemberUnderLimit() throws {
        try #require(toolExists("zstd"))
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        // Four such members: 1 GiB of zeros in about 32 KB.
        let archive = try Self.makeBomb(
            "zeros.tar.zst",
            tarStream: """
                for i in range(4):
                    header("regvault-export/records/%016d" % (i * 65536), \(Self.underMemberLimit))
                    zeros(\(Self.underMemberLimit))
                end()
                """,
            compressor: "zstd -q -3 --long=27", in: directory)
        let size = try #require(FileManager.default.attributesOfItem(atPath: archive)[.size] as? Int)
        #expect(size < 64 << 10, "1 GiB of tar stream in \(size) bytes")

        let (error, delivered, counts) = Self.read(archive, expecting: .tooLarge)
        #expect(error?.member == Self.member)
        #expect(error?.reason.contains("decompression bomb") == true)
        #expect(delivered.isEmpty)
        Self.expectBounded(counts)
        #expect(counts.uncompressedBytes < 32 << 20, "a 256 MiB member was never inflated: \(counts.uncompressedBytes)")
    }

    @Test("a gzip member of zeros under the member limit is refused after a bounded read")
    func gzipMemberUnderLimit() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let archive = try Self.makeBomb(
            "zeros.tar.gz",
            tarStream: """
                header("\(Self.member)", 64 << 20)
                zeros(64 << 20)
                end()
                """,
            compressor: "gzip -9", in: directory)
        let (error, delivered, counts) = Self.read(archive, expecting: .tooLarge)
        #expect(error?.member == Self.member)
        #expect(delivered.isEmpty)
        Self.expectBounded(counts)
        #expect(counts.uncompressedBytes < 40 << 20)
    }

    @Test("gzip inside zstd is measured against the bytes on disk")
    func nestedCompression() throws {
        try #require(toolExists("zstd"))
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let archive = try Self.makeBomb(
            "zeros.tar.gz.zst",
            tarStream: """
                header("\(Self.member)", \(Self.underMemberLimit))
                zeros(\(Self.underMemberLimit))
                end()
                """,
            compressor: "gzip -9 | zstd -q -19", in: directory)
        let (error, _, counts) = Self.read(archive, expecting: .tooLarge)
        #expect(error?.member == Self.member)
        Self.expectBounded(counts)
    }

    @Test("a chain of pax headers just under libarchive's 1 MB cap is refused by the ratio")
    func paxHeaderChain() throws {
        try #require(toolExists("zstd"))
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        // 256 empty members, each behind 900 kB of pax comment: 230 MB of headers, no data.
        let archive = try Self.makeBomb(
            "pax.tar.zst",
            tarStream: """
                for i in range(256):
                    pax_header("regvault-export/retention/p%03d.json" % i, "comment", 900_000)
                end()
                """,
            compressor: "zstd -q -3", in: directory)
        let (error, delivered, counts) = Self.read(archive, expecting: .tooLarge)
        let member = try #require(error?.member)
        #expect(member.hasPrefix("regvault-export/retention/p"), "names the member whose header was read")
        #expect(!delivered.isEmpty && delivered.count < 64, "\(delivered.count) members before the refusal")
        #expect(counts.memberBytes == 0)
        Self.expectBounded(counts)
    }

    @Test("zeros after the end-of-archive marker are never inflated")
    func zerosAfterEndMarker() throws {
        try #require(toolExists("zstd"))
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let archive = try Self.makeBomb(
            "padded.tar.zst",
            tarStream: """
                header("regvault-export/README.txt", 5)
                data(b"hello")
                end()
                zeros(1 << 30)
                """,
            compressor: "zstd -q -3", in: directory)
        var counts = ArchiveReader.ReadCounts()
        var delivered: [String] = []
        try ArchiveReader(path: archive).forEachMember(counts: &counts) { delivered.append($0.path) }
        #expect(delivered == ["regvault-export/README.txt"])
        #expect(counts.uncompressedBytes < 1 << 20, "stopped at the marker: \(counts.uncompressedBytes)")
    }

    @Test("a sparse member is refused before its holes are filled with zeros")
    func sparseMember() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let holes = directory.file("holes")
        try #require(try runTool(["truncate", "-s", "200M", holes], in: directory.path).status == 0)
        let archive = directory.file("sparse.tar")
        let tar = try runTool(["tar", "--sparse", "--format=pax", "-cf", archive, "holes"], in: directory.path)
        try #require(tar.status == 0, "\(tar.errors)")
        let (error, delivered, counts) = Self.read(archive, expecting: .notRegularFile)
        #expect(error?.member == "holes")
        #expect(error?.reason.contains("sparse") == true)
        #expect(delivered.isEmpty)
        #expect(counts.memberBytes == 0)
    }

    @Test("a very compressible archive within the allowance reads; the ratio applies beyond it")
    func allowance() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let archive = directory.file("zeros.tar.zst")
        let zeros = ArchiveMember(path: "zeros", bytes: [UInt8](repeating: 0, count: 8 << 20), modificationTime: 0)
        try writeArchive([zeros], to: archive, compression: .zstd)
        var counts = ArchiveReader.ReadCounts()
        var delivered: [ArchiveMember] = []
        try ArchiveReader(path: archive).forEachMember(counts: &counts) { delivered.append($0) }
        #expect(delivered == [zeros])
        #expect(counts.memberBytes == 8 << 20)
        #expect(counts.uncompressedBytes > 1000 * counts.compressedBytes, "zeros inflate over a thousand times")

        let tight = ArchiveLimits(maxCompressionRatio: 100, compressionAllowanceBytes: 1 << 20)
        let (error, _, tightCounts) = Self.read(archive, expecting: .tooLarge, limits: tight)
        #expect(error?.member == "zeros")
        Self.expectBounded(tightCounts, limits: tight)
    }

    @Test("an ordinary compressed archive reads with the default ratio", arguments: [ArchiveCompression.gzip, .zstd])
    func ordinaryArchive(compression: ArchiveCompression) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let archive = directory.file("sample")
        try writeArchive(sampleMembers, to: archive, compression: compression)
        let strict = ArchiveLimits(compressionAllowanceBytes: 0)
        var counts = ArchiveReader.ReadCounts()
        var delivered: [ArchiveMember] = []
        try ArchiveReader(path: archive, limits: strict).forEachMember(counts: &counts) { delivered.append($0) }
        #expect(delivered == sampleMembers)
        #expect(counts.memberBytes == sampleMembers.reduce(0) { $0 + $1.size })
    }
}

/// Helpers for the bomb scripts, which print a tar stream on standard output without ever
/// holding more than 1 MiB of it.
private let bombPrelude = #"""
import sys, tarfile
out = sys.stdout.buffer

def header(name, size):
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, 1700000000, 0o444
    out.write(info.tobuf(tarfile.USTAR_FORMAT))

def pax_header(name, key, length):
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = 0, 1700000000, 0o444
    info.pax_headers = {key: "c" * length}
    out.write(info.tobuf(tarfile.PAX_FORMAT))

def zeros(count):
    # tar pads data to whole 512-byte blocks
    left, block = count + (-count % 512), bytes(1 << 20)
    while left > 0:
        out.write(block[:min(left, len(block))])
        left -= len(block)

def data(payload):
    out.write(payload + bytes(-len(payload) % 512))

def end():
    out.write(bytes(1024))

"""#
