import Foundation

/// What every report says about itself, in every format: title, template and version, licence,
/// period, generated-at, the checkpoint it was computed against, and "no activity" when the
/// period has none.
public struct ReportHeader: Sendable {
    public let lines: [(label: String, value: String)]

    public init(template: any ReportTemplate, context: ReportContext, noActivity: Bool) {
        let span = context.span
        var lines: [(String, String)] = [
            ("title", template.title),
            ("template", "\(template.id) version \(template.version)"),
            ("licence", "\(context.licence.licenceNumber) (\(context.licence.jurisdiction))"),
            ("period", "\(context.period.label) (\(utcText(millis: span.start)) to \(utcText(millis: span.end)))"),
            ("generated at", utcText(millis: context.generatedAt)),
            ("checkpoint", "size \(context.checkpointSize) root \(context.checkpointRoot)"),
            ("report version", String(context.reportVersion)),
            ("currency", context.licence.currency),
        ]
        if noActivity { lines.append(("activity", "no activity in this period")) }
        self.lines = lines
    }
}

/// RFC 4180 CSV: comma-separated, CRLF line ends, fields quoted when they hold a comma, quote or
/// line break. The report's header comes first as `# label: value` lines (readers such as
/// pandas take them with `comment="#"`), then one line of column names, then the rows.
public struct CSVTable: Sendable {
    public let columns: [String]
    public private(set) var rows: [[String]] = []

    public init(columns: [String]) { self.columns = columns }

    public mutating func append(_ row: [String]) {
        precondition(row.count == columns.count, "a row has one field per column")
        rows.append(row)
    }

    public func bytes(header: ReportHeader) -> [UInt8] {
        var text = ""
        for (label, value) in header.lines { text += "# \(label): \(value)\r\n" }
        text += columns.map(Self.field).joined(separator: ",") + "\r\n"
        for row in rows { text += row.map(Self.field).joined(separator: ",") + "\r\n" }
        return Array(text.utf8)
    }

    static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "#" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A small XML writer: elements in the order written, two-space indentation, text escaped.
public struct XMLWriter: Sendable {
    private var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    private var open: [String] = []

    public init(header: ReportHeader) {
        text += "<!--\n"
        for (label, value) in header.lines { text += "  \(label): \(Self.escape(value).replacingOccurrences(of: "--", with: "- -"))\n" }
        text += "-->\n"
    }

    public mutating func start(_ name: String, attributes: [(String, String)] = []) {
        text += String(repeating: "  ", count: open.count) + "<" + name
        for (key, value) in attributes { text += " \(key)=\"\(Self.escape(value))\"" }
        text += ">\n"
        open.append(name)
    }

    public mutating func element(_ name: String, _ value: String) {
        text += String(repeating: "  ", count: open.count) + "<\(name)>\(Self.escape(value))</\(name)>\n"
    }

    public mutating func end() {
        let name = open.removeLast()
        text += String(repeating: "  ", count: open.count) + "</\(name)>\n"
    }

    public var bytes: [UInt8] {
        precondition(open.isEmpty, "every element is closed")
        return Array(text.utf8)
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
