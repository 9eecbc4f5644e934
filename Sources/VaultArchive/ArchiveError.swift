/// Why an archive could not be read or written.
///
/// Two errors are equal when their ``code``s are equal: ``member`` and ``reason`` are
/// diagnostics for people, and their wording may change.
public struct ArchiveError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The kind of failure. The raw values are stable and suitable for logs and reports.
    public enum Code: String, Sendable {
        /// The file could not be opened, or is not a regular file, or the platform lacks
        /// something the library needs (built-in decompression, a UTF-8 C locale).
        case cannotOpen = "cannot_open"
        /// The archive is not a tar archive, or is truncated, damaged or inconsistent.
        case corrupt
        /// A member path is not a safe, canonical, relative UTF-8 path.
        case unsafePath = "unsafe_path"
        /// A member is a link, directory, device, FIFO or anything else but a regular file.
        case notRegularFile = "not_regular_file"
        /// A member path repeats an earlier one, or one of them would need to be both
        /// a file and a directory.
        case duplicateMember = "duplicate_member"
        /// A member, or the archive as a whole, exceeds an ``ArchiveLimits`` size, or the
        /// compressed stream inflates more than ``ArchiveLimits/maxCompressionRatio`` allows.
        case tooLarge = "too_large"
        /// The archive has more members than ``ArchiveLimits/maxMembers``.
        case tooManyMembers = "too_many_members"
        /// Writing the archive failed, or the writer was misused.
        case writeFailed = "write_failed"
    }

    /// The kind of failure; the only part that takes part in equality.
    public let code: Code
    /// The member path concerned, when the failure is about one member.
    public let member: String?
    /// A human-readable explanation.
    public let reason: String

    public init(code: Code, member: String? = nil, reason: String) {
        self.code = code
        self.member = member
        self.reason = reason
    }

    public static func == (lhs: ArchiveError, rhs: ArchiveError) -> Bool {
        lhs.code == rhs.code
    }

    /// `code: reason`, or `code: member "path": reason`, with control characters escaped so
    /// that hostile member names cannot forge log lines.
    public var description: String {
        var text = code.rawValue + ": "
        if let member {
            text += "member \"" + Self.escaped(member) + "\": "
        }
        return text + Self.escaped(reason)
    }

    private static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar == "\"" || scalar == "\\" {
                result += scalar.escaped(asASCII: true)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
