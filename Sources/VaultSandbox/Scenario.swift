/// A sandbox scenario: everything `ScenarioGenerator` needs to produce one synthetic operator's
/// history, parsed strictly from JSON. Every key is required and no other key is accepted; a wrong
/// type or an out-of-range number is a `ScenarioError` naming the field by its dotted path.
///
/// The JSON form (see `sandbox/scenarios/demo.json` for a complete example):
/// ```json
/// {"name":"demo","description":"...","origin":"sandbox.regvault.example/demo","seed":1,
///  "start":"2026-01-01T00:00:00Z","days":30,"players":2000,"currency":"EUR","operatorJurisdiction":"MT",
///  "jurisdictions":{"MT":40,"GB":35,"CW":25},"activity":{...},"backOffice":[...],"replay":{...}}
/// ```
public struct Scenario: Sendable, Equatable {
    /// `[a-z0-9-]{1,40}`; part of every event id.
    public let name: String
    public let description: String
    /// The sandbox log's origin, e.g. `sandbox.regvault.example/demo`: 1...200 printable ASCII
    /// characters without spaces or `+`.
    public let origin: String
    public let seed: UInt64
    /// The first day starts here (JSON key `start`, `YYYY-MM-DDTHH:MM:SSZ`); day `d` is the 24 hours
    /// from `startMillis + d * 86_400_000`.
    public let startMillis: Int64
    /// 1...3660.
    public let days: Int
    /// Players who register over the period (evenly spread over the days), 1...10_000_000.
    public let players: Int
    /// ISO 4217 code (three upper-case letters) of every amount.
    public let currency: String
    /// The licence's jurisdiction: back-office, AML, RNG, incident and report records use it.
    public let operatorJurisdiction: String
    /// Where players come from, with relative weights; order as in the JSON.
    public let jurisdictions: [JurisdictionWeight]
    public let activity: Activity
    /// The synthetic back-office staff who make configuration changes and reviews.
    public let backOffice: [BackOfficeActor]
    public let replay: Replay

    /// How the sandbox feeds the generated records to its log.
    public struct Replay: Sendable, Equatable {
        /// Records loaded at once when the sandbox starts, >= 1.
        public let initialRecords: Int
        /// Records then appended every `tickSeconds`, >= 1.
        public let recordsPerTick: Int
        /// > 0 and <= 3600.
        public let tickSeconds: Double
    }

    /// A player jurisdiction (ISO 3166-1 alpha-2) and its relative weight (1...1000).
    public struct JurisdictionWeight: Sendable, Equatable {
        public let code: String
        public let weight: Int
    }

    /// A back-office person: a visibly synthetic id such as `bo.synthetic.amber` and a role.
    /// Roles the generator uses: `bonus_manager`, `game_ops`, `kyc_analyst`, `aml_analyst`,
    /// `compliance_officer`; each must have at least one actor.
    public struct BackOfficeActor: Sendable, Equatable {
        public let id: String
        public let role: String
    }

    /// Activity rates. Percentages are 0...100 and per-mille values 0...1000 unless stated.
    public struct Activity: Sendable, Equatable {
        /// Mean number of days a (non-loyal) player stays active after registering, 1...3660; the
        /// lifetime is spread evenly over 0...2×mean.
        public let meanActiveDays: Int
        /// Players who stay active until the end of the scenario.
        public let loyalPlayerPercent: Int
        /// Players in the regular tier (3× the light tier's play days, up to 2 deposits a day).
        public let regularPlayerPercent: Int
        /// Players in the heavy tier (8× the light tier's play days, up to 4 larger deposits a
        /// day); regular + heavy <= 100, the rest are light.
        public let heavyPlayerPercent: Int
        /// Chance that a light player plays (and deposits) on a day of their active period.
        public let playDayPercent: Int
        /// Chance of a withdrawal on a play day, once KYC has passed and there is a balance.
        public let withdrawalPercent: Int
        /// Share of payments the payment provider declines.
        public let declinePercent: Int
        /// Players who never get past `started`, who fail, and who need a manual review
        /// (sum <= 100).
        public let kycAbandonPercent: Int
        public let kycFailPercent: Int
        public let kycReviewPercent: Int
        /// Players who set a deposit limit at some point (some change it later).
        public let depositLimitPercent: Int
        /// Players who self-exclude at some point.
        public let selfExclusionPermille: Int
        /// Approved deposits by one player in one day reaching this many currency units raise an
        /// AML alert, 1...10_000_000.
        public let amlDailyDepositThreshold: Int
        /// Share of AML alerts that become cases (the rest are closed after review).
        public let amlCasePercent: Int
        /// Bonus-rule changes per day, 0...1000 (a third of them to the hot rule 123).
        public let bonusRuleChangesPerDay: Int
        /// Game configuration changes (each with an RNG certification) per week, 0...1000.
        public let gameConfigChangesPerWeek: Int
        /// Feature-flag changes per week, 0...1000.
        public let featureFlagChangesPerWeek: Int
        /// Chance per day of an RNG anomaly incident.
        public let rngAnomalyPermillePerDay: Int
    }

