#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import VaultFormat
public import VaultStore

/// The files of one vault in its data directory:
///
/// | file | what |
/// |---|---|
/// | `vault.sqlite` (+ `-wal`, `-shm`) | the log, records and checkpoints (the embedded default) |
/// | `postgres.url` | instead of `vault.sqlite`: the PostgreSQL database that holds them, mode 0600 |
/// | `log.key` | the log's Ed25519 signing key, `PRIVATE+KEY+origin+id+key`, mode 0600 |
/// | `log.pub` | the verifier key string anyone may have |
/// | `writer.lock` | held (flock) by the one process that writes |
/// | `last-signed-head` | the newest checkpoint this directory's writer committed (`LastSignedHead`) |
/// | `retention/` | the retention policies in force, one JSON file per jurisdiction |
/// | `keys/` | the data keys that encrypt record bodies at rest (`DataKeys`), mode 0700 |
/// | `objects/` | stored object versions, sealed, one read-only file each (`ObjectFiles`); in PostgreSQL, only multipart uploads in progress |
/// | `vault.sqlite.migrated` | after `regvault migrate`: the SQLite database the vault was moved from, no longer read |
public struct VaultDirectory: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var databasePath: String { path + "/vault.sqlite" }
    /// The PostgreSQL URL of a vault kept in PostgreSQL (it holds the database password).
    public var postgresLocationPath: String { path + "/postgres.url" }
    public var signingKeyPath: String { path + "/log.key" }
    public var verifierKeyPath: String { path + "/log.pub" }
    var writerLockPath: String { path + "/writer.lock" }
    public var retentionPath: String { path + "/retention" }
    public var keysPath: String { path + "/keys" }
    public var objectsPath: String { path + "/objects" }

    /// Writes the policy files (each as its file was written) into `retention/`.
    func writePolicies(_ policies: RetentionPolicySet) throws {
        try FileManager.default.createDirectory(atPath: retentionPath, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        for policy in policies.policies {
            try Data(policy.fileBytes).write(to: URL(fileURLWithPath: retentionPath + "/" + policy.id + ".json"),
                                             options: .atomic)
        }
    }

    /// True if the directory holds a vault (in SQLite, or the location of one in PostgreSQL).
    public var exists: Bool {
        FileManager.default.fileExists(atPath: databasePath) || FileManager.default.fileExists(atPath: postgresLocationPath)
    }

    /// The PostgreSQL database of a vault kept there, or nil for the embedded SQLite database.
    public func postgresLocation() throws -> PostgresLocation? {
        guard let bytes = FileManager.default.contents(atPath: postgresLocationPath) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            return try PostgresLocation(url: text)
        } catch {
            throw VaultError(.integrity, "\(postgresLocationPath): \(error)")
        }
    }

    /// Records that the vault is kept in the PostgreSQL database at `url` (mode 0600: it holds the password).
    func writePostgresLocation(_ url: String) throws {
        let fd = open(postgresLocationPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw VaultError(.alreadyExists, "cannot create \(postgresLocationPath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let text = Array((url + "\n").utf8)
        guard text.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == text.count, fsync(fd) == 0 else {
            throw VaultError(.keyFile, "cannot write \(postgresLocationPath): \(String(cString: strerror(errno)))")
        }
    }

    /// The store the directory's vault is kept in: its SQLite database, or the PostgreSQL database
    /// its `postgres.url` names.
    func openStore(cipher: RecordCipher) throws -> any VaultStorage {
        if let location = try postgresLocation() {
            return try PostgresStore(location: location, cipher: cipher)
        }
        return try SQLiteStore(path: databasePath, cipher: cipher)
    }

    /// Who takes the sequencer lease for this directory's writer: the host and the directory, so a
    /// restarted writer takes its own lease back at once.
    var sequencerHolder: String {
        (ProcessInfo.processInfo.hostName) + ":" + path
    }

    /// Writes the signing key with mode 0600 (created exclusively: an existing key is never replaced).
    func writeSigningKey(_ signer: NoteSigner) throws {
        let fd = open(signingKeyPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw VaultError(.keyFile, "cannot create \(signingKeyPath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let text = Array((signer.privateKeyText + "\n").utf8)
        guard text.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == text.count, fsync(fd) == 0 else {
            throw VaultError(.keyFile, "cannot write \(signingKeyPath): \(String(cString: strerror(errno)))")
        }
    }

    /// Reads the public verifier key.
    func readVerifierKey() throws -> NoteVerifierKey {
        do {
            let text = try String(contentsOfFile: verifierKeyPath, encoding: .utf8)
            return try NoteVerifierKey(text.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch let error as VaultFormatError {
            throw VaultError(.keyFile, "\(verifierKeyPath) is not a verifier key: \(error)")
        } catch {
            throw VaultError(.keyFile, "cannot read the verifier key \(verifierKeyPath): \(error.localizedDescription)")
        }
    }

    /// Reads the signing key, refusing a key file that others can read.
    func readSigningKey() throws -> NoteSigner {
        var info = stat()
        guard stat(signingKeyPath, &info) == 0 else {
            throw VaultError(.keyFile, "cannot read the log key \(signingKeyPath): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw VaultError(.keyFile, "the log key \(signingKeyPath) is readable by others; run chmod 600 on it")
        }
        let text = try String(contentsOfFile: signingKeyPath, encoding: .utf8)
        do {
            return try NoteSigner(privateKeyText: text)
        } catch {
            throw VaultError(.keyFile, "the log key \(signingKeyPath) is not a signed-note private key: \(error)")
        }
    }
}

/// An exclusive, advisory lock on the vault's writer role, held while the object lives; with a
/// store, also the store's sequencer role (PostgreSQL: its fenced lease), given up with the lock.
final class WriterLock: Sendable {
    private let fd: Int32
    private let sequencing: (any LogStorage)?

    /// Takes the lock, then (with `store`) the store's sequencer role for `holder`.
    convenience init(path: String, sequencing store: any LogStorage, holder: String) throws {
        try self.init(path: path, store: store)
        do {
            try store.becomeSequencer(holder: holder)
        } catch let error as StorageError where error.code == .sequencerBusy {
            throw VaultError(.sequencerBusy, error.reason)
        }
    }

    convenience init(path: String) throws {
        try self.init(path: path, store: nil)
    }

    private init(path: String, store: (any LogStorage)?) throws {
        self.sequencing = store
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw VaultError(.writerBusy, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw VaultError(.writerBusy, "another process is writing to this vault (the server or an append); "
                + "stop it or send the records through it")
        }
        self.fd = fd
    }

    deinit {
        sequencing?.resignSequencer()
        flock(fd, LOCK_UN)
        close(fd)
    }
}
