import Foundation

/// A temporary folder only the vault's user can read, for what a program must read from a file.
struct PrivateFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "regvault-" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Writes `bytes` to `name` inside, mode 0600; returns its path.
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        guard FileManager.default.createFile(atPath: file, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw PrivateFolderError(description: "cannot write a temporary file in \(path) (is the disk full?)")
        }
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

struct PrivateFolderError: Error, CustomStringConvertible {
    let description: String
}
