import Foundation

/// Runs the real `regvault` binary, as an operator would.
enum RegVaultBinary {
    /// `$REGVAULT_BIN`, or the `regvault` built next to this test bundle.
    static let url: URL = {
        if let path = ProcessInfo.processInfo.environment["REGVAULT_BIN"] { return URL(fileURLWithPath: path) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // The test bundle may be a directory (…/RegVaultPackageTests.xctest/…) on some platforms.
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("regvault").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("regvault")
    }()

    typealias Result = Tool.Result

    /// Runs `regvault ARGS` with `input` on standard input and waits for it.
    @discardableResult
    static func run(_ arguments: [String], input: String? = nil) throws -> Result {
        try Tool.run(executable: url, arguments, input: input)
    }

    static func temporaryDirectory(_ prefix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    }
}

/// Runs command-line tools and waits for them.
enum Tool {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs a tool found on the PATH.
    static func run(_ name: String, _ arguments: [String], input: String? = nil) throws -> Result {
        try run(executable: URL(fileURLWithPath: "/usr/bin/env"), [name] + arguments, input: input)
    }

    /// Runs `executable` with `input` on standard input (none when nil).
    static func run(executable: URL, _ arguments: [String], input: String?) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        try process.run()
        if let input {
            inPipe.fileHandleForWriting.write(Data(input.utf8))
            try inPipe.fileHandleForWriting.close()
        }
        // Read both pipes to the end before waiting, so a large output cannot block the child.
        // (A Dispatch thread, not a Task: these calls block, and must not starve Swift's
        // cooperative pool, which the tests themselves run on.)
        let errReader = BackgroundRead(err.fileHandleForReading)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: errReader.wait(), as: UTF8.self))
    }
}

/// Reads a file handle to its end on a Dispatch thread.
final class BackgroundRead: @unchecked Sendable {
    // `data` is written once on the reading thread before `done` is signalled, and read only after
    // waiting for it.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        DispatchQueue.global().async {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
