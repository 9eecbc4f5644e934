public import VaultFormat

/// Which retention class, mode and period a record gets at ingest.
///
/// This is the operator default until per-jurisdiction policies arrive: every record is kept in
/// compliance mode for seven years from the moment it is recorded (the SEC 17a-4 style default that
/// DESIGN.md §5 names), in a class named after its stream.
public struct RetentionSchedule: Sendable {
    public struct Rule: Sendable, Equatable {
        public let retentionClass: String
        public let mode: RetentionMode
        public let years: Int
    }

    public static let operatorDefaultYears = 7

    public init() {}

    public func rule(for stream: String) -> Rule {
        Rule(retentionClass: stream, mode: .compliance, years: RetentionSchedule.operatorDefaultYears)
    }

    /// The retain-until time for a record recorded at `recordedAt` under `rule`.
    public func retainUntil(recordedAt: Int64, rule: Rule) -> Int64 {
        Timestamp.addingYears(rule.years, toMillis: recordedAt)
    }
}
