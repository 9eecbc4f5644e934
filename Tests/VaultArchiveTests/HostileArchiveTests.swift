import Foundation
import Testing
import VaultArchive
#if canImport(Glibc)
import Glibc
#endif

@Suite("Hostile and damaged archives")
struct HostileArchiveTests {
    struct HostileCase: Sendable, CustomTestStringConvertible {
        var name: String
        var code: ArchiveError.Code
        var limits = ArchiveLimits()
        /// Members delivered before the refusal.
        var delivered = 0
        var testDescription: String { "\(name) → \(code.rawValue)" }
    }

    static let cases: [HostileCase] = [
        HostileCase(name: "parent", code: .unsafePath),
        HostileCase(name: "absolute", code: .unsafePath),
        HostileCase(name: "inner-parent", code: .unsafePath),
        HostileCase(name: "dot-segment", code: .unsafePath),
        HostileCase(name: "leading-dot", code: .unsafePath),
        HostileCase(name: "empty-segment", code: .unsafePath),
        HostileCase(name: "backslash", code: .unsafePath),
        HostileCase(name: "newline", code: .unsafePath),
        HostileCase(name: "escape-sequence", code: .unsafePath),
        HostileCase(name: "non-utf8-gnu", code: .unsafePath),
        HostileCase(name: "non-utf8-pax", code: .unsafePath),
        HostileCase(name: "pax-path-override", code: .unsafePath),
        HostileCase(name: "long-path", code: .unsafePath),
        HostileCase(name: "symlink", code: .notRegularFile),
        HostileCase(name: "hardlink", code: .notRegularFile, delivered: 1),
        HostileCase(name: "hardlink-regular-mode", code: .notRegularFile),
        HostileCase(name: "directory", code: .notRegularFile),
        HostileCase(name: "fifo", code: .notRegularFile),
        HostileCase(name: "character-device", code: .notRegularFile),
        HostileCase(name: "block-device", code: .notRegularFile),
        HostileCase(name: "duplicate", code: .duplicateMember, delivered: 1),
        HostileCase(name: "canonical-duplicate", code: .duplicateMember, delivered: 1),
        HostileCase(name: "file-then-directory", code: .duplicateMember, delivered: 1),
        HostileCase(name: "directory-then-file", code: .duplicateMember, delivered: 1),
        HostileCase(name: "oversized-member", code: .tooLarge, limits: ArchiveLimits(maxMemberBytes: 1 << 20)),
        HostileCase(name: "many-members", code: .tooManyMembers, limits: ArchiveLimits(maxMembers: 5), delivered: 5),
        HostileCase(name: "oversized-pax-header", code: .corrupt),
        HostileCase(name: "special-header-chain", code: .corrupt),
    ]

    /// Writes hostile case `name` into `directory` and returns its path.
    static func makeHostileArchive(_ name: String, in directory: ScratchDirectory) throws -> String {
        let script = directory.file("make-hostile.py")
        try Data(hostileArchiveScript.utf8).write(to: URL(fileURLWithPath: script))
        defer { try? FileManager.default.removeItem(atPath: script) }
        let archive = directory.file("hostile.tar")
        let result = try runTool(["python3", script, archive, name], in: directory.path)
        try #require(result.status == 0, "python3 failed: \(result.errors)")
        return archive
    }

    @Test("each hostile archive is refused with the right code", arguments: cases)
    func refusesHostileArchive(hostile: HostileCase) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let archive = try Self.makeHostileArchive(hostile.name, in: directory)
        let before = try directory.contents()

