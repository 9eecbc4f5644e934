import Foundation
import VaultCore
import VaultFormat

/// Writing results: JSON lines to standard output, human text to standard error.
enum Output {
    static func json(_ value: JSONValue) {
        var bytes = value.canonicalBytes
        bytes.append(0x0A)
        FileHandle.standardOutput.write(Data(bytes))
    }

    static func raw(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

