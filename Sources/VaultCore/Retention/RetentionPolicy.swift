public import VaultFormat

/// One jurisdiction's retention policy, read from a file in `retention/`: which retention class,
/// period, trigger and mode each record stream gets, and the legal source of each rule.
///
/// File format (strict JSON, documented with examples in `retention/README.md`):
///
/// ```json
/// {"policy": "gb-ukgc", "jurisdiction": "GB", "title": "...", "version": "2026-11-22",
///  "rules": [{"class": "gb.aml-customer", "streams": ["kyc", "aml"], "years": 5,
///             "trigger": "relationship_ended", "mode": "compliance", "source": "MLR 2017 reg. 40 ..."}]}
/// ```
///
/// Every client stream (`RecordSchema.Stream`) is covered by exactly one rule; the default policy
/// has jurisdiction `*` and applies to records of jurisdictions without a policy of their own.
public struct RetentionPolicy: Sendable, Equatable {
    public let id: String
    /// An ISO 3166-1 alpha-2 code, or `*` for the operator default.
    public let jurisdiction: String
    public let title: String
    public let version: String
    public let rules: [Rule]
    /// The file's bytes in RFC 8785 canonical form: what the policy entry in the log holds.
    public let canonicalBytes: [UInt8]
    /// The file's bytes as written.
    public let fileBytes: [UInt8]

    /// When a rule's period starts counting.
    public enum Trigger: String, Sendable, CaseIterable {
        /// From the moment the vault recorded the record.
        case recorded
        /// From the end of the business relationship with the record's player (a record with action
        /// `relationship_ended`); until then the record cannot expire. Records without a player
        /// count from recording.
        case relationshipEnded = "relationship_ended"
    }

    public struct Rule: Sendable, Equatable {
        public let retentionClass: String
        public let streams: [String]
        public let years: Int
        public let trigger: Trigger
        public let mode: RetentionMode
        /// The law, regulation or operator decision the rule implements.
        public let source: String
    }

    /// The rule for a client stream.
    public func rule(for stream: String) -> Rule? {
        rules.first { $0.streams.contains(stream) }
    }

    /// Two policies are the same if their canonical JSON is.
    public static func == (lhs: RetentionPolicy, rhs: RetentionPolicy) -> Bool { lhs.canonicalBytes == rhs.canonicalBytes }

    /// The identifier written into retention and erasure entries: `id@version`.
    public var reference: String { "\(id)@\(version)" }

