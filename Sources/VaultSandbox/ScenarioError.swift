/// Why a scenario was refused: the field at fault (a dotted path such as `replay.tickSeconds`, or
/// nil when the text is not a JSON object at all) and a reason a person can act on.
public struct ScenarioError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String?
    public let reason: String

    public init(field: String?, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String {
        if let field { return "scenario field \(field): \(reason)" }
        return "scenario: \(reason)"
    }
}
