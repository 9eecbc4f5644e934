import VaultFormat

/// Calendar arithmetic in UTC with integers only (proleptic Gregorian; the algorithms are
/// `Timestamp`'s).
enum CivilTime {
    static let millisPerDay: Int64 = 86_400_000

    /// Days since 1970-01-01 of a civil date.
    static func days(year: Int, month: Int, day: Int) -> Int {
        Timestamp.daysFromCivil(year: year, month: month, day: day)
    }

    /// The civil date of a day since 1970-01-01.
    static func date(days: Int) -> (year: Int, month: Int, day: Int) {
        Timestamp.civilFromDays(days)
    }

    /// The civil date of a time in milliseconds since the epoch (which must not be negative).
    static func date(millis: Int64) -> (year: Int, month: Int, day: Int) {
        date(days: Int(millis / millisPerDay))
    }

    /// `YYYY-MM-DD`.
    static func dayText(millis: Int64) -> String {
        let (year, month, day) = date(millis: millis)
        return "\(year)-\(twoDigits(month))-\(twoDigits(day))"
    }

    static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SSZ` (years 1970...9999) to milliseconds since the epoch;
    /// nil for any other form or an impossible date or time.
    static func parseUTC(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count == 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                value = value * 10 + Int(b[i] - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              year >= 1970, (1...12).contains(month), day >= 1, hour < 24, minute < 60, second < 60 else { return nil }
        guard day <= Timestamp.daysIn(month: month, year: year) else { return nil }
        let seconds = Int64(days(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return seconds * 1000
    }
}
