public import Foundation

/// Where gaming days begin and end in time for one licence: local midnight plus a cut-off (a
/// casino whose day closes at 06:00 local has `cutoffMinutes` 360), in an IANA time zone, so
/// summer time moves the boundary with the clock. Payments and other events belong to the gaming
/// day whose span holds their `occurredAt`; a gaming record names its `gamingDay` itself.
public struct GamingCalendar: Sendable, Equatable {
    public let timeZone: TimeZone
    public let cutoffMinutes: Int

    /// UTC with the day starting at midnight.
    public static let utc = GamingCalendar(timeZone: TimeZone(identifier: "UTC")!, cutoffMinutes: 0)

    public init(timeZone: TimeZone, cutoffMinutes: Int) {
        self.timeZone = timeZone
        self.cutoffMinutes = cutoffMinutes
    }

    /// The time (milliseconds since the epoch) gaming day `day` starts.
    public func start(ofDay day: Int) -> Int64 {
        // Local wall time of the start, as if it were UTC, then corrected by the zone's offset at that
        // instant (twice, so an offset change between the guess and the answer is taken into account).
        let wall = Int64(day) * 86_400 + Int64(cutoffMinutes) * 60
        var utc = wall - Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(wall))))
        utc = wall - Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utc))))
        return utc * 1000
    }

    /// The gaming day that holds instant `millis`.
    public func day(at millis: Int64) -> Int {
        let seconds = Int(millis.dividedRoundingDown(by: 1000))
        let local = seconds + timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))) - cutoffMinutes * 60
        var day = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        // Near a change of offset the local reading can be off by one; settle it on the boundaries.
        while start(ofDay: day) > millis { day -= 1 }
        while start(ofDay: day + 1) <= millis { day += 1 }
        return day
    }

    /// `[start, end)` of a period in milliseconds since the epoch.
    public func span(of period: ReportPeriod) -> (start: Int64, end: Int64) {
        (start(ofDay: period.firstDay), start(ofDay: period.firstDay + period.dayCount))
    }
}

extension Int64 {
    func dividedRoundingDown(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for milliseconds since the epoch (whole seconds).
public func utcText(millis: Int64) -> String {
    let seconds = Int(millis.dividedRoundingDown(by: 1000))
    let day = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    let second = seconds - day * 86_400
    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return CivilDate.text(days: day) + "T" + two(second / 3600) + ":" + two(second / 60 % 60) + ":" + two(second % 60) + "Z"
}
