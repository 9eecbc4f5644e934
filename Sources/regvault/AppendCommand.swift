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
        do {
            try await store(input, writer: writer) { results in
                for result in results {
                    if result.duplicate { duplicates += 1 } else { stored += 1 }
                }
                progress.show("stored \(stored + duplicates) of \(report.records) records")
            }
        } catch let rejection as RecordRejection {
            Output.note("refused: \(rejection)")
            Output.note("the records acknowledged above (\(stored + duplicates)) are stored; nothing from the refused "
                + "record's batch onwards is")
            throw ExitCode(65)
        }
        let seconds = max(Date().timeIntervalSince(started), 0.001)
        Output.note("appended \(stored) records (\(duplicates) already stored) in \(String(format: "%.1f", seconds)) s; "
            + "tree size \(await writer.treeSize)")
    }

    /// Stores the input in batches, printing each batch's acknowledgements once it is durable.
    private func store(_ input: InputFile, writer: LogWriter, counted: ([AppendResult]) -> Void) async throws {
        try await IngestPipeline(writer: writer, batchSize: batchSize).run(lines: try input.lines()) { results in
            var out = ""
            for result in results {
                out += result.duplicate
                    ? #"{"duplicate":true,"eventId":"\#(result.eventId)","seq":\#(result.seq)}"# + "\n"
                    : #"{"eventId":"\#(result.eventId)","seq":\#(result.seq)}"# + "\n"
            }
            Output.raw(out)
            counted(results)
        }
    }
}

/// The input of an append: a file, or standard input spooled to a private file in the data
/// directory so it can be read twice (check, then store).
struct InputFile {
    let path: String
    let spooled: Bool

    init(path: String, spoolDirectory: String) throws {
        if path != "-" {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  FileManager.default.isReadableFile(atPath: path) else {
                throw CLIError("cannot read \(path): not a readable file")
            }
            self.path = path
            self.spooled = false
            return
        }
        // The caller holds the writer lock, so any earlier spool belongs to an append that died:
        // remove it, it holds records that were never stored.
        let prefix = ".append-input-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: spoolDirectory)) ?? [] where name.hasPrefix(prefix) {
            try? FileManager.default.removeItem(atPath: spoolDirectory + "/" + name)
        }
        let spool = spoolDirectory + "/" + prefix + "\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: spool, contents: nil, attributes: [.posixPermissions: 0o600]),
              let out = FileHandle(forWritingAtPath: spool) else {
            throw CLIError("cannot create \(spool) to hold standard input")
        }
        defer { try? out.close() }
        do {
            while let chunk = try FileHandle.standardInput.read(upToCount: 1 << 20), !chunk.isEmpty {
                try out.write(contentsOf: chunk)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: spool)
            throw CLIError("cannot hold standard input in \(spool): \(error.localizedDescription)")
        }
        self.path = spool
        self.spooled = true
    }

    var size: Int64 {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
    }

    func lines() throws -> LineReader {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot read \(path)") }
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
