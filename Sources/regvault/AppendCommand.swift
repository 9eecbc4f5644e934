import ArgumentParser
import Foundation
import VaultCore

struct AppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append records (JSON lines) to the log.",
        discussion: """
        Reads one record per line from FILE, or from standard input when FILE is '-'. First every record is \
        checked (schema, and event ids against the input and the vault); if any is refused, each problem is \
        printed with its line and field, nothing is stored, and the exit status is 65. Then the records are \
        committed in batches; each batch is acknowledged only once it is durable and covered by a signed \
        checkpoint, with one JSON line per record: {"eventId":...,"seq":N} ("duplicate":true when the event \
        id was already stored with the same content). Re-running the same input is safe.
        """
    )

    @OptionGroup var options: DataOption

    @Argument(help: "A file of JSON lines, or '-' for standard input.")
    var file: String

    @Option(help: "Records per durable batch.")
    var batchSize: Int = IngestPipeline.defaultBatchSize

    func validate() throws {
        guard batchSize >= 1, batchSize <= 100_000 else { throw ValidationError("--batch-size must be 1 to 100000") }
    }

    func run() async throws {
        let vault = try Vault.open(at: options.data)
        let writer = try vault.makeWriter()
        let input = try InputFile(path: file, spoolDirectory: options.data)
        defer { input.remove() }

        let progress = Progress(total: input.size)
        let report = try IngestPreflight().check(lines: try input.lines(), vault: vault) { checked in
            progress.show("checked \(checked) records")
        }
        guard report.rejections.isEmpty else {
            for rejection in report.rejections { Output.note("refused: \(rejection)") }
            if report.truncated { Output.note("(more refusals not shown)") }
            Output.note("nothing was stored: fix the records above and run again")
            throw ExitCode(65)
        }

        var stored = 0, duplicates = 0
        let started = Date()
        try await IngestPipeline(writer: writer, batchSize: batchSize).run(lines: try input.lines()) { results in
            var out = ""
            for result in results {
                out += result.duplicate
                    ? #"{"duplicate":true,"eventId":"\#(result.eventId)","seq":\#(result.seq)}"# + "\n"
                    : #"{"eventId":"\#(result.eventId)","seq":\#(result.seq)}"# + "\n"
                if result.duplicate { duplicates += 1 } else { stored += 1 }
            }
            FileHandle.standardOutput.write(Data(out.utf8))
            progress.show("stored \(stored + duplicates) of \(report.records) records")
        }
        let seconds = max(Date().timeIntervalSince(started), 0.001)
        Output.note("appended \(stored) records (\(duplicates) already stored) in \(String(format: "%.1f", seconds)) s; "
            + "tree size \(await writer.treeSize)")
    }
}

/// The input of an append: a file, or standard input spooled to a private file in the data
/// directory so it can be read twice (check, then store).
struct InputFile {
    let path: String
    let spooled: Bool

    init(path: String, spoolDirectory: String) throws {
        if path != "-" {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ValidationError("cannot read \(path)")
            }
            self.path = path
            self.spooled = false
            return
        }
        let spool = spoolDirectory + "/.append-input-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: spool, contents: nil, attributes: [.posixPermissions: 0o600]),
              let out = FileHandle(forWritingAtPath: spool) else {
            throw ValidationError("cannot create \(spool) to hold standard input")
        }
        defer { try? out.close() }
        while case let chunk = FileHandle.standardInput.readData(ofLength: 1 << 20), !chunk.isEmpty {
            out.write(chunk)
        }
        self.path = spool
        self.spooled = true
    }

    var size: Int64 {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
    }

    func lines() throws -> LineReader {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot read \(path)") }
        return LineReader(handle: handle)
    }

    func remove() {
        if spooled { try? FileManager.default.removeItem(atPath: path) }
    }
}

/// Progress lines on standard error, at most one a second, only for inputs over 1 MiB.
final class Progress {
    private let enabled: Bool
    private var last = Date()

    init(total: Int64) {
        enabled = total > 1 << 20
    }

    func show(_ text: String) {
        guard enabled, Date().timeIntervalSince(last) >= 1 else { return }
        last = Date()
        Output.note(text)
    }
}
