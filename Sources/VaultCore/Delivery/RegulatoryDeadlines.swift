import Foundation
import VaultFormat

/// The notification deadlines a regulator sets for an incident, computed from when it happened
/// (and, for GDPR, from when the operator became aware: when the vault recorded it):
///
/// | regime | applies to | deadline |
/// |---|---|---|
/// | `UKGC` key event (LCCP 15.2) | jurisdiction GB | 5 working days |
/// | `MGA` incident report | jurisdiction MT | 3 working days |
/// | `CGA` | jurisdiction CW | without delay: 24 hours |
/// | `GDPR art. 33` | kind `security_breach`, any EU/EEA or UK jurisdiction | 72 hours from awareness |
///
/// Working days skip Saturdays, Sundays and the jurisdiction's holidays (dates in UTC).
public enum RegulatoryDeadlines {
    public struct Deadline: Sendable, Equatable {
        public let regime: String
        public let dueAt: Int64
        public let rule: String

        public var json: JSONValue {
            .object(["regime": .string(regime), "dueAt": .string(Timestamp.format(millis: dueAt)), "rule": .string(rule)])
        }
    }

    static let gdprJurisdictions: Set<String> = [
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
        "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "GB",
    ]

    /// The deadlines for an incident of `kind` in `jurisdiction`; `holidays` are `YYYY-MM-DD` dates.
    public static func deadlines(jurisdiction: String, kind: String?, occurredAt: Int64, recordedAt: Int64,
                                 holidays: Set<String> = []) -> [Deadline] {
        var found: [Deadline] = []
        switch jurisdiction {
        case "GB":
            found.append(Deadline(regime: "UKGC", dueAt: addingWorkingDays(5, to: occurredAt, holidays: holidays),
                                  rule: "key event: notify within 5 working days"))
        case "MT":
            found.append(Deadline(regime: "MGA", dueAt: addingWorkingDays(3, to: occurredAt, holidays: holidays),
                                  rule: "incident: notify the MGA within 3 working days"))
        case "CW":
            found.append(Deadline(regime: "CGA", dueAt: occurredAt + 24 * 3_600_000, rule: "notify without delay (24 hours)"))
        default: break
        }
        if kind == "security_breach", gdprJurisdictions.contains(jurisdiction) {
            found.append(Deadline(regime: "GDPR art. 33", dueAt: recordedAt + 72 * 3_600_000,
                                  rule: "personal data breach: notify the supervisory authority within 72 hours of awareness"))
        }
        return found
    }

    /// `start` plus `days` working days: the same time of day on the `days`-th following working day.
    static func addingWorkingDays(_ days: Int, to start: Int64, holidays: Set<String>) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var date = Date(timeIntervalSince1970: Double(start) / 1000)
        var counted = 0
        while counted < days {
            date = calendar.date(byAdding: .day, value: 1, to: date)!
            let weekday = calendar.component(.weekday, from: date)
            let day = String(Timestamp.format(millis: Int64(date.timeIntervalSince1970 * 1000)).prefix(10))
            if weekday != 1 && weekday != 7 && !holidays.contains(day) { counted += 1 }
        }
        return Int64(date.timeIntervalSince1970 * 1000)
    }
}
