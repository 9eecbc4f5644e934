public import Foundation
public import VaultJSON

/// One licence the vault files reports for.
public struct LicenceSettings: Sendable, Equatable {
    /// A short name for file names and object keys: `[a-z0-9-]`, 1–32 characters.
    public let id: String
    /// ISO 3166-1 alpha-2 of the licensing jurisdiction (`MT`, `GB`, `CW`, `DK`).
    public let jurisdiction: String
    /// The licence number as the regulator writes it.
    public let licenceNumber: String
    /// The operator's reporting code where a format has a short field for it (MGA `RprtOprtr`, at most
    /// four characters); defaults to the first four characters of the licence number.
    public let operatorCode: String
    public let currency: String
    public let calendar: GamingCalendar
    /// The templates filed for this licence, in the order given.
    public let reports: [String]
    /// The `jurisdiction` values of the player records this licence reports (default: its own). An
    /// MGA licence often serves players of markets without a licence of their own.
    public let players: [String]
    /// What the FIU's goAML portal knows the operator by, and its code lists; required when
    /// `goaml.str` is filed.
    public let goaml: GoAMLSettings?

    public init(id: String, jurisdiction: String, licenceNumber: String, operatorCode: String? = nil, currency: String,
                calendar: GamingCalendar, reports: [String], players: [String]? = nil, goaml: GoAMLSettings? = nil) {
        self.id = id
        self.goaml = goaml
        self.players = players ?? [jurisdiction]
        self.jurisdiction = jurisdiction
        self.licenceNumber = licenceNumber
        self.operatorCode = operatorCode ?? String(licenceNumber.prefix(4))
        self.currency = currency
        self.calendar = calendar
        self.reports = reports
    }

    /// Whether the licence number is a placeholder, which production refuses.
    public var isPlaceholder: Bool { licenceNumber.uppercased().contains(ReportConfiguration.placeholderMarker) }
}

/// Which reports the vault files, per licence: the `reports.json` file of the data directory,
/// or the development configuration when there is none. The format:
///
/// ```json
/// {"licences": [
///   {"id": "mt-b2c", "jurisdiction": "MT", "licenceNumber": "MGA/B2C/123/2020", "operatorCode": "B123",
///    "currency": "EUR", "timeZone": "Europe/Malta", "gamingDayCutoff": "00:00",
///    "reports": ["mga.b2c-daily-summary", "mga.player-funds-monthly", "mga.gaming-tax-monthly"],
///    "players": ["MT", "DE", "SE"],
///    "goaml": {"reportingEntityId": 4711, "indicators": {"deposit_withdrawal_cycle": "UNUSU"},
///              "defaultIndicator": "UNUSU", "fundsCodes": {"card": "CCS"}}}
/// ]}
/// ```
/// Every problem is refused with the option it is in (`licences[0].timeZone: …`).
public struct ReportConfiguration: Sendable, Equatable {
    public let licences: [LicenceSettings]
    /// True for the built-in development configuration.
    public let isDevelopment: Bool

    /// The word that marks a fictitious licence number.
    public static let placeholderMarker = "FICTITIOUS"

    public init(licences: [LicenceSettings], isDevelopment: Bool = false) {
        self.licences = licences
        self.isDevelopment = isDevelopment
    }

    /// Parses and checks a configuration file against the templates of `registry`.
    public init(json bytes: [UInt8], registry: ReportRegistry = .standard) throws(ReportError) {
        guard let root = (try? JSONParser.parse(bytes))?.objectValue else {
            throw .invalidConfiguration(option: "(file)", problem: "not a JSON object")
        }
        if let unknown = root.keys.first(where: { $0 != "licences" }) {
            throw .invalidConfiguration(option: unknown, problem: "unknown option (the file holds \"licences\" only)")
        }
        guard let list = root["licences"]?.arrayValue, !list.isEmpty else {
            throw .invalidConfiguration(option: "licences", problem: "must be a non-empty array of licences")
        }
        var licences: [LicenceSettings] = []
        for (index, value) in list.enumerated() {
            licences.append(try Self.licence(value, at: "licences[\(index)]", registry: registry))
        }
        var seen = Set<String>()
        for (index, licence) in licences.enumerated() where !seen.insert(licence.id).inserted {
            throw .invalidConfiguration(option: "licences[\(index)].id", problem: "\(licence.id) is used by another licence")
        }
        self.init(licences: licences)
    }

