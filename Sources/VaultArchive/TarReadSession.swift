import CArchive
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// libarchive's tar reader on an open file descriptor: the mechanics behind ``ArchiveReader``.
///
/// Only tar formats (pax, ustar, GNU, v7) are enabled, with gzip, xz and zstd decompression
/// built into libarchive; libarchive is never allowed to start an external program. Any
/// warning is treated as corruption, and the end of the archive is accepted only after an
/// end-of-archive marker, so an archive cut at a member boundary is reported as corrupt.
///
/// The session owns its file descriptor and closes it when released, or when its initializer
/// fails, after libarchive is done with it.
final class TarReadSession {
    /// What a member header says, copied out of libarchive.
    struct Header {
        /// The path bytes exactly as stored, or `nil` when the header has none.
        var rawPath: [UInt8]?
        /// The `AE_IF*` file type bits.
        var fileType: UInt32
        var isHardLink: Bool
        var isSymbolicLink: Bool
        /// Whether the member is a sparse file, whose holes libarchive would fill with zeros
        /// that the tar stream does not hold.
        var isSparse: Bool
        /// The declared data size, or `nil` when the header has none.
        var size: Int64?
        var modificationTime: Int64

        /// `nil` for a regular file, otherwise what the member is, for error messages.
        var nonRegularKind: String? {
            if isHardLink {
                return "hard link"
            }
            if isSymbolicLink {
                return "symbolic link"
            }
            if isSparse {
                return "sparse file"
            }
            // The AE_IF* constants are not imported into Swift.
            switch fileType & 0o170000 {
            case 0o100000: return nil
            case 0o040000: return "directory"
            case 0o120000: return "symbolic link"
            case 0o020000: return "character device"
            case 0o060000: return "block device"
            case 0o010000: return "FIFO"
            case 0o140000: return "socket"
            default: return "file of type 0o" + String(fileType, radix: 8)
            }
        }
    }

    private static let blockSize = 64 << 10
    private let archive: OpaquePointer
    private let descriptor: Int32
    private let scratch: UnsafeMutableRawBufferPointer
    /// Bytes of tar stream consumed when the last member's data (and padding) ended.
    private var endOfLastData: Int64 = 0

    /// Fails with `cannotOpen` when libarchive lacks a decompressor, or `corrupt` when the
    /// data is not a tar stream in a supported compression.
    init(owning descriptor: Int32) throws(ArchiveError) {
        guard let archive = archive_read_new() else {
            close(descriptor)
            throw ArchiveError(code: .cannotOpen, reason: "libarchive could not allocate a reader")
        }
        do throws(ArchiveError) {
            try UTF8CType.run { () throws(ArchiveError) in
                try Self.configure(archive, descriptor: descriptor)
            }
        } catch {
            archive_read_free(archive)
            close(descriptor)
            throw error
        }
        self.archive = archive
        self.descriptor = descriptor
        scratch = .allocate(byteCount: Self.blockSize, alignment: 16)
    }

    deinit {
        UTF8CType.run { _ = archive_read_free(archive) }
        close(descriptor)
        scratch.deallocate()
    }

    /// The next member header, or `nil` at a proper end of archive.
    func nextHeader() throws(ArchiveError) -> Header? {
        try UTF8CType.run { () throws(ArchiveError) -> Header? in
            var entry: OpaquePointer?
            let status = archive_read_next_header(archive, &entry)
            if status == ARCHIVE_EOF {
                // libarchive also reports EOF when the data simply stops at a block boundary.
                guard archive_filter_bytes(archive, 0) - endOfLastData >= 512 else {
                    throw ArchiveError(code: .corrupt, reason: "archive ends without an end-of-archive marker; it is truncated")
                }
                return nil
            }
            guard status == ARCHIVE_OK, let entry else {
                throw ArchiveError(code: .corrupt, reason: "cannot read a member header: \(message(of: archive))")
            }
            return Header(
                rawPath: archive_entry_pathname(entry).map { pointer in
                    [UInt8](UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)))
                },
                fileType: UInt32(archive_entry_filetype(entry)),
                isHardLink: archive_entry_hardlink(entry) != nil,
                isSymbolicLink: archive_entry_symlink(entry) != nil,
                isSparse: archive_entry_sparse_count(entry) > 0,
                size: archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : nil,
                modificationTime: Int64(archive_entry_mtime(entry)))
        }
    }

    /// Bytes read so far: `compressed` from the file (what the decompressor consumed) and
    /// `uncompressed` of the tar stream (what the tar reader consumed). Equal for a plain tar.
    var streamBytes: (compressed: Int64, uncompressed: Int64) {
        UTF8CType.run { (archive_filter_bytes(archive, -1), archive_filter_bytes(archive, 0)) }
    }

    /// The next part of the current member's data, empty at its end. The buffer is valid only
    /// until the next call.
    func readData(member: String) throws(ArchiveError) -> UnsafeRawBufferPointer {
        let count = UTF8CType.run { archive_read_data(archive, scratch.baseAddress, scratch.count) }
        guard count >= 0 else {
            throw ArchiveError(code: .corrupt, member: member, reason: "cannot read member data: \(message(of: archive))")
        }
        if count == 0 {
            endOfLastData = UTF8CType.run { archive_filter_bytes(archive, 0) }
        }
        return UnsafeRawBufferPointer(rebasing: scratch[..<count])
    }

    private static func configure(_ archive: OpaquePointer, descriptor: Int32) throws(ArchiveError) {
        func require(_ status: Int32, _ action: String) throws(ArchiveError) {
            guard status == ARCHIVE_OK else {
                throw ArchiveError(code: .cannotOpen, reason: "cannot \(action): \(message(of: archive))")
            }
        }
        try require(archive_read_support_format_tar(archive), "enable tar")
        // ARCHIVE_WARN from these would mean an external program instead of a built-in library.
        try require(archive_read_support_filter_gzip(archive), "enable built-in gzip")
        try require(archive_read_support_filter_xz(archive), "enable built-in xz")
        try require(archive_read_support_filter_zstd(archive), "enable built-in zstd")
        guard archive_read_open_fd(archive, descriptor, blockSize) == ARCHIVE_OK else {
            throw ArchiveError(code: .corrupt, reason: "not a readable tar archive: \(message(of: archive))")
        }
    }
}
