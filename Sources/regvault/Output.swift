import Foundation
import VaultCore
import VaultFormat

/// Writing results: JSON lines to standard output, human text to standard error.
enum Output {
    static func json(_ value: JSONValue) {
        var bytes = value.canonicalBytes
        bytes.append(0x0A)
        write(Data(bytes), to: .standardOutput)
    }

    static func raw(_ text: String) {
        write(Data(text.utf8), to: .standardOutput)
    }

    static func note(_ text: String) {
        write(Data((text + "\n").utf8), to: .standardError)
    }

    /// Writes `data`; when the reader went away (`regvault history ... | head`), stops quietly with
    /// the status of a program ended by SIGPIPE (141), as other command-line tools do.
    private static func write(_ data: Data, to handle: FileHandle) {
        do {
            try handle.write(contentsOf: data)
        } catch {
            exit(141)
        }
    }
}

