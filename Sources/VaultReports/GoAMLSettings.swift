public import VaultJSON

/// A licence's goAML settings: the operator's id at the FIU (`rentity_id`) and the FIU's code
/// lists. Each FIU ships its own goAML build with its own codes, so every code the vault writes
/// can be set; the defaults are the codes of the schema build in `Tests/schemas/goaml` that read as
/// meant (`ELCFT` electronic funds transfer, `CRPTC` crypto, `INTRN` internet) and must be confirmed
/// against the FIU's list before the first filing.
///
/// ```json
/// "goaml": {"reportingEntityId": 4711, "indicators": {"deposit_withdrawal_cycle": "UNUSU"},
///           "defaultIndicator": "UNUSU", "fundsCodes": {"card": "CCS"}, "defaultFundsCode": "ELCFT",
///           "transmodeCode": "INTRN", "partyRole": "ACCNT", "accountType": "A"}
/// ```
public struct GoAMLSettings: Sendable, Equatable {
    /// `rentity_id`: the number the FIU gave the operator when it registered on goAML.
    public let reportingEntityId: Int
    /// AML alert rule (`state.rule` of an `amlAlert`) → `report_indicators` code.
    public let indicators: [String: String]
    /// The indicator for a rule without its own, and for a case whose alerts are not in the vault.
    public let defaultIndicator: String
    /// Payment method (`state.method`) → `funds_code`.
    public let fundsCodes: [String: String]
    public let defaultFundsCode: String
    /// `transmode_code`: how the transaction was conducted (online, for an operator).
    public let transmodeCode: String
    /// The party's `role` (the player as account holder).
    public let partyRole: String
    /// `personal_account_type` of the player's account with the operator.
    public let accountType: String

    public init(reportingEntityId: Int, indicators: [String: String] = [:], defaultIndicator: String = "UNUSU",
                fundsCodes: [String: String] = GoAMLSettings.standardFundsCodes, defaultFundsCode: String = "ELCFT",
                transmodeCode: String = "INTRN", partyRole: String = "ACCNT", accountType: String = "A") {
        self.reportingEntityId = reportingEntityId
        self.indicators = indicators
        self.defaultIndicator = defaultIndicator
        self.fundsCodes = fundsCodes
        self.defaultFundsCode = defaultFundsCode
        self.transmodeCode = transmodeCode
        self.partyRole = partyRole
        self.accountType = accountType
    }

    public static let standardFundsCodes = ["bank_transfer": "ELCFT", "card": "ELCFT", "ewallet": "ELCFT", "crypto": "CRPTC",
                                            "cash": "CASH"]

    /// The development settings: reporting entity 1, the default codes.
    public static let development = GoAMLSettings(reportingEntityId: 1)

    private static let options: Set = ["reportingEntityId", "indicators", "defaultIndicator", "fundsCodes", "defaultFundsCode",
                                       "transmodeCode", "partyRole", "accountType"]

    /// Reads the `goaml` option of a licence; problems name the option (`licences[0].goaml.indicators.x`).
    init(_ value: JSONValue, at path: String) throws(ReportError) {
        guard let object = value.objectValue else { throw .invalidConfiguration(option: path, problem: "must be an object") }
        if let unknown = object.keys.sorted().first(where: { !Self.options.contains($0) }) {
            throw .invalidConfiguration(option: "\(path).\(unknown)", problem: "unknown option")
        }
        guard let idText = object["reportingEntityId"]?.numberText, let id = Int(idText), id >= 1, id <= Int(Int32.max) else {
            throw .invalidConfiguration(option: "\(path).reportingEntityId",
                                        problem: "is required: the operator's reporting entity id at the FIU, a whole number from 1")
        }
        func code(_ key: String, _ fallback: String) throws(ReportError) -> String {
            guard let value = object[key] else { return fallback }
            return try Self.code(value, at: "\(path).\(key)")
        }
        func codes(_ key: String, _ fallback: [String: String]) throws(ReportError) -> [String: String] {
            guard let value = object[key] else { return fallback }
            guard let map = value.objectValue else {
                throw .invalidConfiguration(option: "\(path).\(key)", problem: "must be an object of codes")
            }
            var result: [String: String] = [:]
            for (name, code) in map { result[name] = try Self.code(code, at: "\(path).\(key).\(name)") }
            return result
        }
        self.init(reportingEntityId: id, indicators: try codes("indicators", [:]), defaultIndicator: try code("defaultIndicator", "UNUSU"),
                  fundsCodes: try codes("fundsCodes", Self.standardFundsCodes),
                  defaultFundsCode: try code("defaultFundsCode", "ELCFT"), transmodeCode: try code("transmodeCode", "INTRN"),
                  partyRole: try code("partyRole", "ACCNT"), accountType: try code("accountType", "A"))
    }

    /// A goAML code: 1 to 5 of A-Z 0-9, or `-`.
    private static func code(_ value: JSONValue, at option: String) throws(ReportError) -> String {
        guard let text = value.stringValue, (1...5).contains(text.utf8.count),
              text == "-" || text.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) }) else {
            throw .invalidConfiguration(option: option, problem: "must be a goAML code: 1 to 5 of A-Z 0-9 (from the FIU's code list)")
        }
        return text
    }

    /// The settings as the report record keeps them, readable by the licence parser.
    public var json: JSONValue {
        .object([
            "reportingEntityId": .number(JSONNumber(Double(reportingEntityId))),
            "indicators": .object(indicators.mapValues { .string($0) }), "defaultIndicator": .string(defaultIndicator),
            "fundsCodes": .object(fundsCodes.mapValues { .string($0) }), "defaultFundsCode": .string(defaultFundsCode),
            "transmodeCode": .string(transmodeCode), "partyRole": .string(partyRole), "accountType": .string(accountType),
        ])
    }
}
