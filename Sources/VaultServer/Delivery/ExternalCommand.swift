import Foundation
import NIOConcurrencyHelpers
import NIOPosix

/// Runs a well-known program (curl for SMTP, OpenSSH's sftp) the way a channel needs it: its
/// arguments carry no secret (those go in through standard input or owner-only files), its output
/// is captured up to `outputCap`, and it is stopped at its deadline.
///
/// The whole run happens on `ExternalCommand.pool`, never on an event loop, the cooperative pool
/// or NIO's shared blocking pool (a relay that answers slowly holds its thread for up to its
/// deadline; it must not hold the threads the server's own file reads need).
enum ExternalCommand {
    /// Threads for programs and other long blocking work of deliveries and rules (exports for
    /// callbacks, rule evaluation): as many as the worker keeps deliveries in flight.
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: DeliveryWorker.parallelSends)
        pool.start()
        return pool
    }()

    struct Result: Sendable {
        var status: Int32
        var standardOutput: String
        var standardError: String
        /// The deadline passed and the program was stopped.
        var timedOut: Bool
    }

    static let outputCap = 64 * 1024

    /// The first `name` on `PATH` (then /usr/bin, /bin), or nil.
    static func locate(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin"] {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `executable` with `home` as its HOME: a private folder, so no configuration file
    /// another user could plant (`~/.curlrc`, `~/.ssh/config`) is ever read.
    static func run(_ executable: String, _ arguments: [String], input: [UInt8] = [], home: String, timeout: Duration) async throws
        -> Result {
        try await pool.runIfActive {
            try runBlocking(executable, arguments, input: input, home: home, timeout: timeout)
        }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String], input: [UInt8], home: String, timeout: Duration) throws
        -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // A fixed, minimal environment: no proxy, locale or configuration of the server's own leaks in.
        process.environment = ["PATH": "/usr/bin:/bin", "LC_ALL": "C", "HOME": home, "CURL_HOME": home]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        (process.standardInput, process.standardOutput, process.standardError) = (stdin, stdout, stderr)
        try process.run()
        let stopped = NIOLockedValueBox(false)
        let deadline = DispatchWorkItem {
            if process.isRunning { stopped.withLockedValue { $0 = true }; process.terminate() }
        }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: deadline)
        let writer = DispatchGroup()
        DispatchQueue.global().async(group: writer) {
            if !input.isEmpty { try? stdin.fileHandleForWriting.write(contentsOf: input) }
            try? stdin.fileHandleForWriting.close()
        }
        let errorText = NIOLockedValueBox<[UInt8]>([])
        let readerGroup = DispatchGroup()
        DispatchQueue.global().async(group: readerGroup) { let bytes = readCapped(stderr.fileHandleForReading); errorText.withLockedValue { $0 = bytes } }
        let output = readCapped(stdout.fileHandleForReading)
        readerGroup.wait()
        writer.wait()
        process.waitUntilExit()
        deadline.cancel()
        return Result(status: process.terminationStatus, standardOutput: String(decoding: output, as: UTF8.self),
                      standardError: String(decoding: errorText.withLockedValue { $0 }, as: UTF8.self),
                      timedOut: stopped.withLockedValue { $0 })
    }

    /// Reads to the end, keeping the first `outputCap` bytes (the rest is drained so the program never blocks).
    private static func readCapped(_ handle: FileHandle) -> [UInt8] {
        var kept: [UInt8] = []
        while let chunk = try? handle.read(upToCount: 16 * 1024), !chunk.isEmpty {
            if kept.count < outputCap { kept.append(contentsOf: chunk.prefix(outputCap - kept.count)) }
        }
        return kept
    }
}