        let (error, delivered) = expectRefusal(hostile.code, reading: archive, limits: hostile.limits)
        #expect(delivered == hostile.delivered)
        if hostile.code != .corrupt {
            #expect(error?.member != nil, "the error names the member")
        }
        #expect(try directory.contents() == before, "reading writes nothing")
    }

    @Test("error descriptions escape control characters in member names")
    func escapedDescription() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let archive = try Self.makeHostileArchive("escape-sequence", in: directory)
        let (error, _) = expectRefusal(.unsafePath, reading: archive)
        let description = try #require(error).description
        #expect(description.hasPrefix("unsafe_path: member \"a\\u{1B}[2Jb\": "), "\(description)")
        #expect(!description.unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test("a gzip bomb is refused quickly without inflating it")
    func gzipBomb() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let archive = try Self.makeHostileArchive("gzip-bomb", in: directory)
        let compressedSize = try #require(FileManager.default.attributesOfItem(atPath: archive)[.size] as? Int)
        #expect(compressedSize < 8 << 20, "2 GiB of content in a few MB")

        let peakBefore = peakResidentBytes()
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            // Refused by the member limit...
            let (_, delivered) = expectRefusal(.tooLarge, reading: archive, limits: ArchiveLimits(maxMemberBytes: 1 << 20))
            #expect(delivered == 0)
            // ...and by the total limit when members may be huge.
            expectRefusal(.tooLarge, reading: archive, limits: ArchiveLimits(maxMemberBytes: 4 << 30, maxTotalBytes: 1 << 20))
        }
        #expect(elapsed < .seconds(5), "inflating 2 GiB would take far longer: \(elapsed)")
        #expect(peakResidentBytes() - peakBefore < 512 << 20, "the zeros were never held in memory")
    }

    @Test("an archive cut inside a member is corrupt", arguments: ArchiveCompression.allCases)
    func truncatedInsideMember(compression: ArchiveCompression) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let archive = directory.file("archive")
        try writeArchive(
            [
                ArchiveMember(path: "first", bytes: [UInt8](repeating: 1, count: 1000), modificationTime: 0),
                ArchiveMember(path: "second", bytes: pseudoRandomBytes(count: 100_000, seed: 9), modificationTime: 0),
            ],
            to: archive, compression: compression)
        let bytes = try fileBytes(archive)
        // Plain: 512-byte header + 1024 bytes of data, then the second header and half its data.
        let cut = compression == .none ? 1536 + 512 + 50_000 : bytes.count / 2
        try Data(bytes.prefix(cut)).write(to: URL(fileURLWithPath: archive))
        expectRefusal(.corrupt, reading: archive)
    }

    @Test("an archive cut at a member boundary is corrupt, not shorter")
    func truncatedAtBoundary() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let archive = directory.file("archive")
        try writeArchive(
            [
                ArchiveMember(path: "first", bytes: [UInt8](repeating: 1, count: 1000), modificationTime: 0),
                ArchiveMember(path: "second", bytes: [2], modificationTime: 0),
            ],
            to: archive, compression: .none)
        let bytes = try fileBytes(archive)
        try #require(bytes.count == 1536 + 1024 + 1024, "two members and the end-of-archive marker")
        try Data(bytes.prefix(1536)).write(to: URL(fileURLWithPath: archive))
        let (_, delivered) = expectRefusal(.corrupt, reading: archive)
        #expect(delivered == 1)
    }

    @Test("garbage is corrupt")
    func garbage() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let random = directory.file("random")
        try Data(pseudoRandomBytes(count: 4096, seed: 11)).write(to: URL(fileURLWithPath: random))
        expectRefusal(.corrupt, reading: random)

        let fakeGzip = directory.file("fake.gz")
        try Data([0x1F, 0x8B, 0x08, 0] + pseudoRandomBytes(count: 4096, seed: 12)).write(to: URL(fileURLWithPath: fakeGzip))
        expectRefusal(.corrupt, reading: fakeGzip)

        let text = directory.file("text")
        try Data(String(repeating: "not an archive\n", count: 100).utf8).write(to: URL(fileURLWithPath: text))
        expectRefusal(.corrupt, reading: text)
    }

    @Test("an empty file is corrupt")
    func emptyFile() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let empty = directory.file("empty")
        try Data().write(to: URL(fileURLWithPath: empty))
        expectRefusal(.corrupt, reading: empty)
    }

    @Test("missing files, directories and FIFOs cannot be opened")
    func notAFile() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        expectRefusal(.cannotOpen, reading: directory.file("missing"))
        expectRefusal(.cannotOpen, reading: directory.path)
        let fifo = directory.file("fifo")
        try #require(try runTool(["mkfifo", fifo], in: directory.path).status == 0)
        expectRefusal(.cannotOpen, reading: fifo)  // and does not block waiting for a writer
    }
}

/// The process's peak resident set size so far.
private func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return usage.ru_maxrss * 1024  // kilobytes on Linux
}