    /// Refuses placeholder licence numbers (production).
    public func checkForProduction() throws(ReportError) {
        for (index, licence) in licences.enumerated() where licence.isPlaceholder {
            throw .invalidConfiguration(option: "licences[\(index)].licenceNumber",
                                        problem: "\(licence.licenceNumber) is a placeholder; give the real licence number")
        }
    }

    public func licence(id: String) -> LicenceSettings? { licences.first { $0.id == id } }

    private static let licenceOptions: Set = ["id", "jurisdiction", "licenceNumber", "operatorCode", "currency", "timeZone",
                                              "gamingDayCutoff", "reports", "players", "goaml"]

    static func licence(_ value: JSONValue, at path: String, registry: ReportRegistry,
                        requireReports: Bool = true) throws(ReportError) -> LicenceSettings {
        guard let object = value.objectValue else { throw .invalidConfiguration(option: path, problem: "must be an object") }
        if let unknown = object.keys.sorted().first(where: { !licenceOptions.contains($0) }) {
            throw .invalidConfiguration(option: "\(path).\(unknown)", problem: "unknown option")
        }
        func string(_ key: String) throws(ReportError) -> String {
            guard let text = object[key]?.stringValue, !text.isEmpty else {
                throw .invalidConfiguration(option: "\(path).\(key)", problem: "is required (a non-empty string)")
            }
            return text
        }
        let id = try string("id")
        guard id.utf8.count <= 32, id.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) else {
            throw .invalidConfiguration(option: "\(path).id", problem: "\(id): use 1 to 32 of a-z 0-9 -")
        }
        let jurisdiction = try string("jurisdiction")
        guard jurisdiction.utf8.count == 2, jurisdiction.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else {
            throw .invalidConfiguration(option: "\(path).jurisdiction", problem: "\(jurisdiction) is not an ISO 3166-1 alpha-2 code")
        }
        let licenceNumber = try string("licenceNumber")
        guard licenceNumber.utf8.count <= 64, !licenceNumber.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw .invalidConfiguration(option: "\(path).licenceNumber", problem: "at most 64 characters on one line")
        }
        let operatorCode = object["operatorCode"] == nil ? nil : try string("operatorCode")
        if let operatorCode, operatorCode.count > 4 {
            throw .invalidConfiguration(option: "\(path).operatorCode", problem: "at most 4 characters (the MGA's RprtOprtr)")
        }
        let currency = try string("currency")
        guard currency.utf8.count == 3, currency.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else {
            throw .invalidConfiguration(option: "\(path).currency", problem: "\(currency) is not an ISO 4217 code")
        }
        let zoneName = try string("timeZone")
        guard let zone = TimeZone(identifier: zoneName) else {
            throw .invalidConfiguration(option: "\(path).timeZone", problem: "\(zoneName) is not an IANA time zone (e.g. Europe/Malta)")
        }
        let cutoff = object["gamingDayCutoff"] == nil ? "00:00" : try string("gamingDayCutoff")
        let parts = cutoff.split(separator: ":")
        guard cutoff.utf8.count == 5, parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]),
              (0..<24).contains(hours), (0..<60).contains(minutes) else {
            throw .invalidConfiguration(option: "\(path).gamingDayCutoff", problem: "\(cutoff) is not a time of day (HH:MM)")
        }
        guard let reportValues = object["reports"]?.arrayValue, !reportValues.isEmpty || !requireReports else {
            throw .invalidConfiguration(option: "\(path).reports", problem: "must list at least one template")
        }
        var reports: [String] = []
        for (index, value) in reportValues.enumerated() {
            let option = "\(path).reports[\(index)]"
            guard let name = value.stringValue else { throw .invalidConfiguration(option: option, problem: "must be a template id") }
            guard let template = registry.template(id: name) else {
                throw .invalidConfiguration(option: option, problem: "there is no template \(name) (`regvault report templates`)")
            }
            guard template.jurisdictions.isEmpty || template.jurisdictions.contains(jurisdiction) else {
                throw .invalidConfiguration(option: option, problem: "\(name) is filed only for "
                    + "\(template.jurisdictions.joined(separator: ", ")) licences, not \(jurisdiction)")
            }
            guard !reports.contains(name) else {
                throw .invalidConfiguration(option: option, problem: "\(name) is listed twice: each period would be filed twice")
            }
            reports.append(name)
        }
        var players: [String]?
        if let values = object["players"] {
            guard let list = values.arrayValue?.compactMap(\.stringValue), list.count == values.arrayValue?.count, !list.isEmpty,
                  list.allSatisfy({ $0.utf8.count == 2 && $0.utf8.allSatisfy { $0 >= 0x41 && $0 <= 0x5A } }) else {
                throw .invalidConfiguration(option: "\(path).players", problem: "must list ISO 3166-1 alpha-2 codes")
            }
            players = list
        }
        let goaml = try object["goaml"].map { value throws(ReportError) in try GoAMLSettings(value, at: "\(path).goaml") }
        if goaml == nil, let index = reports.firstIndex(of: GoAMLSuspiciousTransactionReport.templateId) {
            throw .invalidConfiguration(option: "\(path).goaml", problem: "is required for \(reports[index]) "
                + "(at least {\"reportingEntityId\": N}, the operator's id at the FIU)")
        }
        return LicenceSettings(id: id, jurisdiction: jurisdiction, licenceNumber: licenceNumber, operatorCode: operatorCode,
                               currency: currency, calendar: GamingCalendar(timeZone: zone, cutoffMinutes: hours * 60 + minutes),
                               reports: reports, players: players, goaml: goaml)
    }

    /// The development configuration: one fictitious licence per regulator the templates serve,
    /// every template filed, UTC gaming days. Production refuses it (`checkForProduction`).
    /// The Malta licence also files the templates for any jurisdiction and reports the players of
    /// the markets without a licence of their own in the synthetic scenarios (DE, SE).
    public static func development(registry: ReportRegistry = .standard) -> ReportConfiguration {
        func licence(_ id: String, _ jurisdiction: String, _ number: String, players: [String]) -> LicenceSettings {
            let reports = registry.templates.filter {
                $0.jurisdictions.contains(jurisdiction) || ($0.jurisdictions.isEmpty && jurisdiction == "MT")
            }
            let files = reports.map(\.id)
            return LicenceSettings(id: id, jurisdiction: jurisdiction, licenceNumber: number, operatorCode: "FICT", currency: "EUR",
                                   calendar: .utc, reports: files, players: players,
                                   goaml: files.contains(GoAMLSuspiciousTransactionReport.templateId) ? .development : nil)
        }
        return ReportConfiguration(licences: [
            licence("mt-dev", "MT", "MGA/B2C/000/FICTITIOUS", players: ["MT", "DE", "SE"]),
            licence("gb-dev", "GB", "UKGC-000000-FICTITIOUS", players: ["GB"]),
            licence("cw-dev", "CW", "OGL/2026/FICTITIOUS", players: ["CW"]),
            licence("dk-dev", "DK", "SAFE-FICTITIOUS", players: ["DK"]),
        ].filter { !$0.reports.isEmpty }, isDevelopment: true)
    }
}

