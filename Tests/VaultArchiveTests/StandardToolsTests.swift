import Foundation
import Testing
import VaultArchive

@Suite("Interoperability with standard tools")
struct StandardToolsTests {
    /// GNU tar flags for each compression.
    static func tarFlags(_ compression: ArchiveCompression) -> [String] {
        switch compression {
        case .none: []
        case .gzip: ["-z"]
        case .zstd: ["--zstd"]
        }
    }

    @Test("GNU tar lists and extracts what the writer produced", arguments: [ArchiveCompression.none, .gzip])
    func tarReadsOurArchives(compression: ArchiveCompression) throws {
        try checkTarReadsOurArchive(compression: compression)
    }

    @Test(
        "GNU tar --zstd lists and extracts what the writer produced",
        .enabled(if: tarSupportsZstd, "needs GNU tar with --zstd and the zstd program"))
    func tarReadsOurZstdArchives() throws {
        try checkTarReadsOurArchive(compression: .zstd)
    }

    private func checkTarReadsOurArchive(compression: ArchiveCompression) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let archive = directory.file("archive")
        try writeArchive(sampleMembers, to: archive, compression: compression)

        let listing = try runTool(
            ["tar"] + Self.tarFlags(compression) + ["--quoting-style=literal", "--utc", "-tvf", archive],
            in: directory.path)
        #expect(listing.status == 0, "\(listing.errors)")
        #expect(listing.errors.isEmpty, "tar should not warn: \(listing.errors)")
        let lines = listing.output.split(separator: "\n").map(String.init)
        #expect(lines.count == sampleMembers.count)
        for (line, member) in zip(lines, sampleMembers) {
            #expect(line.hasPrefix("-r--r--r-- 0/0 "), "\(line)")
            #expect(line.hasSuffix(" " + member.path), "\(line)")
            #expect(line.contains(" \(member.bytes.count) "), "\(line)")
        }
        #expect(lines.first?.contains("2023-11-14 22:13") == true, "mtime 1700000000 in UTC: \(lines.first ?? "")")

        let output = directory.file("extracted")
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: false)
        let extraction = try runTool(["tar"] + Self.tarFlags(compression) + ["-xf", archive, "-C", output], in: directory.path)
        #expect(extraction.status == 0, "\(extraction.errors)")
        for member in sampleMembers {
            #expect(try fileBytes(output + "/" + member.path) == member.bytes, "\(member.path)")
        }

        switch compression {
        case .none:
            break
        case .gzip:
            let check = try runTool(["gzip", "-t", archive], in: directory.path)
            #expect(check.status == 0, "gzip CRC and length trailer are valid: \(check.errors)")
        case .zstd:
            let check = try runTool(["zstd", "-t", "-q", archive], in: directory.path)
            #expect(check.status == 0, "\(check.errors)")
        }
    }

    struct TarCase: Sendable, CustomTestStringConvertible {
        var format: String
        var flags: [String]
        var testDescription: String { "--format=\(format) \(flags.joined(separator: " "))" }
    }

    static let tarCases: [TarCase] = {
        var cases = [
            TarCase(format: "posix", flags: []),
            TarCase(format: "ustar", flags: []),
            TarCase(format: "gnu", flags: ["-z"]),
            TarCase(format: "posix", flags: ["-J"]),
        ]
        if tarSupportsZstd {
            cases.append(TarCase(format: "posix", flags: ["--zstd"]))
        }
        return cases
    }()

    @Test("archives made by GNU tar read back", arguments: tarCases)
    func readsGnuTarArchives(tarCase: TarCase) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let source = directory.file("source")
        let files: [(String, [UInt8])] = [
            ("top.txt", Array("top\n".utf8)),
            ("sub/dir/data.bin", pseudoRandomBytes(count: 300_000, seed: 3)),
            ("sub/empty", []),
        ]
        for (name, bytes) in files {
            let url = URL(fileURLWithPath: source + "/" + name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        let archive = directory.file("made-by-tar")
        let creation = try runTool(
            ["tar", "--format=\(tarCase.format)"] + tarCase.flags + ["-cf", archive, "-C", source] + files.map(\.0),
            in: directory.path)
        try #require(creation.status == 0, "\(creation.errors)")

        let members = try readArchive(archive)
        #expect(members.map(\.path) == files.map(\.0))
        #expect(members.map(\.bytes) == files.map(\.1))
    }
}
