import Foundation
import Testing

/// What a kept-alive connection costs the server after a large answer: it must not keep a buffer
/// the size of that answer for as long as it stays open (the soak's memory steps came from that).
@Suite("memory held by kept-alive connections", .serialized)
struct ConnectionMemoryTests {
    typealias Server = ServerTests.Server

    static let objectBytes = 12 << 20

    @Test("a kept-alive connection sent a 12 MiB object holds far less than 12 MiB of the server's heap afterwards")
    func largeAnswerIsNotKeptPerConnection() throws {
        let server = try Server.dev(RegVaultBinary.temporaryDirectory("connection-memory"))
        let file = server.data + "-object.bin"
        try Data(repeating: 0x5A, count: Self.objectBytes).write(to: URL(fileURLWithPath: file))
        let put = try server.curl("/v1/objects/big.bin", as: "ingest",
                                  extra: ["-X", "PUT", "-H", "Content-Type: application/octet-stream", "--data-binary", "@" + file])
        #expect(put.status == 200, "\(put.body)")
        let before = try heapInUse(server)

        // One connection, kept open after its answer, as an inspector's client keeps it.
        let client = try KeptAliveClient(server, role: "compliance_officer")
        defer { client.close() }
        let received = try client.get("/v1/objects/big.bin", atLeast: Self.objectBytes)
        #expect(received >= Self.objectBytes)
        let after = try heapInUse(server)

        // Written at once, the answer left a ciphertext buffer of at least its own size (16 MiB
        // after doubling) on the connection; written in pieces, about one piece.
        #expect(after - before < 4 << 20, "heap in use \(before >> 20) MiB before, \(after >> 20) MiB after")
    }

    /// The server's heap in use from `/metrics`: the lowest of three readings, so an allocation
    /// of the metrics answer itself does not count.
    func heapInUse(_ server: Server) throws -> Int {
        var lowest = Int.max
        for _ in 0..<3 {
            let metrics = try server.curl("/metrics", as: "admin").body
            guard let line = metrics.split(separator: "\n").first(where: { $0.hasPrefix("regvault_heap_in_use_bytes ") }),
                  let value = Double(line.split(separator: " ").last ?? "") else {
                throw ServerTests.CLIFailure("no regvault_heap_in_use_bytes in /metrics")
            }
            lowest = min(lowest, Int(value))
            Thread.sleep(forTimeInterval: 0.2)
        }
        return lowest
    }
}

/// An HTTP/1.1 connection over mutual TLS that stays open between requests: `openssl s_client`
/// with its standard input kept open.
final class KeptAliveClient {
    private let process = Process()
    private let input = Pipe(), output = Pipe()

    init(_ server: ServerTests.Server, role: String) throws {
        let address = String(server.url.dropFirst("https://".count))
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "s_client", "-quiet", "-connect", address, "-CAfile", server.certs + "/ca.pem",
                             "-cert", "\(server.certs)/\(role).pem", "-key", "\(server.certs)/\(role).key"]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Sends a GET and reads until at least `atLeast` bytes (headers included) have arrived or
    /// 30 seconds have passed; returns how many arrived. The connection stays open.
    func get(_ path: String, atLeast: Int) throws -> Int {
        input.fileHandleForWriting.write(Data("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
        var received = 0
        let deadline = Date().addingTimeInterval(30)
        while received < atLeast, Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            received += chunk.count
        }
        return received
    }

    func close() {
        // With `-quiet`, s_client goes on waiting for the server after its input ends (until
        // the server's idle timeout); it is killed instead.
        try? input.fileHandleForWriting.close()
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
