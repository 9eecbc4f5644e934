import ArgumentParser
import Foundation
import VaultSandbox

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Print deterministic synthetic operator records as JSON lines (fake by construction).",
        discussion: """
        The same --seed and --count always print the same bytes. Pipe into 'regvault append --data DIR -'. \
        With --scenario, prints a sandbox scenario's records instead (event ids sbx-…, which only the sandbox \
        log takes): all of them, or the first --count.
        """
    )

    @Option(help: "How many records (with --scenario: at most this many; default all).") var count: Int?
    @Option(help: "The generator's seed (with --scenario: replaces the scenario's).") var seed: UInt64?
    @Option(help: "A sandbox scenario: built-in name (demo, mid-size-operator) or file.") var scenario: String?

    func validate() throws {
        guard (count ?? 0) >= 0 else { throw ValidationError("--count must not be negative") }
    }

    func run() throws {
        if let scenario {
            var source = try ScenarioSource(nameOrPath: scenario).scenario
            if let seed { source = source.withSeed(seed) }
            write(ScenarioGenerator(scenario: source).lazy.prefix(count ?? Int.max).map(\.line))
        } else {
            write(SyntheticRecords(seed: seed ?? 1, count: count ?? 1000))
        }
    }

    private func write(_ lines: some Sequence<String>) {
        var buffer = ""
        for line in lines {
            buffer += line
            buffer += "\n"
            if buffer.utf8.count > 1 << 20 {
                Output.raw(buffer)
                buffer = ""
            }
        }
        Output.raw(buffer)
    }
}
