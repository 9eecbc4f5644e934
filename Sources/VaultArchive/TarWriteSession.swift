import CArchive
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// libarchive's pax writer on an open file descriptor: the mechanics behind ``ArchiveWriter``.
///
/// Output is deterministic: only the fields set here are written (no atime, ctime, owner
/// names or extended attributes), gzip is told to omit its timestamp, and the last block is
/// not padded.
///
/// The session owns its file descriptor: it closes it in ``finish()``, when released, or when
/// its initializer fails, and never before libarchive is done with it.
final class TarWriteSession {
    private let archive: OpaquePointer
    private var descriptor: Int32

    init(owning descriptor: Int32, compression: ArchiveCompression) throws(ArchiveError) {
        guard let archive = archive_write_new() else {
            close(descriptor)
            throw ArchiveError(code: .cannotOpen, reason: "libarchive could not allocate a writer")
        }
        do throws(ArchiveError) {
            try UTF8CType.run { () throws(ArchiveError) in
                try Self.configure(archive, descriptor: descriptor, compression: compression)
            }
        } catch {
            archive_write_free(archive)
            close(descriptor)
            throw error
        }
        self.archive = archive
        self.descriptor = descriptor
    }

    deinit {
        UTF8CType.run { _ = archive_write_free(archive) }
        if descriptor >= 0 {
            close(descriptor)
        }
    }

    /// Writes the header of a regular file: mode 0444, uid/gid 0, no owner names.
    func writeHeader(path: String, size: Int64, modificationTime: Int64) throws(ArchiveError) {
        try UTF8CType.run { () throws(ArchiveError) in
            guard let entry = archive_entry_new() else {
                throw ArchiveError(code: .writeFailed, member: path, reason: "libarchive could not allocate an entry")
            }
            defer { archive_entry_free(entry) }
            archive_entry_set_pathname_utf8(entry, path)
            archive_entry_set_filetype(entry, 0o100000)  // AE_IFREG, not imported into Swift
            archive_entry_set_perm(entry, 0o444)
            archive_entry_set_uid(entry, 0)
            archive_entry_set_gid(entry, 0)
            archive_entry_set_size(entry, size)
            archive_entry_set_mtime(entry, time_t(modificationTime), 0)
            try check(archive_write_header(archive, entry), member: path, doing: "write the header")
        }
    }

    /// Writes the next part of the current member's data.
    func writeData(_ buffer: UnsafeRawBufferPointer, member: String) throws(ArchiveError) {
        guard let base = buffer.baseAddress, !buffer.isEmpty else {
            return
        }
        let written = UTF8CType.run { archive_write_data(archive, base, buffer.count) }
        guard written == buffer.count else {
            throw ArchiveError(
                code: .writeFailed, member: member,
                reason: "wrote \(written) of \(buffer.count) bytes: \(message(of: archive))")
        }
    }

    /// Completes the current member.
    func finishEntry(member: String) throws(ArchiveError) {
        try UTF8CType.run { () throws(ArchiveError) in
            try check(archive_write_finish_entry(archive), member: member, doing: "finish the member")
        }
    }

    /// Writes the end-of-archive marker, flushes every filter, then flushes the file to stable
    /// storage and closes it.
    func finish() throws(ArchiveError) {
        try UTF8CType.run { () throws(ArchiveError) in
            try check(archive_write_close(archive), member: nil, doing: "close the archive")
        }
        let descriptor = self.descriptor
        self.descriptor = -1
        try PosixFile.syncAndClose(descriptor)
    }

    private func check(_ status: Int32, member: String?, doing action: String) throws(ArchiveError) {
        guard status == ARCHIVE_OK else {
            throw ArchiveError(code: .writeFailed, member: member, reason: "cannot \(action): \(message(of: archive))")
        }
    }

    private static func configure(
        _ archive: OpaquePointer, descriptor: Int32, compression: ArchiveCompression
    ) throws(ArchiveError) {
        func require(_ status: Int32, _ action: String) throws(ArchiveError) {
            guard status == ARCHIVE_OK else {
                throw ArchiveError(code: .cannotOpen, reason: "cannot \(action): \(message(of: archive))")
            }
        }
        try require(archive_write_set_format_pax(archive), "select the pax format")
        switch compression {
        case .none:
            break
        case .gzip:
            // ARCHIVE_WARN here would mean an external gzip program; only built-in zlib is accepted.
            try require(archive_write_add_filter_gzip(archive), "enable built-in gzip")
            // Without this libarchive stores the current time in the gzip header.
            try require(archive_write_set_filter_option(archive, "gzip", "timestamp", nil), "omit the gzip timestamp")
        case .zstd:
            try require(archive_write_add_filter_zstd(archive), "enable built-in zstd")
        }
        try require(archive_write_set_bytes_in_last_block(archive, 1), "disable last-block padding")
        try require(archive_write_open_fd(archive, descriptor), "start the archive")
    }
}

/// libarchive's description of its last error.
func message(of archive: OpaquePointer) -> String {
    archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
}