    /// Parses and checks a policy file; errors name the field that is wrong.
    public init(parsing bytes: [UInt8]) throws(VaultError) {
        func invalid(_ field: String, _ why: String) -> VaultError { VaultError(.invalidPolicy, "\(field): \(why)") }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, limits: JSONLimits(maxDepth: 8, maxStringBytes: 8192, maxBytes: 262_144))
        } catch {
            throw invalid("file", "not valid JSON: \(error)")
        }
        guard let object = value.objectValue else { throw invalid("file", "must be a JSON object") }
        let known: Set = ["policy", "jurisdiction", "title", "version", "rules"]
        if let unknown = object.keys.filter({ !known.contains($0) }).sorted().first { throw invalid(unknown, "unknown field") }
        guard let id = object["policy"]?.stringValue, RetentionPolicy.isPolicyId(id) else {
            throw invalid("policy", "must be 1 to 64 characters of a-z 0-9 -")
        }
        guard let jurisdiction = object["jurisdiction"]?.stringValue,
              jurisdiction == "*" || RecordSchema.isJurisdiction(jurisdiction) else {
            throw invalid("jurisdiction", "must be an ISO 3166-1 alpha-2 code such as GB, or * for the operator default")
        }
        guard let title = object["title"]?.stringValue, RecordSchema.isPlainText(title, maxLength: 200), !title.isEmpty else {
            throw invalid("title", "must be text of 1 to 200 characters")
        }
        guard let version = object["version"]?.stringValue, RecordSchema.isIdentifier(version) else {
            throw invalid("version", "must be an identifier such as 2026-11-22")
        }
        guard let ruleValues = object["rules"]?.arrayValue, !ruleValues.isEmpty else {
            throw invalid("rules", "must be a non-empty array")
        }
        var rules: [Rule] = []
        for (index, ruleValue) in ruleValues.enumerated() {
            rules.append(try RetentionPolicy.rule(ruleValue, field: "rules[\(index)]", jurisdiction: jurisdiction))
        }
        for stream in RecordSchema.Stream.allCases.map(\.rawValue) {
            let covering = rules.filter { $0.streams.contains(stream) }.count
            guard covering == 1 else {
                throw invalid("rules", "stream \(stream) is covered by \(covering) rules; every stream needs exactly one")
            }
        }
        let classes = rules.map(\.retentionClass)
        guard Set(classes).count == classes.count else { throw invalid("rules", "two rules share a class") }
        self.id = id
        self.jurisdiction = jurisdiction
        self.title = title
        self.version = version
        self.rules = rules
        self.canonicalBytes = value.canonicalBytes
        self.fileBytes = bytes
    }

    /// The policy as JSON, for its entry in the log.
    var json: JSONValue {
        // Parsed successfully in init, so parsing again cannot fail.
        try! JSONParser.parse(canonicalBytes)
    }

    private static func rule(_ value: JSONValue, field: String, jurisdiction: String) throws(VaultError) -> Rule {
        func invalid(_ key: String, _ why: String) -> VaultError { VaultError(.invalidPolicy, "\(field).\(key): \(why)") }
        guard let object = value.objectValue else { throw VaultError(.invalidPolicy, "\(field): must be an object") }
        let known: Set = ["class", "streams", "years", "trigger", "mode", "source"]
        if let unknown = object.keys.filter({ !known.contains($0) }).sorted().first { throw invalid(unknown, "unknown field") }
        let prefix = jurisdiction == "*" ? "default." : jurisdiction.lowercased() + "."
        guard let retentionClass = object["class"]?.stringValue, Entry.isValidRetentionClass(retentionClass),
              retentionClass.hasPrefix(prefix), !retentionClass.hasPrefix("vault.") else {
            throw invalid("class", "must be 1 to 64 characters of a-z 0-9 . _ - starting with '\(prefix)'")
        }
        // An empty list retires a class: no new record gets it, and it stays for the records that have it.
        guard let streamValues = object["streams"]?.arrayValue else {
            throw invalid("streams", "must be an array of stream names (empty for a retired class)")
        }
        var streams: [String] = []
        for stream in streamValues {
            guard let name = stream.stringValue, RecordSchema.Stream(rawValue: name) != nil else {
                throw invalid("streams", "\(stream) is not a stream; streams are "
                    + RecordSchema.Stream.allCases.map(\.rawValue).joined(separator: ", "))
            }
            streams.append(name)
        }
        guard let yearsText = object["years"]?.numberText,
              let years = Int(yearsText), (1...100).contains(years) else {
            throw invalid("years", "must be a whole number of years from 1 to 100")
        }
        guard let trigger = object["trigger"]?.stringValue.flatMap(Trigger.init(rawValue:)) else {
            throw invalid("trigger", "must be recorded or relationship_ended")
        }
        guard let modeName = object["mode"]?.stringValue, let mode = RetentionMode(name: modeName) else {
            throw invalid("mode", "must be compliance or governance")
        }
        guard let source = object["source"]?.stringValue, !source.isEmpty,
              RecordSchema.isPlainText(source, maxLength: 2000) else {
            throw invalid("source", "every rule cites its source: text of 1 to 2000 characters")
        }
        return Rule(retentionClass: retentionClass, streams: streams, years: years, trigger: trigger, mode: mode, source: source)
    }

    static func isPolicyId(_ text: String) -> Bool {
        let utf8 = text.utf8
        return (1...64).contains(utf8.count)
            && utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }
}

extension RetentionMode {
    /// `compliance` or `governance`.
    public var name: String { self == .compliance ? "compliance" : "governance" }

    public init?(name: String) {
        switch name {
        case "compliance": self = .compliance
        case "governance": self = .governance
        default: return nil
        }
    }
}