extension LicenceSettings {
    /// The settings as a report record keeps them, so a filed report can be recomputed from an
    /// export alone: `{"id","jurisdiction","licenceNumber","operatorCode","currency","timeZone",
    /// "gamingDayCutoff","players"}`.
    public var json: JSONValue {
        let cutoff = calendar.cutoffMinutes
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var object: [String: JSONValue] = [
            "id": .string(id), "jurisdiction": .string(jurisdiction), "licenceNumber": .string(licenceNumber),
            "operatorCode": .string(operatorCode), "currency": .string(currency), "timeZone": .string(calendar.timeZone.identifier == "GMT" ? "UTC" : calendar.timeZone.identifier),
            "gamingDayCutoff": .string("\(two(cutoff / 60)):\(two(cutoff % 60))"), "players": .array(players.map { .string($0) }),
        ]
        if let goaml { object["goaml"] = goaml.json }
        return .object(object)
    }

    /// Reads settings written by `json` (any template may be named, since the report already exists).
    public init(json: JSONValue) throws(ReportError) {
        var object = json.objectValue ?? [:]
        object["reports"] = .array([])
        let text = JSONValue.object(["licences": .array([.object(object)])]).canonicalBytes
        guard let root = (try? JSONParser.parse(text))?.objectValue, let licence = root["licences"]?.arrayValue?.first else {
            throw .invalidConfiguration(option: "licence", problem: "unreadable")
        }
        self = try ReportConfiguration.licence(licence, at: "licence", registry: ReportRegistry([]), requireReports: false)
    }
}
