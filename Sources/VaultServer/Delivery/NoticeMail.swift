import Foundation
import VaultCore
import VaultFormat

/// The e-mail a delivery sends: an RFC 5322 plain-text message made from the delivery's payload
/// (the same canonical JSON a webhook would carry), saying what was filed or raised, its digests,
/// its deadlines and where to read it. It never carries a report's files, player identifiers or
/// anything else personal: those are read over the vault's authenticated routes.
///
/// The same delivery always makes the same message (its `Date` is the delivery's enqueue time and
/// its `Message-ID` the delivery id), so a repeat after a crash can be recognised by the receiver.
struct NoticeMail {
    let subject: String
    let text: String

    /// The message for `payload` (a delivery body), `link` the vault's address for its routes.
    init(payload: [UInt8], delivery: Delivery, linkBase: String?) throws {
        guard let object = try JSONParser.parse(payload).objectValue, let data = object["data"]?.objectValue else {
            throw DeliveryPayloadError("the notice's payload is not a JSON object with data")
        }
        let digest = Hash.sha256(payload).hex
        var lines: [String]
        switch object["type"]?.stringValue {
        case "report.filed":
            let report = data["report"]?.objectValue ?? [:]
            let template = report["template"]?.stringValue ?? "report"
            let period = report["period"]?.stringValue ?? ""
            subject = "[RegVault] Report filed: \(template) \(period)"
            lines = ["The operator's audit vault filed a regulatory report.", "",
                     "Template:    \(template) (version \(report["templateVersion"]?.numberText ?? "?"))",
                     "Licence:     \(report["licence"]?.stringValue ?? "") \(report["licenceNumber"]?.stringValue ?? "")",
                     "Period:      \(period) (\(report["periodStart"]?.stringValue ?? "") to \(report["periodEnd"]?.stringValue ?? ""))",
                     "Version:     \(report["reportVersion"]?.numberText ?? "1")"
                        + (report["replaces"]?.stringValue.map { ", replacing \($0)" } ?? ""),
                     "Log entry:   event \(report["eventId"]?.stringValue ?? ""), seq \(report["seq"]?.numberText ?? "")",
                     "", "Files (fetch them over the regulator routes; each must have this SHA-256):"]
            for file in data["files"]?.arrayValue ?? [] {
                let file = file.objectValue ?? [:]
                lines.append("  \(file["name"]?.stringValue ?? "?")  \(file["size"]?.numberText ?? "?") bytes  "
                    + "sha256 \(file["sha256"]?.stringValue ?? "?")")
            }
            if let eventId = report["eventId"]?.stringValue, !period.isEmpty {
                lines += ["", "Read it: " + NoticeMail.link(linkBase, "/regulator/reports/\(period)/\(eventId)")
                            + (linkBase == nil ? " (on the vault's inspector API)" : "")]
            }
        case "incident.raised":
            let incident = data["incident"]?.objectValue ?? [:]
            let state = incident["state"]?.objectValue ?? [:]
            let severity = state["severity"]?.stringValue ?? "?"
            let kind = state["kind"]?.stringValue ?? "incident"
            let jurisdiction = incident["jurisdiction"]?.stringValue ?? ""
            let entity = incident["entity"]?.objectValue?["id"]?.stringValue ?? ""
            subject = "[RegVault] \(severity) incident: \(kind) (\(jurisdiction))"
            let players = state["players"]?.arrayValue?.count ?? 0
            lines = ["The operator's audit vault recorded a \(severity) incident.", "",
                     "Incident:     \(entity)", "Kind:         \(kind)", "Jurisdiction: \(jurisdiction)",
                     "Occurred at:  \(incident["occurredAt"]?.stringValue ?? "")",
                     "Log entry:    event \(incident["eventId"]?.stringValue ?? ""), seq \(data["seq"]?.numberText ?? "")",
                     "Players:      \(players) concerned (identifiers are not sent by e-mail)"]
            let deadlines = data["deadlines"]?.arrayValue ?? []
            if !deadlines.isEmpty {
                lines += ["", "Deadlines:"]
                for deadline in deadlines {
                    let deadline = deadline.objectValue ?? [:]
                    lines.append("  \(deadline["regime"]?.stringValue ?? "")  due \(deadline["dueAt"]?.stringValue ?? "")  "
                        + "(\(deadline["rule"]?.stringValue ?? ""))")
                }
            }
            if let access = data["access"]?.objectValue, let url = access["url"]?.stringValue {
                lines += ["", "Read this incident's logs (read-only, with the client certificate you use for this vault, "
                            + "until \(access["expiresAt"]?.stringValue ?? "")):", "  " + url]
            }
        default:
            throw DeliveryPayloadError("a \(object["type"]?.stringValue ?? "notice") is not sent by e-mail")
        }
        lines += ["", "Evidence: this notice is delivery \(delivery.id) (its Message-ID); the SHA-256 of its canonical JSON is",
                  "\(digest). The operator's vault records every attempt to send it, with the digest of this message,",
                  "in its signed log."]
        // Values come from records: a line break or other control character inside one becomes a
        // space, so nothing a client wrote can end a line (or the DATA) early.
        text = lines.map(NoticeMail.singleLine).joined(separator: "\r\n") + "\r\n"
    }

    /// `text` with every control character (line breaks included) replaced by a space.
    static func singleLine(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
    }

    /// `path` under the vault's address as regulators reach it, or the path alone without one.
    static func link(_ base: String?, _ path: String) -> String {
        guard let base else { return path }
        return (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
    }

    /// The whole message, CRLF line ends, headers free of line breaks, a non-ASCII subject in RFC 2047.
    func message(from: String, to: [String], delivery: Delivery, payloadSha256: String) -> [UInt8] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let date = formatter.string(from: Date(timeIntervalSince1970: Double(delivery.enqueuedAt) / 1000))
        let headers = [
            ("From", from), ("To", to.joined(separator: ", ")), ("Subject", NoticeMail.encodedHeader(subject)), ("Date", date),
            ("Message-ID", "<\(delivery.id)@regvault.delivery>"), ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "8bit"),
            ("X-RegVault-Delivery", delivery.id), ("X-RegVault-Payload-SHA256", payloadSha256),
        ]
        let head = headers.map { "\($0.0): \(NoticeMail.singleLine($0.1))" }.joined(separator: "\r\n")
        return Array((head + "\r\n\r\n" + text).utf8)
    }

    /// `text` as a header value: as is when printable ASCII, else an RFC 2047 encoded word.
    static func encodedHeader(_ text: String) -> String {
        let clean = text.filter { !$0.isNewline && !($0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false) }
        if clean.allSatisfy({ $0.isASCII }) { return clean }
        return "=?UTF-8?B?" + Data(clean.utf8).base64EncodedString() + "?="
    }
}
