#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations the reader and writer need, with errors as ``ArchiveError``.
enum PosixFile {
    /// Opens an existing regular file read-only. Never blocks on a FIFO and refuses anything
    /// that is not a regular file (directories, devices, FIFOs, sockets).
    static func openForReading(_ path: String) throws(ArchiveError) -> Int32 {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw ArchiveError(code: .cannotOpen, reason: "cannot open \(path): \(lastError())")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw ArchiveError(code: .cannotOpen, reason: "\(path) is not a regular file")
        }
        return descriptor
    }

    /// Creates `path`, which must not exist yet, for writing.
    static func createNew(_ path: String) throws(ArchiveError) -> Int32 {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0o644)
        guard descriptor >= 0 else {
            throw ArchiveError(code: .cannotOpen, reason: "cannot create \(path): \(lastError())")
        }
        return descriptor
    }

    /// Flushes `descriptor` to stable storage, then closes it (even when flushing fails).
    static func syncAndClose(_ descriptor: Int32) throws(ArchiveError) {
        guard fsync(descriptor) == 0 else {
            let reason = lastError()
            close(descriptor)
            throw ArchiveError(code: .writeFailed, reason: "cannot flush the archive: \(reason)")
        }
        guard close(descriptor) == 0 else {
            throw ArchiveError(code: .writeFailed, reason: "cannot close the archive: \(lastError())")
        }
    }

    /// Atomically replaces `destination` with `source`, then makes the rename durable by
    /// syncing the containing directory where the file system allows it.
    static func publish(_ source: String, as destination: String) throws(ArchiveError) {
        guard rename(source, destination) == 0 else {
            throw ArchiveError(code: .writeFailed, reason: "cannot rename to \(destination): \(lastError())")
        }
        let directory = open(parentDirectory(of: destination), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }

    /// Removes `path`, ignoring failure; for cleaning up after errors.
    static func removeQuietly(_ path: String) {
        _ = unlink(path)
    }

    private static func parentDirectory(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else {
            return "."
        }
        let parent = String(decoding: path.utf8[..<slash], as: UTF8.self)
        return parent.isEmpty ? "/" : parent
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
