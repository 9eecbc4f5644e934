/// Why a submitted record was refused: where (input line, field path) and what to change. Nothing
/// from a refused record is stored.
public struct RecordRejection: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case malformedJSON = "malformed_json"
        case missingField = "missing_field"
        case unknownField = "unknown_field"
        case invalidField = "invalid_field"
        case tooLarge = "too_large"
        case unknownStream = "unknown_stream"
        /// The event id was already used for a record with different content.
        case conflict = "event_id_conflict"
        /// The event id belongs to a record whose content has been erased, so it cannot be compared.
        case erased = "event_id_erased"
        /// The event id has the sandbox prefix (`sbx-`): synthetic data never enters the production
        /// log, and the sandbox log takes nothing else.
        case wrongLog = "wrong_log"
    }

    public let code: Code
    /// The field path, such as `actor.ip`; nil when the problem is the record as a whole.
    public let field: String?
    public let reason: String
    /// The 1-based line of the input, when the record came from a multi-record input.
    public var line: Int?

    public init(_ code: Code, field: String?, _ reason: String, line: Int? = nil) {
        self.code = code
        self.field = field
        self.reason = reason
        self.line = line
    }

    /// Rejections compare by code and field, so tests can assert which check refused a record
    /// without matching prose.
    public static func == (lhs: RecordRejection, rhs: RecordRejection) -> Bool {
        lhs.code == rhs.code && lhs.field == rhs.field
    }

    public var description: String {
        var parts: [String] = []
        if let line { parts.append("line \(line)") }
        if let field { parts.append("field \(field)") }
        parts.append(reason)
        return parts.joined(separator: ": ")
    }
}
