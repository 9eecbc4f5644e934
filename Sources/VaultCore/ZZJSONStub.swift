public indirect enum JSONValue: Sendable, Equatable {
    case null, bool(Bool), number(JSONNumber), string(String), array([JSONValue]), object([String: JSONValue])
    public subscript(key: String) -> JSONValue? { if case .object(let o) = self { return o[key] }; return nil }
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
}
public struct JSONNumber: Sendable, Equatable, Hashable {
    public let canonical: String
    public var doubleValue: Double { Double(canonical)! }
    public init(_ value: Double) { canonical = "\(value)" }
    public init(_ value: Int) { canonical = "\(value)" }
}
public struct JSONLimits: Sendable { public var maxDepth = 32; public var maxStringBytes = 65_536; public var maxBytes = 1_048_576
    public init(maxDepth: Int = 32, maxStringBytes: Int = 65_536, maxBytes: Int = 1_048_576) {} }
public struct JSONParseError: Error, Equatable, CustomStringConvertible, Sendable { public let offset: Int; public let reason: String; public var description: String { reason } }
public enum JSONParser {
    public static func parse(_ bytes: [UInt8], limits: JSONLimits = JSONLimits()) throws(JSONParseError) -> JSONValue { fatalError() }
}
extension JSONValue { public var canonicalBytes: [UInt8] { fatalError() } }
public struct JSONPatchError: Error, Equatable, CustomStringConvertible, Sendable { public let reason: String; public let opIndex: Int?; public var description: String { reason } }
public enum JSONPatch {
    public static func diff(from old: JSONValue?, to new: JSONValue) -> JSONValue { fatalError() }
    public static func validate(_ patch: JSONValue) throws(JSONPatchError) { }
    public static func apply(_ patch: JSONValue, to document: JSONValue?) throws(JSONPatchError) -> JSONValue { fatalError() }
}
