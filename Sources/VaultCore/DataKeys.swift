#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import Foundation
import VaultStore

/// The vault's data keys, which encrypt record bodies and object bytes at rest: one file per key in
/// `keys/` (mode 0700), named `data-NNNN.key` after the key's id, holding 64 hex digits, mode 0600.
/// The highest id is the active key; older keys stay so that what they sealed can still be read.
///
/// They protect the vault's files wherever they are copied without the data directory's `keys/`
/// (backups, replicas, a disk sent for repair). They do not protect against someone who can read
/// the whole data directory; keep `keys/` on the appliance, or move it to a KMS.
enum DataKeys {
    /// Creates the next data key and returns its id.
    @discardableResult
    static func generate(in directory: VaultDirectory) throws -> UInt32 {
        try FileManager.default.createDirectory(atPath: directory.keysPath, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let id = (try existingIds(in: directory).max() ?? 0) + 1
        let key = SymmetricKey(size: .bits256)
        let hex = key.withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() } + "\n"
        let path = directory.keysPath + "/" + fileName(id)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw VaultError(.keyFile, "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(hex.utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count, fsync(fd) == 0 else {
            throw VaultError(.keyFile, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        return id
    }

    /// Reads every data key, refusing key files others can read.
    static func load(from directory: VaultDirectory) throws -> RecordCipher {
        var keys: [UInt32: SymmetricKey] = [:]
        for id in try existingIds(in: directory) {
            let path = directory.keysPath + "/" + fileName(id)
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & 0o077 == 0 else {
                throw VaultError(.keyFile, "the data key \(path) is readable by others; run chmod 600 on it")
            }
            let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let bytes = hexBytes(text), bytes.count == 32 else {
                throw VaultError(.keyFile, "the data key \(path) is not 64 hex digits")
            }
            keys[id] = SymmetricKey(data: bytes)
        }
        guard !keys.isEmpty else {
            throw VaultError(.keyFile, "no data keys in \(directory.keysPath); record bodies cannot be read without them")
        }
        return RecordCipher(keys: keys)
    }

    static func existingIds(in directory: VaultDirectory) throws -> [UInt32] {
        guard FileManager.default.fileExists(atPath: directory.keysPath) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: directory.keysPath).compactMap { name in
            guard name.hasPrefix("data-"), name.hasSuffix(".key") else { return nil }
            return UInt32(name.dropFirst(5).dropLast(4))
        }.sorted()
    }

    static func fileName(_ id: UInt32) -> String {
        let digits = String(id)
        return "data-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits + ".key"
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: chars.count, by: 2) {
            guard let byte = UInt8(String(decoding: chars[i...i + 1], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }
}
