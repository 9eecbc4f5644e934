/// The time formats of the S3 protocol, all in UTC, converted to and from milliseconds since the Unix epoch:
/// - XML (`LastModified`, `RetainUntilDate`): ISO 8601 with milliseconds, `2026-12-04T05:06:07.000Z`;
/// - HTTP headers (`Last-Modified`, `Date`): RFC 1123, `Fri, 04 Dec 2026 05:06:07 GMT`;
/// - SigV4 (`x-amz-date`, `X-Amz-Date`): ISO 8601 basic, `20261204T050607Z`.
public enum S3Time {
    /// `2026-12-04T05:06:07.000Z`.
    public static func iso8601(millis: Int64) -> String {
        let t = Civil(millis: millis)
        return "\(pad(t.year, 4))-\(pad(t.month, 2))-\(pad(t.day, 2))T\(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2)).\(pad(t.millisecond, 3))Z"
    }

    /// `Fri, 04 Dec 2026 05:06:07 GMT` (RFC 1123, as S3 writes `Last-Modified`).
    public static func httpDate(millis: Int64) -> String {
        let t = Civil(millis: millis)
        let weekday = weekdays[Int(floorMod(floorDiv(millis, 86_400_000) + 4, 7))]
        return "\(weekday), \(pad(t.day, 2)) \(months[t.month - 1]) \(pad(t.year, 4)) \(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2)) GMT"
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS` with optional fractional seconds (milliseconds kept, finer digits dropped)
    /// and a zone `Z` or `±HH:MM`; nil for anything else, including out-of-range fields.
    public static func parseISO8601(_ text: String) -> Int64? {
        var s = Scanner(Array(text.utf8))
        guard let year = s.digits(4), s.take("-"), let month = s.digits(2), s.take("-"), let day = s.digits(2),
              s.take("T") || s.take("t"), let hour = s.digits(2), s.take(":"), let minute = s.digits(2), s.take(":"),
              let second = s.digits(2) else { return nil }
        var millis = 0
        if s.take(".") {
            var count = 0
            while let digit = s.digit() {
                if count < 3 { millis = millis * 10 + digit }
                count += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<max(count, 3) { millis *= 10 }
        }
        var offsetMinutes = 0
        if s.take("Z") || s.take("z") {
        } else if let sign = s.sign(), let zoneHour = s.digits(2), s.take(":"), let zoneMinute = s.digits(2),
                  zoneHour < 24, zoneMinute < 60 {
            offsetMinutes = sign * (zoneHour * 60 + zoneMinute)
        } else {
            return nil
        }
        guard s.atEnd, let base = millisFromFields(year, month, day, hour, minute, second) else { return nil }
        return base + Int64(millis) - Int64(offsetMinutes) * 60_000
    }

    /// Reads SigV4's `20261204T050607Z`; nil for anything else.
    static func parseAMZDate(_ text: String) -> Int64? {
        var s = Scanner(Array(text.utf8))
        guard let year = s.digits(4), let month = s.digits(2), let day = s.digits(2), s.take("T"),
              let hour = s.digits(2), let minute = s.digits(2), let second = s.digits(2), s.take("Z"), s.atEnd
        else { return nil }
        return millisFromFields(year, month, day, hour, minute, second)
    }

    /// SigV4's `20261204T050607Z` for a time.
    static func amzDate(millis: Int64) -> String {
        let t = Civil(millis: millis)
        return "\(pad(t.year, 4))\(pad(t.month, 2))\(pad(t.day, 2))T\(pad(t.hour, 2))\(pad(t.minute, 2))\(pad(t.second, 2))Z"
    }

    /// Reads RFC 1123 `Fri, 04 Dec 2026 05:06:07 GMT` (the form HTTP/1.1 requires senders to use); the weekday
    /// is not checked against the date. Nil for anything else.
    static func parseHTTPDate(_ text: String) -> Int64? {
        var s = Scanner(Array(text.utf8))
        guard s.skipLetters(3), s.take(","), s.take(" "), let day = s.digits(2), s.take(" "),
              let monthName = s.letters(3), let monthIndex = months.firstIndex(of: monthName), s.take(" "),
              let year = s.digits(4), s.take(" "), let hour = s.digits(2), s.take(":"), let minute = s.digits(2),
              s.take(":"), let second = s.digits(2), s.take(" "), s.take("G"), s.take("M"), s.take("T"), s.atEnd
        else { return nil }
        return millisFromFields(year, monthIndex + 1, day, hour, minute, second)
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func millisFromFields(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) -> Int64? {
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60, second < 60
        else { return nil }
        let days = daysFromCivil(Int64(year), Int64(month), Int64(day))
        return ((days * 24 + Int64(hour)) * 60 + Int64(minute)) * 60_000 + Int64(second) * 1000
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    private static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private struct Civil {
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millisecond = 0

        init(millis: Int64) {
            let days = floorDiv(millis, 86_400_000)
            var rest = Int(millis - days * 86_400_000)
            millisecond = rest % 1000
            rest /= 1000
            second = rest % 60
            minute = rest / 60 % 60
            hour = rest / 3600
            let z = days + 719_468
            let era = floorDiv(z, 146_097)
            let dayOfEra = z - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let mp = (5 * dayOfYear + 2) / 153
            day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
            month = Int(mp < 10 ? mp + 3 : mp - 9)
            year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
        }
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
    private static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// A cursor over ASCII bytes for the fixed-width formats above.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }

        mutating func take(_ char: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: char) else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int? {
            guard index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") else { return nil }
            defer { index += 1 }
            return Int(bytes[index] - UInt8(ascii: "0"))
        }

        mutating func digits(_ count: Int) -> Int? {
            var value = 0
            for _ in 0..<count {
                guard let d = digit() else { return nil }
                value = value * 10 + d
            }
            return value
        }

        mutating func sign() -> Int? {
            if take("+") { return 1 }
            if take("-") { return -1 }
            return nil
        }

        mutating func letters(_ count: Int) -> String? {
            guard index + count <= bytes.count else { return nil }
            let slice = bytes[index..<index + count]
            guard slice.allSatisfy({ ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") }) else { return nil }
            index += count
            return String(decoding: slice, as: UTF8.self)
        }

        mutating func skipLetters(_ count: Int) -> Bool { letters(count) != nil }
    }
}
