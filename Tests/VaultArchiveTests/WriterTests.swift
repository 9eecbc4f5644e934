import Foundation
import Testing
import VaultArchive

@Suite("Writer contracts")
struct WriterTests {
    @Test("unsafe paths are refused and the writer stays usable")
    func refusesUnsafePaths() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.file("archive")
        let writer = try ArchiveWriter(path: path, compression: .none)
        let unsafe = ["", "/abs", "../up", "a/../b", "a/./b", "./a", "a//b", "a/", "a\\b", "a\nb", "a\u{0}b", "a\u{85}b"]
        for name in unsafe {
            let error = #expect(throws: ArchiveError.self) {
                try writer.add(path: name, bytes: [1], modificationTime: 0)
            }
            #expect(error?.code == .unsafePath, "\(name.debugDescription)")
        }
        try writer.add(path: "ok", bytes: [1], modificationTime: 0)
        try writer.finish()
        #expect(try readArchive(path).map(\.path) == ["ok"])
    }

    @Test("repeated and clashing paths are refused")
    func refusesDuplicates() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let writer = try ArchiveWriter(path: directory.file("archive"), compression: .none)
        try writer.add(path: "a/b", bytes: [], modificationTime: 0)
        try writer.add(path: "caf\u{E9}", bytes: [], modificationTime: 0)
        for name in ["a/b", "a", "a/b/c", "cafe\u{301}"] {
            #expect(throws: ArchiveError(code: .duplicateMember, reason: "")) {
                try writer.add(path: name, bytes: [], modificationTime: 0)
            }
        }
        try writer.add(path: "a/c", bytes: [], modificationTime: 0)
        try writer.finish()
    }

    @Test("the writer holds members to its limits")
    func enforcesLimits() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let limits = ArchiveLimits(maxMembers: 2, maxMemberBytes: 10, maxTotalBytes: 15, maxPathBytes: 8)
        let writer = try ArchiveWriter(path: directory.file("archive"), compression: .gzip, limits: limits)
        #expect(throws: ArchiveError(code: .unsafePath, reason: "")) {
            try writer.add(path: "123456789", bytes: [], modificationTime: 0)
        }
        #expect(throws: ArchiveError(code: .tooLarge, reason: "")) {
            try writer.add(path: "big", bytes: [UInt8](repeating: 0, count: 11), modificationTime: 0)
        }
        try writer.add(path: "ten", bytes: [UInt8](repeating: 0, count: 10), modificationTime: 0)
        #expect(throws: ArchiveError(code: .tooLarge, reason: "")) {
            try writer.add(path: "six", bytes: [UInt8](repeating: 0, count: 6), modificationTime: 0)
        }
        try writer.add(path: "five", bytes: [UInt8](repeating: 0, count: 5), modificationTime: 0)
        #expect(throws: ArchiveError(code: .tooManyMembers, reason: "")) {
            try writer.add(path: "third", bytes: [], modificationTime: 0)
        }
        try writer.finish()
        #expect(try readArchive(directory.file("archive"), limits: limits).map(\.path) == ["ten", "five"])
    }

    @Test("chunks that disagree with the declared size break the writer", arguments: [[[1, 2], [3]], [[1]]] as [[[UInt8]]])
    func chunkMismatch(chunks: [[UInt8]]) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.file("archive")
        let writer = try ArchiveWriter(path: path, compression: .gzip)
        try writer.add(path: "fine", bytes: [0], modificationTime: 0)
        #expect(throws: ArchiveError(code: .writeFailed, reason: "")) {
            try writer.add(path: "liar", size: 2, modificationTime: 0, chunks: chunks)
        }
        #expect(throws: ArchiveError(code: .writeFailed, reason: "")) {
            try writer.add(path: "later", bytes: [], modificationTime: 0)
        }
        #expect(throws: ArchiveError(code: .writeFailed, reason: "")) {
            try writer.finish()
        }
        #expect(try directory.contents().isEmpty, "nothing is published and the temporary file is gone")
    }

    @Test("an unfinished writer leaves no files behind")
    func abandonedWriter() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        func startAndDrop() throws {
            let writer = try ArchiveWriter(path: directory.file("archive"), compression: .zstd)
            try writer.add(path: "x", bytes: [1, 2, 3], modificationTime: 0)
            #expect(try directory.contents().count == 1, "work happens in a temporary file")
        }
        try startAndDrop()
        #expect(try directory.contents().isEmpty)
    }

    @Test("finish publishes once, replacing an existing file; later calls fail")
    func finishOnce() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.file("archive")
        try Data("previous content".utf8).write(to: URL(fileURLWithPath: path))
        let writer = try ArchiveWriter(path: path, compression: .none)
        try writer.add(path: "x", bytes: [1], modificationTime: 0)
        #expect(try fileBytes(path) == Array("previous content".utf8), "the old file stays until finish")
        try writer.finish()
        #expect(throws: ArchiveError(code: .writeFailed, reason: "")) { try writer.finish() }
        #expect(throws: ArchiveError(code: .writeFailed, reason: "")) {
            try writer.add(path: "y", bytes: [], modificationTime: 0)
        }
        #expect(try readArchive(path).map(\.path) == ["x"])
        #expect(try directory.contents() == ["archive"])
    }

    @Test("a writer cannot start in a missing directory")
    func missingDirectory() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        #expect(throws: ArchiveError(code: .cannotOpen, reason: "")) {
            _ = try ArchiveWriter(path: directory.file("missing/archive"), compression: .none)
        }
    }
}
