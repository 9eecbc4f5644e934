import Crypto
import Foundation

/// A scenario with the exact text it was read from, so that a sandbox log can tell whether it was
/// built from the same scenario (same text, byte for byte) before continuing it.
public struct ScenarioSource: Sendable {
    public let scenario: Scenario
    public let text: String

    /// Parses `text` strictly (see `Scenario`).
    public init(text: String) throws(ScenarioError) {
        scenario = try Scenario(json: Array(text.utf8))
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
        SHA256.hash(data: Array(text.utf8)).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
