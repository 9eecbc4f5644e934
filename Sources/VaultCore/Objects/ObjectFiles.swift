#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import VaultStore

/// The files of stored object versions: `objects/<first two characters of the version id>/<version
/// id>`, each sealed with the data key (AES-256-GCM, bound to its version id) and read-only once
/// written. A version id is 32 random hex digits; the version's record has the event id
/// `object:<version id>`, which stays when the record is erased, so the sweeper knows which file to
/// remove.
///
/// Write order, which is the durability argument: write a temporary file in the target directory,
/// fsync it, make it read-only, rename it into place, fsync the directory. Only then is the version
/// recorded in the log; a crash in between leaves an unreferenced file, never a record without bytes.
///
/// With a `database` (a vault kept in PostgreSQL), the sealed bytes go to the database instead, in
/// the same order, so that every node of the vault reads what any node stored.
struct ObjectFiles: Sendable {
    let directory: String
    let cipher: RecordCipher
    let database: (any ObjectBytesStorage)?

    init(directory: String, cipher: RecordCipher, database: (any ObjectBytesStorage)? = nil) {
        self.directory = directory
        self.cipher = cipher
        self.database = database
    }

    static let eventIdPrefix = "object:"

    static func newVersionId() -> String {
        SecureRandom.bytes(16).map { String(format: "%02x", $0) }.joined()
    }

    func path(versionId: String) -> String {
        directory + "/" + versionId.prefix(2) + "/" + versionId
    }

    /// Every version file in `directory` (a vault on SQLite), by version id: not the multipart
    /// uploads in progress, nor a temporary file a crash left behind.
    func versionFiles() throws -> [(versionId: String, path: String)] {
        let shards = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.count == 2 }.sorted()
        return try shards.flatMap { shard in
            try FileManager.default.contentsOfDirectory(atPath: directory + "/" + shard).sorted()
                .filter { !$0.hasPrefix(".") }
                .map { (versionId: $0, path: path(versionId: $0)) }
        }
    }

    /// Seals and durably writes the bytes of a new version. Refuses to replace an existing file.
    func write(_ bytes: Data, versionId: String) throws {
        let sealed = try cipher.seal(object: bytes, versionId: versionId)
        if let database {
            guard try database.writeObject(sealed, versionId: versionId) else {
                throw VaultError(.conflict, "object version \(versionId) already exists")
            }
            return
        }
        let target = path(versionId: versionId)
        let folder = (target as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let temporary = folder + "/.tmp-" + versionId
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ObjectFiles.failure("create", temporary) }
        var written = 0
        let ok = sealed.withUnsafeBytes { raw -> Bool in
            while written < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + written, raw.count - written)
                if n <= 0 { return false }
                written += n
            }
            return fsync(fd) == 0 && fchmod(fd, 0o400) == 0
        }
        close(fd)
        guard ok else {
            unlink(temporary)
            throw ObjectFiles.failure("write", temporary)
        }
        guard access(target, F_OK) != 0 else {
            unlink(temporary)
            throw VaultError(.conflict, "object version \(versionId) already exists")
        }
        guard rename(temporary, target) == 0 else {
            unlink(temporary)
            throw ObjectFiles.failure("rename into", target)
        }
        let dirFd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirFd >= 0, fsync(dirFd) == 0 else {
            if dirFd >= 0 { close(dirFd) }
            throw ObjectFiles.failure("fsync", folder)
        }
        close(dirFd)
    }

    /// Reads and opens a version's bytes.
    func read(versionId: String) throws -> Data {
        if let database {
            guard let sealed = try database.readObject(versionId: versionId) else {
                throw VaultError(.integrity, "the bytes of object version \(versionId) are missing from the database")
            }
            return try cipher.open(object: sealed, versionId: versionId)
        }
        guard let sealed = FileManager.default.contents(atPath: path(versionId: versionId)) else {
            throw VaultError(.integrity, "the bytes of object version \(versionId) are missing from \(directory)")
        }
        return try cipher.open(object: sealed, versionId: versionId)
    }

    /// Removes the file of the version whose record has `eventId` (after its erasure).
    func remove(eventId: String) throws {
        guard eventId.hasPrefix(ObjectFiles.eventIdPrefix) else { return }
        let versionId = String(eventId.dropFirst(ObjectFiles.eventIdPrefix.count))
        if let database { return try database.clearObject(versionId: versionId) }
        let target = path(versionId: versionId)
        guard unlink(target) == 0 || errno == ENOENT else { throw ObjectFiles.failure("remove", target) }
    }

    private static func failure(_ what: String, _ path: String) -> VaultError {
        VaultError(.integrity, "cannot \(what) \(path): \(String(cString: strerror(errno)))")
    }
}

/// `write(2)`, named apart from the methods called `write`.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
