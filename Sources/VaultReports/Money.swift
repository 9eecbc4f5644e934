/// Money in minor units (cents for the two-decimal currencies every template files in), held as
/// an integer so that sums are exact: a regulator's total never depends on binary rounding.
public enum Money {
    /// The minor units of a decimal amount with at most two decimals (`"250.5"`, `"250.50"`,
    /// `"-3"`), or nil for anything else. JSON numbers are read from their text, so `250.5` as a
    /// number reads as it prints.
    public static func minorUnits(_ text: String) -> Int64? {
        var utf8 = Substring(text).utf8[...]
        var negative = false
        if utf8.first == UInt8(ascii: "-") { negative = true; utf8 = utf8.dropFirst() }
        var whole: Int64 = 0, fraction: Int64 = 0, fractionDigits = 0, wholeDigits = 0, seenDot = false
        for byte in utf8 {
            if byte == UInt8(ascii: ".") {
                guard !seenDot else { return nil }
                seenDot = true
                continue
            }
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let digit = Int64(byte - 0x30)
            if seenDot {
                fractionDigits += 1
                guard fractionDigits <= 2 else { return nil }
                fraction = fraction * 10 + digit
            } else {
                wholeDigits += 1
                guard wholeDigits <= 15 else { return nil }
                whole = whole * 10 + digit
            }
        }
        guard wholeDigits > 0, !seenDot || fractionDigits > 0 else { return nil }
        if fractionDigits == 1 { fraction *= 10 }
        let value = whole * 100 + fraction
        return negative ? -value : value
    }

    /// `-1234.50` for -123450: a dot and exactly two decimals, no grouping.
    public static func text(_ minorUnits: Int64) -> String {
        let magnitude = minorUnits.magnitude
        let cents = magnitude % 100
        return (minorUnits < 0 ? "-" : "") + String(magnitude / 100) + "." + (cents < 10 ? "0" : "") + String(cents)
    }

    /// `12.5%` style ratio of two counts with one decimal, rounded half up; `n/a` when the
    /// denominator is 0.
    public static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "n/a" }
        let tenths = (part * 1000 + whole / 2) / whole
        return String(tenths / 10) + "." + String(tenths % 10)
    }
}
