/// The record schema: what a client may submit. docs/RECORDS.md is the user-facing description of
/// the same rules; keep the two in step.
public enum RecordSchema {
    /// The largest record accepted, in bytes of its JSON line.
    public static let maxRecordBytes = 65_536
    public static let maxReasonLength = 2_048
    public static let maxIdentifierLength = 128
    /// How far in the future `occurredAt` may be, relative to the vault's clock, to allow for skew.
    public static let maxClockSkewMillis: Int64 = 5 * 60 * 1000

    /// An incident's `state.severity`: P1 is notified to regulators at once.
    public static let incidentSeverities: Set<String> = ["P1", "P2", "P3", "P4"]

    /// The streams a client can write to. The vault's own entries (accesses, holds, erasures) are
    /// not submittable.
    public enum Stream: String, CaseIterable, Sendable {
        /// A create/update/delete of back-office configuration: bonus rules, limits, flags, game and
        /// RNG configuration.
        case auditChange = "audit.change"
        /// KYC status changes and checks.
        case kyc
        /// AML alerts, cases and decisions.
        case aml
        /// Deposits, withdrawals and payouts.
        case payment
        /// Game activity: stakes, wins, bonus play and jackpot contributions, per game session or per
        /// player per gaming day, with the certified RNG used (what gaming returns are made of).
        case gaming
        /// Deposit limits, self-exclusion and other safer-gambling events.
        case responsibleGambling = "responsible_gambling"
        /// RNG and game configuration events and certifications.
        case rng
        /// Incidents: AML suspicion, RNG anomalies, self-exclusion breaches, security events.
        case incident
        /// Regulator reports filed.
        case report
    }

    /// Top-level fields and whether each is required.
    static let fields: [String: Bool] = [
        "eventId": true, "stream": true, "entity": true, "action": true, "actor": true, "occurredAt": true,
        "jurisdiction": true, "reason": false, "playerId": false, "state": false, "diff": false,
        "decisionId": false, "policyVer": false, "dataVer": false, "modelVer": false, "approver": false,
    ]

    /// The required top-level fields, in the order they are reported missing.
    static let requiredFields = fields.filter(\.value).keys.sorted()

    /// Identifiers (event, entity and player ids): 1...128 of `[A-Za-z0-9._:@/-]`.
    static func isIdentifier(_ text: String) -> Bool {
        let utf8 = text.utf8
        return (1...maxIdentifierLength).contains(utf8.count) && utf8.allSatisfy { c in
            isAlphanumeric(c) || c == 0x2E || c == 0x5F || c == 0x3A || c == 0x40 || c == 0x2F || c == 0x2D
        }
    }

    /// Names (entity types, actions, roles): a letter, then up to 63 of `[A-Za-z0-9_.-]`.
    static func isName(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        guard (1...64).contains(utf8.count), isLetter(utf8[0]) else { return false }
        return utf8.allSatisfy { isAlphanumeric($0) || $0 == 0x5F || $0 == 0x2E || $0 == 0x2D }
    }

    /// ISO 3166-1 alpha-2 country codes, upper case.
    static func isJurisdiction(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        return utf8.count == 2 && utf8.allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
    }

    /// Free text without control characters other than tab and newline.
    static func isPlainText(_ text: String, maxLength: Int) -> Bool {
        text.unicodeScalars.count <= maxLength
            && !text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || $0.value == 0x7F }
    }

    private static func isLetter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
    private static func isAlphanumeric(_ c: UInt8) -> Bool { isLetter(c) || (c >= 0x30 && c <= 0x39) }
}
