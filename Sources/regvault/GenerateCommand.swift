import ArgumentParser
import Foundation
import VaultSandbox

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Print deterministic synthetic operator records as JSON lines (fake by construction).",
        discussion: "The same --seed and --count always print the same bytes. Pipe into 'regvault append --data DIR -'."
    )

    @Option(help: "How many records.") var count: Int = 1000
    @Option(help: "The generator's seed.") var seed: UInt64 = 1

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must not be negative") }
    }

    func run() throws {
        var buffer = ""
        for line in SyntheticRecords(seed: seed, count: count) {
            buffer += line
            buffer += "\n"
            if buffer.utf8.count > 1 << 20 {
                FileHandle.standardOutput.write(Data(buffer.utf8))
                buffer = ""
            }
        }
        FileHandle.standardOutput.write(Data(buffer.utf8))
    }
}
