import Foundation
import Testing
import VaultArchive

@Suite("Reader limits")
struct LimitTests {
    @Test("a member at the size limit is read; one byte more is refused before reading")
    func memberSizeLimit() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let limits = ArchiveLimits(maxMemberBytes: 1 << 20)
        let atLimit = ArchiveMember(path: "at-limit", bytes: pseudoRandomBytes(count: 1 << 20, seed: 5), modificationTime: 0)
        try writeArchive([atLimit], to: directory.file("ok"), compression: .zstd)
        #expect(try readArchive(directory.file("ok"), limits: limits) == [atLimit])

        let overLimit = ArchiveMember(path: "over", bytes: [UInt8](repeating: 0, count: (1 << 20) + 1), modificationTime: 0)
        try writeArchive([atLimit, overLimit], to: directory.file("over"), compression: .zstd)
        let (error, delivered) = expectRefusal(.tooLarge, reading: directory.file("over"), limits: limits)
        #expect(error?.member == "over")
        #expect(delivered == 1)
    }

    @Test("the total limit counts every member")
    func totalLimit() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.file("archive")
        let members = (0..<3).map {
            ArchiveMember(path: "m\($0)", bytes: pseudoRandomBytes(count: 100_000, seed: UInt64($0)), modificationTime: 0)
        }
        try writeArchive(members, to: path, compression: .gzip)
        #expect(try readArchive(path, limits: ArchiveLimits(maxTotalBytes: 300_000)) == members)
        let (error, delivered) = expectRefusal(.tooLarge, reading: path, limits: ArchiveLimits(maxTotalBytes: 299_999))
        #expect(error?.member == "m2")
        #expect(delivered == 2)
    }

    @Test("the member count limit is exact")
    func memberCountLimit() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.file("archive")
        let members = (0..<5).map { ArchiveMember(path: "m\($0)", bytes: [UInt8($0)], modificationTime: 0) }
        try writeArchive(members, to: path, compression: .none)
        #expect(try readArchive(path, limits: ArchiveLimits(maxMembers: 5)) == members)
        let (_, delivered) = expectRefusal(.tooManyMembers, reading: path, limits: ArchiveLimits(maxMembers: 4))
        #expect(delivered == 4)
    }

    @Test("implied directories are capped like members, bounding the memory for deep paths")
    func directoryCap() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let fiveDirectories = directory.file("five")
        try writeArchive([ArchiveMember(path: "a/b/c/d/e/f", bytes: [1], modificationTime: 0)], to: fiveDirectories, compression: .none)
        #expect(try readArchive(fiveDirectories, limits: ArchiveLimits(maxMembers: 5)).map(\.path) == ["a/b/c/d/e/f"])

        let sixDirectories = directory.file("six")
        try writeArchive(
            [
                ArchiveMember(path: "a/b/c/d/e/f", bytes: [1], modificationTime: 0),
                ArchiveMember(path: "a/b/c/d/e/g/h", bytes: [2], modificationTime: 0),
            ],
            to: sixDirectories, compression: .none)
        let (error, delivered) = expectRefusal(.tooManyMembers, reading: sixDirectories, limits: ArchiveLimits(maxMembers: 5))
        #expect(error?.member == "a/b/c/d/e/g/h")
        #expect(delivered == 1)
    }

    @Test("the path length limit is exact and counts UTF-8 bytes")
    func pathLengthLimit() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.file("archive")
        // 127 two-byte characters, then "/x": 256 bytes in 129 characters.
        let name = String(repeating: "é", count: 127) + "/x"
        try #require(name.utf8.count == 256)
        try writeArchive([ArchiveMember(path: name, bytes: [1], modificationTime: 0)], to: path, compression: .none)
        #expect(try readArchive(path).map(\.path) == [name])
        expectRefusal(.unsafePath, reading: path, limits: ArchiveLimits(maxPathBytes: 255))

        let writer = try ArchiveWriter(path: directory.file("other"), compression: .none)
        #expect(throws: ArchiveError(code: .unsafePath, reason: "")) {
            try writer.add(path: name + "x", bytes: [], modificationTime: 0)
        }
    }

    @Test("members are delivered one at a time and an error from the body stops reading")
    func streamingAndBodyErrors() throws {
        struct Stop: Error, Equatable {}
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.file("archive")
        try writeArchive(sampleMembers, to: path, compression: .gzip)
        var seen: [String] = []
        #expect(throws: Stop()) {
            try ArchiveReader(path: path).forEachMember { member in
                seen.append(member.path)
                if seen.count == 2 { throw Stop() }
            }
        }
        #expect(seen == sampleMembers.prefix(2).map(\.path))
    }
}
