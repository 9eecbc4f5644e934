import Foundation

extension ServerConfiguration {
    /// The built-in incident rules' thresholds (docs/RULES.md). Every rule runs whether or not this
    /// section is present; it changes thresholds, and `jurisdiction` files the incidents the vault
    /// raises about itself (a run of refused requests), which belong to no record's jurisdiction.
    public struct Rules: Codable, Sendable, Equatable {
        /// The operator's licensing jurisdiction (ISO 3166-1 alpha-2) for the vault's own incidents;
        /// without it, a run of refused requests is logged and counted but raises no incident.
        public var jurisdiction: String?
        /// Structuring: deposits just under this amount (a decimal, in each payment's currency).
        public var structuringThreshold: String = "2000.00"
        public var structuringBandPercent: Int = 90
        public var structuringCount: Int = 3
        public var structuringWindowHours: Int = 24
        /// Pass-through: a withdrawal of this share of the deposits before it, when they reach the minimum.
        public var passThroughSharePercent: Int = 80
        public var passThroughMinimum: String = "500.00"
        public var passThroughWindowHours: Int = 24
        /// Entity types whose changes need an approver other than the actor.
        public var approvedEntityTypes: [String] = ["gameConfig", "rngConfig", "rtpConfig", "paytable"]
        /// A run of refused requests: this many from one identity (or address) within the minutes.
        public var refusalRunCount: Int = 20
        public var refusalRunMinutes: Int = 10

        public init(jurisdiction: String? = nil) { self.jurisdiction = jurisdiction }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Rules()
            jurisdiction = try container.decodeIfPresent(String.self, forKey: .jurisdiction)
            structuringThreshold = try container.decodeIfPresent(String.self, forKey: .structuringThreshold) ?? defaults.structuringThreshold
            structuringBandPercent = try container.decodeIfPresent(Int.self, forKey: .structuringBandPercent)
                ?? defaults.structuringBandPercent
            structuringCount = try container.decodeIfPresent(Int.self, forKey: .structuringCount) ?? defaults.structuringCount
            structuringWindowHours = try container.decodeIfPresent(Int.self, forKey: .structuringWindowHours)
                ?? defaults.structuringWindowHours
            passThroughSharePercent = try container.decodeIfPresent(Int.self, forKey: .passThroughSharePercent)
                ?? defaults.passThroughSharePercent
            passThroughMinimum = try container.decodeIfPresent(String.self, forKey: .passThroughMinimum) ?? defaults.passThroughMinimum
            passThroughWindowHours = try container.decodeIfPresent(Int.self, forKey: .passThroughWindowHours)
                ?? defaults.passThroughWindowHours
            approvedEntityTypes = try container.decodeIfPresent([String].self, forKey: .approvedEntityTypes)
                ?? defaults.approvedEntityTypes
            refusalRunCount = try container.decodeIfPresent(Int.self, forKey: .refusalRunCount) ?? defaults.refusalRunCount
            refusalRunMinutes = try container.decodeIfPresent(Int.self, forKey: .refusalRunMinutes) ?? defaults.refusalRunMinutes
        }

        static let knownKeys: Set<String> = ["jurisdiction", "structuringThreshold", "structuringBandPercent", "structuringCount",
                                             "structuringWindowHours", "passThroughSharePercent", "passThroughMinimum",
                                             "passThroughWindowHours", "approvedEntityTypes", "refusalRunCount", "refusalRunMinutes"]

        /// True for a non-negative decimal amount with at most two decimals (`2000`, `2000.5`, `2000.00`).
        static func isAmount(_ text: String) -> Bool {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            return (1...2).contains(parts.count) && (1...12).contains(parts[0].count) && parts[0].allSatisfy({ $0.isASCII && $0.isNumber })
                && (parts.count == 1 || ((1...2).contains(parts[1].count) && parts[1].allSatisfy({ $0.isASCII && $0.isNumber })))
        }

        public func validate() throws {
            if let jurisdiction {
                guard jurisdiction.count == 2, jurisdiction.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                    throw ServerError.configuration("rules.jurisdiction must be an ISO 3166-1 alpha-2 code such as MT, not '\(jurisdiction)'")
                }
            }
            for (name, text) in [("structuringThreshold", structuringThreshold), ("passThroughMinimum", passThroughMinimum)]
            where !Self.isAmount(text) {
                throw ServerError.configuration("rules.\(name) must be a decimal amount such as 2000.00, not '\(text)'")
            }
            for (name, value, range) in [("structuringBandPercent", structuringBandPercent, 1...99),
                                         ("structuringCount", structuringCount, 2...100),
                                         ("structuringWindowHours", structuringWindowHours, 1...720),
                                         ("passThroughSharePercent", passThroughSharePercent, 1...100),
                                         ("passThroughWindowHours", passThroughWindowHours, 1...720),
                                         ("refusalRunCount", refusalRunCount, 2...100_000),
                                         ("refusalRunMinutes", refusalRunMinutes, 1...1_440)] where !range.contains(value) {
                throw ServerError.configuration("rules.\(name) must be \(range.lowerBound)...\(range.upperBound), not \(value)")
            }
        }
    }
}