    /// Parses a scenario from the bytes of its JSON text.
    public init(json: [UInt8]) throws(ScenarioError) {
        var root = try ScenarioFieldReader(try ScenarioJSON.parse(json), path: "")
        name = try root.string("name")
        guard (1...40).contains(name.utf8.count),
              name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) else {
            throw ScenarioError(field: "name", reason: "must be 1 to 40 of a-z 0-9 -")
        }
        description = try root.string("description")
        guard description.utf8.count <= 2_000, !description.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw ScenarioError(field: "description", reason: "must be at most 2,000 bytes of text without control characters")
        }
        origin = try root.string("origin")
        guard (1...200).contains(origin.utf8.count), origin.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x2B }) else {
            throw ScenarioError(field: "origin", reason: "must be 1 to 200 printable ASCII characters without spaces or '+'")
        }
        seed = try root.unsigned64("seed")
        let start = try root.string("start")
        guard let startMillis = CivilTime.parseUTC(start) else {
            throw ScenarioError(field: "start", reason: "must be a UTC time written YYYY-MM-DDTHH:MM:SSZ, such as 2026-01-01T00:00:00Z")
        }
        self.startMillis = startMillis
        days = try root.integer("days", in: 1...3660)
        players = try root.integer("players", in: 1...10_000_000)
        currency = try root.string("currency")
        guard currency.utf8.count == 3, currency.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else {
            throw ScenarioError(field: "currency", reason: "must be an ISO 4217 code such as EUR")
        }
        operatorJurisdiction = try root.string("operatorJurisdiction")
        guard Scenario.isJurisdiction(operatorJurisdiction) else {
            throw ScenarioError(field: "operatorJurisdiction", reason: "must be an ISO 3166-1 alpha-2 code such as MT")
        }
        jurisdictions = try Scenario.parseJurisdictions(try root.object("jurisdictions"))
        activity = try Activity(try root.object("activity"))
        backOffice = try Scenario.parseBackOffice(try root.value("backOffice"))
        replay = try Replay(try root.object("replay"))
        try root.finish()
    }

    /// The same scenario with another seed.
    public func withSeed(_ seed: UInt64) -> Scenario {
        Scenario(name: name, description: description, origin: origin, seed: seed, startMillis: startMillis, days: days,
                 players: players, currency: currency, operatorJurisdiction: operatorJurisdiction,
                 jurisdictions: jurisdictions, activity: activity, backOffice: backOffice, replay: replay)
    }

    private init(name: String, description: String, origin: String, seed: UInt64, startMillis: Int64, days: Int, players: Int,
                 currency: String, operatorJurisdiction: String, jurisdictions: [JurisdictionWeight], activity: Activity,
                 backOffice: [BackOfficeActor], replay: Replay) {
        self.name = name
        self.description = description
        self.origin = origin
        self.seed = seed
        self.startMillis = startMillis
        self.days = days
        self.players = players
        self.currency = currency
        self.operatorJurisdiction = operatorJurisdiction
        self.jurisdictions = jurisdictions
        self.activity = activity
        self.backOffice = backOffice
        self.replay = replay
    }

    /// The roles `ScenarioGenerator` draws back-office actors from.
    static let requiredRoles = ["bonus_manager", "game_ops", "kyc_analyst", "aml_analyst", "compliance_officer"]

    static func isJurisdiction(_ text: String) -> Bool {
        text.utf8.count == 2 && text.utf8.allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
    }

    private static func parseJurisdictions(_ reader: ScenarioFieldReader) throws(ScenarioError) -> [JurisdictionWeight] {
        var reader = reader
        var result: [JurisdictionWeight] = []
        for member in reader.allMembers() {
            let field = reader.fieldPath(member.key)
            guard isJurisdiction(member.key) else {
                throw ScenarioError(field: field, reason: "must be an ISO 3166-1 alpha-2 code such as GB")
            }
            guard case .number(let text) = member.value, let weight = Int(text), (1...1000).contains(weight) else {
                throw ScenarioError(field: field, reason: "must be an integer weight from 1 to 1000")
            }
            result.append(JurisdictionWeight(code: member.key, weight: weight))
        }
        guard !result.isEmpty else { throw ScenarioError(field: "jurisdictions", reason: "must name at least one jurisdiction") }
        return result
    }

    private static func parseBackOffice(_ value: ScenarioJSON) throws(ScenarioError) -> [BackOfficeActor] {
        guard case .array(let elements) = value else {
            throw ScenarioError(field: "backOffice", reason: "must be an array of {\"id\":...,\"role\":...}, not \(value.typeName)")
        }
        var actors: [BackOfficeActor] = []
        for (i, element) in elements.enumerated() {
            var reader = try ScenarioFieldReader(element, path: "backOffice[\(i)]")
            let id = try reader.string("id")
            guard (1...128).contains(id.utf8.count), id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw ScenarioError(field: reader.fieldPath("id"), reason: "must be 1 to 128 printable ASCII characters without spaces")
            }
            let role = try reader.string("role")
            guard requiredRoles.contains(role) else {
                throw ScenarioError(field: reader.fieldPath("role"), reason: "must be one of \(requiredRoles.joined(separator: ", "))")
            }
            try reader.finish()
            actors.append(BackOfficeActor(id: id, role: role))
        }
        for role in requiredRoles where !actors.contains(where: { $0.role == role }) {
            throw ScenarioError(field: "backOffice", reason: "needs at least one actor with role \(role)")
        }
        return actors
    }
}

