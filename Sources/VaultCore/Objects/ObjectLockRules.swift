public import VaultFormat

/// The lock rules of stored objects, one implementation behind both object APIs (the native
/// `/v1/objects` routes and the S3 endpoint), as S3 Object Lock defines them plus the vault's floor:
///
/// - a version's retention is the explicit one asked for when it is stored, else the bucket's
///   default, else the floor;
/// - the floor is the `report` rule of the jurisdiction's retention policy (the operator default
///   when none is named): no explicit or default retention may end before the floor's years from
///   the version's recording or use governance mode where the rule says compliance. Such a request
///   is refused, naming the rule; it is never silently raised;
/// - later changes go through `RetentionState` (extend any time, shorten governance only with the
///   bypass authority, compliance never), and never below the floor either.
public struct ObjectLockFloor: Sendable, Equatable {
    public let mode: RetentionMode
    public let years: Int
    /// `policy@version`, named in refusals.
    public let policy: String
    public let retentionClass: String
    public let source: String

    /// The floor of objects stored for `jurisdiction` ("" for the operator default).
    public init(policies: RetentionPolicySet, jurisdiction: String) {
        let policy = policies.policy(jurisdiction: jurisdiction)
        // Every policy covers every client stream, `report` included (checked when parsed).
        let rule = policy.rule(for: RecordSchema.Stream.report.rawValue)!
        self.mode = rule.mode
        self.years = rule.years
        self.policy = policy.reference
        self.retentionClass = rule.retentionClass
        self.source = rule.source
    }

    /// The earliest retain-until the floor allows for a version recorded at `recordedAt`.
    public func earliestRetainUntil(recordedAt: Int64) -> Int64 {
        Timestamp.addingYears(years, toMillis: recordedAt)
    }

    /// What the floor is, in words: "COMPLIANCE for 7 years (rule default.all of default@2026-12-03)".
    public var words: String {
        "\(mode.name.uppercased()) for \(years) year\(years == 1 ? "" : "s") (rule \(retentionClass) of policy \(policy))"
    }
}

/// A retention asked for: S3's `Mode` and `RetainUntilDate`.
public struct ObjectRetention: Sendable, Equatable {
    public var mode: RetentionMode
    /// Milliseconds since the Unix epoch.
    public var retainUntil: Int64

    public init(mode: RetentionMode, retainUntil: Int64) {
        self.mode = mode
        self.retainUntil = retainUntil
    }
}

/// A bucket's default retention: a mode and a period in days or in years (never both).
public struct DefaultRetention: Sendable, Equatable {
    public enum Period: Sendable, Equatable {
        case days(Int)
        case years(Int)
    }

    public var mode: RetentionMode
    public var period: Period

    public init(mode: RetentionMode, period: Period) {
        self.mode = mode
        self.period = period
    }

    /// The retain-until of a version recorded at `recordedAt`, as S3 computes it.
    public func retainUntil(recordedAt: Int64) -> Int64 {
        switch period {
        case .days(let days): recordedAt + Int64(days) * 86_400_000
        case .years(let years): Timestamp.addingYears(years, toMillis: recordedAt)
        }
    }
}

/// Why a lock request was refused: the floor it falls below, or a malformed request.
public struct ObjectLockRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Below the jurisdiction's floor.
        case belowFloor = "below_retention_floor"
        /// A retain-until date that is not in the future.
        case pastDate = "retain_until_past"
        /// A period of zero or less, or one too long to represent.
        case invalidPeriod = "invalid_retention_period"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

public enum ObjectLockRules {
    /// The longest default period accepted, as S3's (100 years / 36,500 days).
    public static let maxDefaultDays = 36_500
    public static let maxDefaultYears = 100

    /// The retention of a new version recorded at `recordedAt`: `explicit` if given, else the
    /// bucket default, else the floor. Refuses an explicit date in the past and anything below the floor.
    public static func resolve(explicit: ObjectRetention?, bucketDefault: DefaultRetention?, floor: ObjectLockFloor,
                               recordedAt: Int64) throws(ObjectLockRefusal) -> ObjectRetention {
        if let explicit {
            guard explicit.retainUntil > recordedAt else {
                throw ObjectLockRefusal(.pastDate, "The retain until date must be in the future! "
                    + "(\(Timestamp.format(millis: explicit.retainUntil)) is not)")
            }
            try check(explicit, floor: floor, recordedAt: recordedAt, what: "the requested retention")
            return explicit
        }
        if let bucketDefault {
            let retention = ObjectRetention(mode: bucketDefault.mode, retainUntil: bucketDefault.retainUntil(recordedAt: recordedAt))
            try check(retention, floor: floor, recordedAt: recordedAt, what: "the bucket's default retention")
            return retention
        }
        return ObjectRetention(mode: floor.mode, retainUntil: floor.earliestRetainUntil(recordedAt: recordedAt))
    }

    /// Refuses a retention that ends before the floor or is weaker in mode.
    public static func check(_ retention: ObjectRetention, floor: ObjectLockFloor, recordedAt: Int64, what: String)
        throws(ObjectLockRefusal) {
        if floor.mode == .compliance && retention.mode == .governance {
            throw ObjectLockRefusal(.belowFloor, "\(what) is GOVERNANCE, but this jurisdiction's reports are kept in "
                + "\(floor.words); ask for COMPLIANCE")
        }
        let earliest = floor.earliestRetainUntil(recordedAt: recordedAt)
        if retention.retainUntil < earliest {
            throw ObjectLockRefusal(.belowFloor, "\(what) ends \(Timestamp.format(millis: retention.retainUntil)), before "
                + "\(Timestamp.format(millis: earliest)): this jurisdiction's reports are kept \(floor.words); "
                + "ask for a date on or after \(Timestamp.format(millis: earliest))")
        }
    }

    /// Refuses a bucket default that could end before the floor for some version. A period in
    /// days must cover the floor's years however many leap days they hold: 366 days a year.
    public static func check(default retention: DefaultRetention, floor: ObjectLockFloor) throws(ObjectLockRefusal) {
        switch retention.period {
        case .days(let days):
            guard (1...maxDefaultDays).contains(days) else {
                throw ObjectLockRefusal(.invalidPeriod, "the default retention period must be a positive whole number of "
                    + "days, at most \(maxDefaultDays)")
            }
            if days < 366 * floor.years {
                throw ObjectLockRefusal(.belowFloor, "a default of \(days) days is shorter than this jurisdiction's reports "
                    + "are kept, \(floor.words); give at least \(366 * floor.years) days or \(floor.years) years")
            }
        case .years(let years):
            guard (1...maxDefaultYears).contains(years) else {
                throw ObjectLockRefusal(.invalidPeriod, "the default retention period must be a positive whole number of "
                    + "years, at most \(maxDefaultYears)")
            }
            if years < floor.years {
                throw ObjectLockRefusal(.belowFloor, "a default of \(years) year\(years == 1 ? "" : "s") is shorter than this "
                    + "jurisdiction's reports are kept, \(floor.words)")
            }
        }
        if floor.mode == .compliance && retention.mode == .governance {
            throw ObjectLockRefusal(.belowFloor, "a GOVERNANCE default is weaker than this jurisdiction's rule, "
                + "\(floor.words); use COMPLIANCE")
        }
    }
}
