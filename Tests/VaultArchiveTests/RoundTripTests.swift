import Foundation
import Testing
import VaultArchive

@Suite("Writing and reading back")
struct RoundTripTests {
    @Test("members come back identical and in order", arguments: ArchiveCompression.allCases)
    func roundTrip(compression: ArchiveCompression) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.file("archive.tar")
        try writeArchive(sampleMembers, to: path, compression: compression)

        let members = try readArchive(path)
        #expect(members.map(\.path) == sampleMembers.map(\.path))
        #expect(members == sampleMembers)
        #expect(members.map(\.size) == sampleMembers.map { Int64($0.bytes.count) })
        #expect(try directory.contents() == ["archive.tar"], "no temporary file is left behind")
    }

    @Test("a member streamed from chunks reads back whole", arguments: ArchiveCompression.allCases)
    func streamedMember(compression: ArchiveCompression) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.file("archive")
        let content = pseudoRandomBytes(count: 3_000_001, seed: 7)
        // Uneven chunk sizes, including an empty chunk.
        let boundaries = [0, 1, 65_536, 65_536, 1_000_000, 3_000_001]
        let chunks = zip(boundaries, boundaries.dropFirst()).map { Array(content[$0..<$1]) }

        let writer = try ArchiveWriter(path: path, compression: compression)
        try writer.add(path: "before", bytes: [1, 2, 3], modificationTime: 1)
        try writer.add(path: "streamed/data.bin", size: Int64(content.count), modificationTime: 2, chunks: chunks)
        try writer.add(path: "after", bytes: Data("tail".utf8), modificationTime: 3)
        try writer.finish()

        let members = try readArchive(path)
        #expect(members.map(\.path) == ["before", "streamed/data.bin", "after"])
        #expect(members.map(\.modificationTime) == [1, 2, 3])
        #expect(members.count == 3 && members[1].bytes == content)
        #expect(members.last?.bytes == Array("tail".utf8))
    }

    @Test("an archive with no members reads back empty", arguments: ArchiveCompression.allCases)
    func emptyArchive(compression: ArchiveCompression) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.file("archive")
        try writeArchive([], to: path, compression: compression)
        #expect(try readArchive(path).isEmpty)
    }

    @Test("the same members give byte-identical archives", arguments: ArchiveCompression.allCases)
    func deterministic(compression: ArchiveCompression) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        try writeArchive(sampleMembers, to: directory.file("first"), compression: compression)
        try writeArchive(sampleMembers, to: directory.file("second"), compression: compression)
        try writeArchive(sampleMembers.reversed(), to: directory.file("reversed"), compression: compression)

        let first = try fileBytes(directory.file("first"))
        #expect(first == (try fileBytes(directory.file("second"))))
        #expect(first != (try fileBytes(directory.file("reversed"))), "member order is part of the output")
    }

    @Test("output starts with the expected container", arguments: ArchiveCompression.allCases)
    func containerMagic(compression: ArchiveCompression) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.file("archive")
        try writeArchive(Array(sampleMembers.prefix(1)), to: path, compression: compression)
        let bytes = try fileBytes(path)
        switch compression {
        case .none:
            #expect(Array(bytes[257..<263]) == Array("ustar\0".utf8), "POSIX ustar/pax magic")
            #expect(bytes.count % 512 == 0)
        case .gzip:
            #expect(Array(bytes.prefix(3)) == [0x1F, 0x8B, 0x08])
            #expect(bytes[3] & 0x08 == 0, "no file name in the gzip header")
            #expect(Array(bytes[4..<8]) == [0, 0, 0, 0], "no timestamp in the gzip header")
        case .zstd:
            #expect(Array(bytes.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD])
        }
    }
}
