import Foundation
import Testing
import VaultArchive

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct ScratchDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("vaultarchive-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The outcome of running a command line tool.
struct ToolResult {
    var status: Int32
    var output: String
    var errors: String
}

/// Runs `arguments[0]` (looked up on PATH) and waits for it to exit.
@discardableResult
func runTool(_ arguments: [String], in directory: String) throws -> ToolResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let outputPath = directory + "/.stdout-\(UUID().uuidString)"
    let errorPath = directory + "/.stderr-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: outputPath)
        try? FileManager.default.removeItem(atPath: errorPath)
    }
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
    try process.run()
    process.waitUntilExit()
    return ToolResult(
        status: process.terminationStatus,
        output: try String(contentsOfFile: outputPath, encoding: .utf8),
        errors: try String(contentsOfFile: errorPath, encoding: .utf8))
}

/// Whether `name` is an executable on PATH.
func toolExists(_ name: String) -> Bool {
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        .split(separator: ":")
        .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
}

/// Whether the installed GNU tar understands `--zstd` and the zstd program is there.
let tarSupportsZstd: Bool = {
    guard toolExists("tar"), toolExists("zstd"), let directory = try? ScratchDirectory() else {
        return false
    }
    defer { directory.remove() }
    return (try? runTool(["tar", "--help"], in: directory.path))?.output.contains("--zstd") ?? false
}()

/// Deterministic pseudo-random bytes (xorshift64*), so inputs are reproducible.
func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed | 1
    var bytes = [UInt8]()
    bytes.reserveCapacity(count)
    while bytes.count < count {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        var word = state &* 0x2545_F491_4F6C_DD1D
        for _ in 0..<min(8, count - bytes.count) {
            bytes.append(UInt8(truncatingIfNeeded: word))
            word >>= 8
        }
    }
    return bytes
}

/// Writes `members` (in order) with the library's writer.
func writeArchive(
    _ members: [ArchiveMember], to path: String, compression: ArchiveCompression
) throws {
    let writer = try ArchiveWriter(path: path, compression: compression)
    for member in members {
        try writer.add(path: member.path, bytes: member.bytes, modificationTime: member.modificationTime)
    }
    try writer.finish()
}

/// Reads every member with the library's reader.
func readArchive(_ path: String, limits: ArchiveLimits = .init()) throws -> [ArchiveMember] {
    var members: [ArchiveMember] = []
    try ArchiveReader(path: path, limits: limits).forEachMember { members.append($0) }
    return members
}

/// Reads `path`, expecting an ``ArchiveError`` with `code`; returns the error and how many
/// members were delivered before it.
@discardableResult
func expectRefusal(
    _ code: ArchiveError.Code, reading path: String, limits: ArchiveLimits = .init(),
    sourceLocation: SourceLocation = #_sourceLocation
) -> (error: ArchiveError?, delivered: Int) {
    var delivered = 0
    let error = #expect(throws: ArchiveError.self, sourceLocation: sourceLocation) {
        try ArchiveReader(path: path, limits: limits).forEachMember { _ in delivered += 1 }
    }
    #expect(error?.code == code, "\(error.map(String.init(describing:)) ?? "no error")", sourceLocation: sourceLocation)
    return (error, delivered)
}

func fileBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}
