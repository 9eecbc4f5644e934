import Foundation
import VaultFormat

/// A scenario with the exact text it was read from, so that a sandbox log can tell whether it was
/// built from the same scenario (same text, byte for byte) before continuing it.
public struct ScenarioSource: Sendable {
    public let scenario: Scenario
    public let text: String

    /// The prefix every sandbox origin has, so that no sandbox checkpoint can pass for a
    /// production log's.
    public static let originPrefix = "sandbox."

    /// Parses `text` strictly (see `Scenario`). Refuses an origin without the `sandbox.` prefix and
    /// a built-in scenario's name on any other text (a modified copy must be renamed, so that no
    /// one mistakes its log for the published one).
    public init(text: String) throws(ScenarioError) {
        let scenario = try Scenario(json: Array(text.utf8))
        guard scenario.origin.hasPrefix(ScenarioSource.originPrefix) else {
            throw ScenarioError(field: "origin", reason: "a sandbox log's origin starts with '\(ScenarioSource.originPrefix)' "
                + "(such as sandbox.regvault.example/\(scenario.name)), so that it can never pass for a production log")
        }
        if let builtIn = Scenario.builtInText(named: scenario.name), builtIn != text {
            throw ScenarioError(field: "name", reason: "'\(scenario.name)' is a built-in scenario; give a modified copy a name "
                + "of its own")
        }
        self.scenario = scenario
        self.text = text
    }

    /// A built-in scenario by name (`demo`, `mid-size-operator`, …), or else a scenario file.
    public init(nameOrPath: String) throws {
        if let text = Scenario.builtInText(named: nameOrPath) {
            try self.init(text: text)
            return
        }
        guard nameOrPath.contains("/") || nameOrPath.hasSuffix(".json") else {
            throw ScenarioError(field: nil, reason: "no built-in scenario '\(nameOrPath)'; built-in scenarios are "
                + Scenario.builtInNames.joined(separator: ", ") + ", or give the path of a scenario file")
        }
        guard let data = FileManager.default.contents(atPath: nameOrPath), let text = String(data: data, encoding: .utf8) else {
            throw ScenarioError(field: nil, reason: "cannot read the scenario file \(nameOrPath)")
        }
        try self.init(text: text)
    }

    /// SHA-256 of the text, in hex: what a sandbox log records to recognise its scenario.
    public var fingerprint: String {
        Hash.sha256(Array(text.utf8)).hex
    }
}
