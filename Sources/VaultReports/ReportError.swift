/// Why a report could not be made. Each case names what to fix.
public enum ReportError: Error, Equatable, CustomStringConvertible {
    case invalidPeriod(String)
    case unknownTemplate(String)
    /// A configuration option (its path, e.g. `licences[0].timeZone`) and what is wrong with it.
    case invalidConfiguration(option: String, problem: String)
    /// A record the template needs cannot be read as the schema says (docs/RECORDS.md).
    case unreadableRecord(seq: Int64, problem: String)
    case cadenceMismatch(template: String, cadence: Cadence, period: String)
    /// The record bytes do not match the commitment in their entry.
    case commitmentMismatch(seq: Int64)
    case pdf(String)

    public var description: String {
        switch self {
        case .invalidPeriod(let text):
            "\"\(text)\" is not a period: write a day (2026-11-20), an ISO week (2026-W47), a month (2026-11) or a quarter (2026-Q4)"
        case .unknownTemplate(let id):
            "there is no report template \"\(id)\" (`regvault report templates` lists them)"
        case .invalidConfiguration(let option, let problem): "report configuration: \(option): \(problem)"
        case .unreadableRecord(let seq, let problem): "record \(seq): \(problem)"
        case .cadenceMismatch(let template, let cadence, let period):
            "\(template) is filed \(cadence.rawValue); \(period) is not a \(cadence.rawValue) period"
        case .commitmentMismatch(let seq): "record \(seq) does not match the commitment in its log entry"
        case .pdf(let problem): "PDF: \(problem)"
        }
    }
}
