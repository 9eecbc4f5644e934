import Foundation
import VaultStore

/// Where a test's vault is kept.
enum StorageBackend: String, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgres

    var description: String { rawValue }
}

/// Fresh databases holding the vault's schema in the private test cluster that `tools/postgres.sh`
/// runs in `<repository>/.build/test-postgres` (started on first use, left running for the other
/// tests; `tools/test.sh` stops it).
enum PostgresTestDatabase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let cluster = repository.appendingPathComponent(".build/test-postgres").path
    static let script = repository.appendingPathComponent("tools/postgres.sh").path

    private static let started = Result { try run([script, "start", cluster]) }

    /// A new, empty vault database (with `schema`, by default the vault's); returns the URL the
    /// vault connects with (the application role).
    static func make(schema: String = PostgresSchema.sql(applicationRole: "regvault")) throws -> String {
        _ = try started.get()
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
        return try run([script, "database", cluster, String(name)], input: schema)
    }

    /// Runs SQL in the database at `url` as the application role, with psql; returns its output.
    @discardableResult
    static func psql(_ url: String, _ sql: String) throws -> String {
        try run(["/usr/bin/env", "psql", url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
    }

    /// Runs SQL in the database at `url` as the tables' owner (the cluster's superuser, `SET ROLE
    /// regvault_owner`, over the cluster's private socket; as the postgres user when root), in one
    /// transaction; returns psql's output.
    @discardableResult
    static func asOwner(_ url: String, _ sql: String) throws -> String {
        let database = String(URL(string: url)?.path.dropFirst() ?? "")
        let port = try String(contentsOfFile: cluster + "/port", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let psql = ["/usr/bin/env", "psql", "-h", cluster, "-p", port, "-U", "postgres", "-d", database, "-X", "-q", "-A", "-t",
                    "-v", "ON_ERROR_STOP=1", "--single-transaction", "-c", "SET ROLE regvault_owner", "-f", "-"]
        return try run(getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + psql : psql, input: sql)
    }

    /// Runs `arguments`, feeding it `input`; returns its standard output, trimmed.
    ///
    /// Its input and output go through files, not pipes: a server it starts (or any process that
    /// inherits a descriptor while the tests spawn processes in parallel) cannot hold a pipe open and
    /// leave the read waiting forever; only the process's own exit is awaited.
    /// - Throws: when it exits with a failure, with its standard error.
    @discardableResult
    static func run(_ arguments: [String], input: String = "") throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("regvault-run-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inputFile = scratch.appendingPathComponent("in"), outputFile = scratch.appendingPathComponent("out"),
            errorFile = scratch.appendingPathComponent("err")
        try Data(input.utf8).write(to: inputFile)
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let handles = [try FileHandle(forReadingFrom: inputFile), try FileHandle(forWritingTo: outputFile),
                       try FileHandle(forWritingTo: errorFile)]
        defer { handles.forEach { try? $0.close() } }
        process.standardInput = handles[0]
        process.standardOutput = handles[1]
        process.standardError = handles[2]
        try process.run()
        process.waitUntilExit()
        let output = try Data(contentsOf: outputFile), errors = try Data(contentsOf: errorFile)
        guard process.terminationStatus == 0 else {
            throw StorageError(.unavailable, "\(arguments.joined(separator: " ")) failed: " + String(decoding: errors, as: UTF8.self))
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