extension Scenario.Replay {
    init(_ reader: ScenarioFieldReader) throws(ScenarioError) {
        var reader = reader
        initialRecords = try reader.integer("initialRecords", in: 1...100_000_000)
        recordsPerTick = try reader.integer("recordsPerTick", in: 1...1_000_000)
        tickSeconds = try reader.number("tickSeconds")
        guard tickSeconds > 0, tickSeconds <= 3600 else {
            throw ScenarioError(field: "replay.tickSeconds", reason: "must be more than 0 and at most 3600")
        }
        try reader.finish()
    }
}

extension Scenario.Activity {
    init(_ reader: ScenarioFieldReader) throws(ScenarioError) {
        var reader = reader
        meanActiveDays = try reader.integer("meanActiveDays", in: 1...3660)
        loyalPlayerPercent = try reader.integer("loyalPlayerPercent", in: 0...100)
        regularPlayerPercent = try reader.integer("regularPlayerPercent", in: 0...100)
        heavyPlayerPercent = try reader.integer("heavyPlayerPercent", in: 0...100)
        guard regularPlayerPercent + heavyPlayerPercent <= 100 else {
            throw ScenarioError(field: "activity.heavyPlayerPercent", reason: "regularPlayerPercent + heavyPlayerPercent must be at most 100")
        }
        playDayPercent = try reader.integer("playDayPercent", in: 0...100)
        withdrawalPercent = try reader.integer("withdrawalPercent", in: 0...100)
        declinePercent = try reader.integer("declinePercent", in: 0...100)
        kycAbandonPercent = try reader.integer("kycAbandonPercent", in: 0...100)
        kycFailPercent = try reader.integer("kycFailPercent", in: 0...100)
        kycReviewPercent = try reader.integer("kycReviewPercent", in: 0...100)
        guard kycAbandonPercent + kycFailPercent + kycReviewPercent <= 100 else {
            throw ScenarioError(field: "activity.kycReviewPercent", reason: "kycAbandonPercent + kycFailPercent + kycReviewPercent must be at most 100")
        }
        depositLimitPercent = try reader.integer("depositLimitPercent", in: 0...100)
        selfExclusionPermille = try reader.integer("selfExclusionPermille", in: 0...1000)
        amlDailyDepositThreshold = try reader.integer("amlDailyDepositThreshold", in: 1...10_000_000)
        amlCasePercent = try reader.integer("amlCasePercent", in: 0...100)
        bonusRuleChangesPerDay = try reader.integer("bonusRuleChangesPerDay", in: 0...1000)
        gameConfigChangesPerWeek = try reader.integer("gameConfigChangesPerWeek", in: 0...1000)
        featureFlagChangesPerWeek = try reader.integer("featureFlagChangesPerWeek", in: 0...1000)
        rngAnomalyPermillePerDay = try reader.integer("rngAnomalyPermillePerDay", in: 0...1000)
        try reader.finish()
    }
}
