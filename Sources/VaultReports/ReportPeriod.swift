import VaultFormat

/// How often a report is filed.
public enum Cadence: String, Sendable, CaseIterable {
    case daily, weekly, monthly, quarterly
}

/// The period a report covers, as a run of whole gaming days, named as regulators name it:
/// `2026-11-20` (daily), `2026-W47` (ISO 8601 week, Monday first), `2026-11` (monthly),
/// `2026-Q4` (quarterly). Days are civil dates counted from 1970-01-01; where a gaming day starts
/// and ends in time is the licence's `GamingCalendar`.
public struct ReportPeriod: Hashable, Sendable, CustomStringConvertible {
    public let cadence: Cadence
    /// The first gaming day of the period.
    public let firstDay: Int
    /// How many gaming days it has.
    public let dayCount: Int

    public var lastDay: Int { firstDay + dayCount - 1 }
    public var description: String { label }

    /// The period's name (`2026-11-20`, `2026-W47`, `2026-11`, `2026-Q4`).
    public var label: String {
        let (year, month, _) = CivilDate.date(days: firstDay)
        switch cadence {
        case .daily: return CivilDate.text(days: firstDay)
        case .weekly:
            let (weekYear, week) = CivilDate.isoWeek(days: firstDay)
            return "\(weekYear)-W\(week < 10 ? "0" : "")\(week)"
        case .monthly: return "\(year)-\(month < 10 ? "0" : "")\(month)"
        case .quarterly: return "\(year)-Q\((month - 1) / 3 + 1)"
        }
    }

    /// The period of `cadence` that contains gaming day `day`.
    public init(_ cadence: Cadence, containing day: Int) {
        self.cadence = cadence
        let (year, month, _) = CivilDate.date(days: day)
        switch cadence {
        case .daily: (firstDay, dayCount) = (day, 1)
        case .weekly: (firstDay, dayCount) = (day - CivilDate.weekdayFromMonday(days: day), 7)
        case .monthly:
            firstDay = CivilDate.days(year: year, month: month, day: 1)
            dayCount = CivilDate.monthLength(year: year, month: month)
        case .quarterly:
            let first = (month - 1) / 3 * 3 + 1
            firstDay = CivilDate.days(year: year, month: first, day: 1)
            dayCount = (0..<3).reduce(0) { $0 + CivilDate.monthLength(year: year, month: first + $1) }
        }
    }

    /// Reads a period name; the cadence follows from its form.
    public init(parsing text: String) throws(ReportError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        func number(_ part: String, _ digits: Int) -> Int? {
            part.utf8.count == digits && part.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } ? Int(part) : nil
        }
        let bad = ReportError.invalidPeriod(text)
        guard parts.count >= 2, let year = number(parts[0], 4), year >= 1970, year <= 9998 else { throw bad }
        if parts.count == 3, let month = number(parts[1], 2), let day = number(parts[2], 2),
           (1...12).contains(month), (1...CivilDate.monthLength(year: year, month: month)).contains(day) {
            self.init(.daily, containing: CivilDate.days(year: year, month: month, day: day))
        } else if parts.count == 2, let month = number(parts[1], 2), (1...12).contains(month) {
            self.init(.monthly, containing: CivilDate.days(year: year, month: month, day: 1))
        } else if parts.count == 2, parts[1].hasPrefix("Q"), let quarter = number(String(parts[1].dropFirst()), 1),
                  (1...4).contains(quarter) {
            self.init(.quarterly, containing: CivilDate.days(year: year, month: quarter * 3 - 2, day: 1))
        } else if parts.count == 2, parts[1].hasPrefix("W"), let week = number(String(parts[1].dropFirst()), 2),
                  week >= 1, week <= CivilDate.isoWeeks(in: year) {
            self.init(.weekly, containing: CivilDate.isoWeekStart(year: year) + (week - 1) * 7)
        } else {
            throw bad
        }
    }

    /// The period after this one.
    public var next: ReportPeriod { ReportPeriod(cadence, containing: firstDay + dayCount) }

    public func contains(day: Int) -> Bool { day >= firstDay && day < firstDay + dayCount }

    /// Whether every day of this period is in `other` (a day of November is inside November).
    public func isInside(_ other: ReportPeriod) -> Bool { firstDay >= other.firstDay && lastDay <= other.lastDay }
}

/// Civil (proleptic Gregorian) dates as days since 1970-01-01.
public enum CivilDate {
    /// Days since 1970-01-01 of a civil date.
    public static func days(year: Int, month: Int, day: Int) -> Int { Timestamp.daysFromCivil(year: year, month: month, day: day) }

    /// The civil date of a day count.
    public static func date(days: Int) -> (year: Int, month: Int, day: Int) { Timestamp.civilFromDays(days) }

    /// `YYYY-MM-DD`.
    public static func text(days: Int) -> String {
        let (year, month, day) = date(days: days)
        return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }

    /// The day count of `YYYY-MM-DD`, or nil.
    public static func days(parsing text: String) -> Int? {
        guard let period = try? ReportPeriod(parsing: text), period.cadence == .daily else { return nil }
        return period.firstDay
    }

    public static func monthLength(year: Int, month: Int) -> Int { Timestamp.daysIn(month: month, year: year) }

    /// 0 for Monday … 6 for Sunday (1970-01-01 was a Thursday).
    public static func weekdayFromMonday(days: Int) -> Int { ((days % 7) + 7 + 3) % 7 }

    /// The Monday that starts ISO week 1 of `year` (the week with the year's first Thursday).
    public static func isoWeekStart(year: Int) -> Int {
        let january4 = days(year: year, month: 1, day: 4)
        return january4 - weekdayFromMonday(days: january4)
    }

    public static func isoWeeks(in year: Int) -> Int { (isoWeekStart(year: year + 1) - isoWeekStart(year: year)) / 7 }

    /// The ISO 8601 week-numbering year and week of a day.
    public static func isoWeek(days: Int) -> (year: Int, week: Int) {
        var year = date(days: days).year + 1
        while days < isoWeekStart(year: year) { year -= 1 }
        return (year, (days - isoWeekStart(year: year)) / 7 + 1)
    }
}
