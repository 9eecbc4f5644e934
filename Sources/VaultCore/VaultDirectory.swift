#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import VaultFormat

/// The files of one vault in its data directory:
///
/// | file | what |
/// |---|---|
/// | `vault.sqlite` (+ `-wal`, `-shm`) | the log, records and checkpoints |
/// | `log.key` | the log's Ed25519 signing key, `PRIVATE+KEY+origin+id+key`, mode 0600 |
/// | `log.pub` | the verifier key string anyone may have |
/// | `writer.lock` | held (flock) by the one process that writes |
/// | `retention/` | the retention policies in force, one JSON file per jurisdiction |
/// | `keys/` | the data keys that encrypt record bodies at rest (`DataKeys`), mode 0700 |
/// | `objects/` | stored object versions, sealed, one read-only file each (`ObjectFiles`) |
public struct VaultDirectory: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var databasePath: String { path + "/vault.sqlite" }
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

    /// True if the directory holds a vault.
    public var exists: Bool { FileManager.default.fileExists(atPath: databasePath) }

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

/// An exclusive, advisory lock on the vault's writer role, held while the object lives.
final class WriterLock: Sendable {
    private let fd: Int32

    init(path: String) throws {
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
        flock(fd, LOCK_UN)
        close(fd)
    }
}
