/// A regulator's reporting period: a day (`2026-11-20`), an ISO 8601 week (`2026-W47`), a month
/// (`2026-11`) or a quarter (`2026-Q4`), as a half-open UTC interval in milliseconds.
public struct ReportingPeriod: Sendable, Equatable {
    public let start: Int64
    public let end: Int64

    /// Parses one of the four forms; nil for anything else (including week 53 of a 52-week year).
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].count == 4, let year = Int(parts[0]), year >= 1970, year <= 9999 else { return nil }
        func number(_ s: Substring, digits: Int) -> Int? {
            s.count == digits && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } ? Int(s) : nil
        }
        let day = Int64(86_400_000)
        switch (parts.count, parts[1].first) {
        case (3, _):
            guard let month = number(parts[1], digits: 2), let d = number(parts[2], digits: 2),
                  let start = Timestamp.parseMillis("\(text)T00:00:00Z"), (1...12).contains(month), d >= 1 else { return nil }
            self.init(start: start, end: start + day)
        case (2, "W"):
            guard let week = number(parts[1].dropFirst(), digits: 2), week >= 1,
                  week <= ReportingPeriod.isoWeeks(in: year) else { return nil }
            let start = Int64(ReportingPeriod.isoWeekOneMonday(year) + (week - 1) * 7) * day
            self.init(start: start, end: start + 7 * day)
        case (2, "Q"):
            guard let quarter = number(parts[1].dropFirst(), digits: 1), (1...4).contains(quarter) else { return nil }
            let first = (quarter - 1) * 3 + 1
            self.init(start: Int64(Timestamp.daysFromCivil(year: year, month: first, day: 1)) * day,
                      end: Int64(quarter == 4 ? Timestamp.daysFromCivil(year: year + 1, month: 1, day: 1)
                                              : Timestamp.daysFromCivil(year: year, month: first + 3, day: 1)) * day)
        case (2, _):
            guard let month = number(parts[1], digits: 2), (1...12).contains(month) else { return nil }
            self.init(start: Int64(Timestamp.daysFromCivil(year: year, month: month, day: 1)) * day,
                      end: Int64(month == 12 ? Timestamp.daysFromCivil(year: year + 1, month: 1, day: 1)
                                             : Timestamp.daysFromCivil(year: year, month: month + 1, day: 1)) * day)
        default:
            return nil
        }
    }

    init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }

    /// Days since the epoch of the Monday of ISO week 1 (the week with January 4th).
    static func isoWeekOneMonday(_ year: Int) -> Int {
        let january4 = Timestamp.daysFromCivil(year: year, month: 1, day: 4)
        let weekday = ((january4 % 7) + 7 + 3) % 7  // Monday = 0; 1970-01-01 was a Thursday
        return january4 - weekday
    }

    /// 52 or 53.
    static func isoWeeks(in year: Int) -> Int {
        (isoWeekOneMonday(year + 1) - isoWeekOneMonday(year)) / 7
    }
}
