/// CSV fields for people who open them in a spreadsheet: RFC 4180 quoting, and a leading `=`,
/// `+`, `-` or `@` prefixed with `'` so that the spreadsheet does not run the field as a formula.
/// Used by every listing the vault and its verifier write for people.
public enum SpreadsheetCSV {
    public static func field(_ value: String) -> String {
        var field = value
        if let first = field.first, "=+-@".contains(first) { field = "'" + field }
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
