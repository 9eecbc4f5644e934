import Foundation
import VaultConfiguration

/// Secrets and keys live in files that only their owner can read.
enum OwnerOnlyFile {
    /// The file's text; refuses a file that is missing, unreadable, or open to its group or others.
    static func read(_ path: String, what: String) throws -> String {
        var status = stat()
        guard stat(path, &status) == 0, let text = FileManager.default.contents(atPath: path).flatMap({ String(data: $0, encoding: .utf8) })
        else {
            throw ServerError.configuration("cannot read the \(what) \(path)")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw ServerError.configuration("the \(what) \(path) is readable by others (mode "
                + String(status.st_mode & 0o777, radix: 8) + "); chmod 600 it")
        }
        return text
    }
}
