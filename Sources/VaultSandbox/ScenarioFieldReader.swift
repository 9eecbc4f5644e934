/// Reads the members of one JSON object of a scenario strictly: each member must be read exactly
/// once by a typed accessor, and `finish()` refuses whatever was not (an unknown key). Errors name
/// the member by its dotted path from the scenario's root.
struct ScenarioFieldReader {
    private let members: [(key: String, value: ScenarioJSON)]
    private let path: String
    private var read: Set<String> = []

    init(_ value: ScenarioJSON, path: String) throws(ScenarioError) {
        guard case .object(let members) = value else {
            throw ScenarioError(field: path.isEmpty ? nil : path, reason: "must be a JSON object, not \(value.typeName)")
        }
        self.members = members
        self.path = path
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func value(_ key: String) throws(ScenarioError) -> ScenarioJSON {
        guard let member = members.first(where: { $0.key == key }) else {
            throw ScenarioError(field: fieldPath(key), reason: "is required")
        }
        read.insert(key)
        return member.value
    }

    mutating func string(_ key: String) throws(ScenarioError) -> String {
        let value = try value(key)
        guard case .string(let text) = value else {
            throw ScenarioError(field: fieldPath(key), reason: "must be a string, not \(value.typeName)")
        }
        return text
    }

    /// An integer written without fraction or exponent, within `range`.
    mutating func integer(_ key: String, in range: ClosedRange<Int>) throws(ScenarioError) -> Int {
        let value = try value(key)
        guard case .number(let text) = value else {
            throw ScenarioError(field: fieldPath(key), reason: "must be an integer, not \(value.typeName)")
        }
        guard let number = Int(text) else {
            throw ScenarioError(field: fieldPath(key), reason: "must be an integer, not \(text)")
        }
        guard range.contains(number) else {
            throw ScenarioError(field: fieldPath(key), reason: "must be between \(range.lowerBound) and \(range.upperBound), not \(number)")
        }
        return number
    }

    /// A non-negative integer up to `UInt64.max`, read exactly from its digits.
    mutating func unsigned64(_ key: String) throws(ScenarioError) -> UInt64 {
        let value = try value(key)
        guard case .number(let text) = value, let number = UInt64(text) else {
            throw ScenarioError(field: fieldPath(key), reason: "must be an integer from 0 to \(UInt64.max)")
        }
        return number
    }

    /// Any JSON number, as a `Double`.
    mutating func number(_ key: String) throws(ScenarioError) -> Double {
        let value = try value(key)
        guard case .number(let text) = value, let number = Double(text), number.isFinite else {
            throw ScenarioError(field: fieldPath(key), reason: "must be a number, not \(value.typeName)")
        }
        return number
    }

    /// The nested object `key`, to be read with its own reader.
    mutating func object(_ key: String) throws(ScenarioError) -> ScenarioFieldReader {
        try ScenarioFieldReader(try value(key), path: fieldPath(key))
    }

    /// The members in document order, all marked as read (for objects used as maps).
    mutating func allMembers() -> [(key: String, value: ScenarioJSON)] {
        for member in members { read.insert(member.key) }
        return members
    }

    /// Refuses the first member (in document order) that no accessor read.
    func finish() throws(ScenarioError) {
        if let unknown = members.first(where: { !read.contains($0.key) }) {
            throw ScenarioError(field: fieldPath(unknown.key), reason: "unknown field")
        }
    }
}
