/// The built-in scenarios, embedded in the binary. Each text is byte for byte the published copy
/// in `sandbox/scenarios/NAME.json` at the repository root (a test compares them): edit both.
extension Scenario {
    /// The names of the built-in scenarios, in a fixed order.
    public static let builtInNames = ["demo", "mid-size-operator"]

    /// The built-in scenario `name`, or nil if there is none.
    public static func builtIn(named name: String) -> Scenario? {
        guard let text = builtInText(named: name) else { return nil }
        // The embedded texts are valid by construction; the tests parse every one of them.
        return try? Scenario(json: Array(text.utf8))
    }

    /// The exact JSON text of a built-in scenario, or nil if there is none.
    public static func builtInText(named name: String) -> String? {
        switch name {
        case "demo": BuiltInScenarioText.demo
        case "mid-size-operator": BuiltInScenarioText.midSizeOperator
        default: nil
        }
    }
}

enum BuiltInScenarioText {
    static let demo = #"""
{
  "name": "demo",
  "description": "A small synthetic operator licensed in Malta: about 2,000 players registering over 30 days. Fake by construction.",
  "origin": "sandbox.regvault.example/demo",
  "seed": 1,
  "start": "2026-01-01T00:00:00Z",
  "days": 30,
  "players": 2000,
  "currency": "EUR",
  "operatorJurisdiction": "MT",
  "jurisdictions": {"MT": 40, "GB": 35, "CW": 25},
  "activity": {
    "meanActiveDays": 25,
    "loyalPlayerPercent": 15,
    "regularPlayerPercent": 25,
    "heavyPlayerPercent": 5,
    "playDayPercent": 35,
    "withdrawalPercent": 30,
    "declinePercent": 6,
    "kycAbandonPercent": 8,
    "kycFailPercent": 3,
    "kycReviewPercent": 8,
    "depositLimitPercent": 20,
    "selfExclusionPermille": 15,
    "amlDailyDepositThreshold": 5000,
    "amlCasePercent": 40,
    "bonusRuleChangesPerDay": 4,
    "gameConfigChangesPerWeek": 5,
    "featureFlagChangesPerWeek": 3,
    "rngAnomalyPermillePerDay": 100
  },
  "backOffice": [
    {"id": "bo.synthetic.amber", "role": "bonus_manager"},
    {"id": "bo.synthetic.birch", "role": "bonus_manager"},
    {"id": "bo.synthetic.cedar", "role": "game_ops"},
    {"id": "bo.synthetic.dune", "role": "kyc_analyst"},
    {"id": "bo.synthetic.ember", "role": "aml_analyst"},
    {"id": "bo.synthetic.fjord", "role": "compliance_officer"}
  ],
  "replay": {"initialRecords": 5000, "recordsPerTick": 10, "tickSeconds": 2}
}

"""#

    static let midSizeOperator = #"""
{
  "name": "mid-size-operator",
  "description": "A mid-size synthetic operator licensed in Malta: 50,000 players registering over one year. Fake by construction.",
  "origin": "sandbox.regvault.example/mid-size-operator",
  "seed": 1,
  "start": "2026-01-01T00:00:00Z",
  "days": 365,
  "players": 50000,
  "currency": "EUR",
  "operatorJurisdiction": "MT",
  "jurisdictions": {"MT": 30, "GB": 30, "CW": 20, "DE": 10, "SE": 10},
  "activity": {
    "meanActiveDays": 55,
    "loyalPlayerPercent": 8,
    "regularPlayerPercent": 25,
    "heavyPlayerPercent": 5,
    "playDayPercent": 12,
    "withdrawalPercent": 30,
    "declinePercent": 6,
    "kycAbandonPercent": 10,
    "kycFailPercent": 3,
    "kycReviewPercent": 8,
    "depositLimitPercent": 20,
    "selfExclusionPermille": 10,
    "amlDailyDepositThreshold": 5000,
    "amlCasePercent": 30,
    "bonusRuleChangesPerDay": 3,
    "gameConfigChangesPerWeek": 4,
    "featureFlagChangesPerWeek": 2,
    "rngAnomalyPermillePerDay": 40
  },
  "backOffice": [
    {"id": "bo.synthetic.amber", "role": "bonus_manager"},
    {"id": "bo.synthetic.birch", "role": "bonus_manager"},
    {"id": "bo.synthetic.cobalt", "role": "bonus_manager"},
    {"id": "bo.synthetic.cedar", "role": "game_ops"},
    {"id": "bo.synthetic.delta", "role": "game_ops"},
    {"id": "bo.synthetic.dune", "role": "kyc_analyst"},
    {"id": "bo.synthetic.elm", "role": "kyc_analyst"},
    {"id": "bo.synthetic.ember", "role": "aml_analyst"},
    {"id": "bo.synthetic.flint", "role": "aml_analyst"},
    {"id": "bo.synthetic.fjord", "role": "compliance_officer"}
  ],
  "replay": {"initialRecords": 20000, "recordsPerTick": 20, "tickSeconds": 1}
}

"""#
}
