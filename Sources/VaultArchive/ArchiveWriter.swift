/// Writes a pax tar archive deterministically.
///
/// Members appear in the order added. Each is a regular file with mode 0444, uid and gid 0,
/// empty owner names, the given modification time in whole seconds, and no atime, ctime or
/// extended attributes. gzip output carries no timestamp or file name, so the same members
/// in the same order always give byte-identical files with the same libarchive, zlib and
/// libzstd (compressor output may change between library versions; plain tar does not).
///
/// The archive is built in a temporary file next to `path` and appears at `path` only when
/// ``finish()`` succeeds: flushed to disk, then atomically renamed over any existing file.
/// An unfinished writer removes its temporary file when released.
///
/// Members are held to the writer's ``ArchiveLimits`` and to the reader's path rules, so the
/// archive can be read back by an ``ArchiveReader`` with the same limits. A refused member
/// (`unsafePath`, `duplicateMember`, `tooLarge`, `tooManyMembers`, or a negative size) leaves
/// the writer usable. Any other failure breaks it: later calls, including ``finish()``, throw
/// that same error, the temporary file is removed at once, and nothing is published.
public final class ArchiveWriter {
    /// Where the finished archive will be.
    public let path: String
    /// The compression applied to the tar stream.
    public let compression: ArchiveCompression
    /// The limits every member is held to.
    public let limits: ArchiveLimits

    private let temporaryPath: String
    private var session: TarWriteSession?
    private var names: MemberNameSet
    private var memberCount = 0
    private var totalBytes: Int64 = 0
    private var failure: ArchiveError?

    /// Starts an archive that ``finish()`` will publish at `path`.
    /// Throws `cannotOpen` when the temporary file cannot be created or libarchive lacks
    /// built-in support for `compression`.
    public init(path: String, compression: ArchiveCompression, limits: ArchiveLimits = .init()) throws(ArchiveError) {
        guard UTF8CType.isAvailable else {
            throw ArchiveError(code: .cannotOpen, reason: "no UTF-8 C locale is available")
        }
        let temporaryPath = path + ".partial-" + String(UInt64.random(in: .min ... .max), radix: 16)
        let descriptor = try PosixFile.createNew(temporaryPath)
        do throws(ArchiveError) {
            session = try TarWriteSession(owning: descriptor, compression: compression)
        } catch {
            PosixFile.removeQuietly(temporaryPath)
            throw error
        }
        self.path = path
        self.compression = compression
        self.limits = limits
        self.temporaryPath = temporaryPath
        self.names = MemberNameSet(maxDirectories: limits.maxMembers)
    }

    deinit {
        if session != nil {
            abandon()
        }
    }

    /// Adds a member holding `bytes`.
    public func add(path: String, bytes: some Collection<UInt8>, modificationTime: Int64) throws(ArchiveError) {
        let outcome = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(ArchiveError) in
                try add(path: path, contiguous: UnsafeRawBufferPointer(buffer), modificationTime: modificationTime)
            }
        }
        if let outcome {
            try outcome.get()
        } else {
            try add(path: path, bytes: Array(bytes), modificationTime: modificationTime)
        }
    }

    /// Adds a member of `size` bytes streamed from `chunks`, so that it never has to be in
    /// memory at once. The chunks must hold exactly `size` bytes in total; if they hold more
    /// or fewer, the writer breaks with `writeFailed`.
    public func add(
        path: String, size: Int64, modificationTime: Int64, chunks: some Sequence<[UInt8]>
    ) throws(ArchiveError) {
        let session = try beginMember(path: path, size: size, modificationTime: modificationTime)
        var written: Int64 = 0
        for chunk in chunks {
            guard Int64(chunk.count) <= size - written else {
                throw breakWriter(ArchiveError(code: .writeFailed, member: path, reason: "chunks hold more than the declared \(size) bytes"))
            }
            try chunk.withUnsafeBytes { buffer in
                Result { () throws(ArchiveError) in try writeData(buffer, to: session, member: path) }
            }.get()
            written += Int64(chunk.count)
        }
        guard written == size else {
            throw breakWriter(ArchiveError(code: .writeFailed, member: path, reason: "chunks hold \(written) of the declared \(size) bytes"))
        }
        try endMember(session, path: path)
    }

    /// Completes the archive and publishes it at ``path``. Nothing may be added afterwards.
    public func finish() throws(ArchiveError) {
        let session = try activeSession()
        do throws(ArchiveError) {
            try session.finish()
            try PosixFile.publish(temporaryPath, as: path)
        } catch {
            throw breakWriter(error)
        }
        self.session = nil
        failure = ArchiveError(code: .writeFailed, reason: "the archive is already finished")
    }

    private func add(path: String, contiguous buffer: UnsafeRawBufferPointer, modificationTime: Int64) throws(ArchiveError) {
        let session = try beginMember(path: path, size: Int64(buffer.count), modificationTime: modificationTime)
        try writeData(buffer, to: session, member: path)
        try endMember(session, path: path)
    }

    /// Checks a new member against the rules and limits, then writes its header.
    private func beginMember(path: String, size: Int64, modificationTime: Int64) throws(ArchiveError) -> TarWriteSession {
        let session = try activeSession()
        if let problem = MemberPath.problem(with: path, maxBytes: limits.maxPathBytes) {
            throw ArchiveError(code: .unsafePath, member: path, reason: problem)
        }
        guard memberCount < limits.maxMembers else {
            throw ArchiveError(code: .tooManyMembers, member: path, reason: "archive already has \(limits.maxMembers) members")
        }
        guard size >= 0 else {
            throw ArchiveError(code: .writeFailed, member: path, reason: "size is negative")
        }
        guard size <= limits.maxMemberBytes else {
            throw ArchiveError(code: .tooLarge, member: path, reason: "member has \(size) bytes; the limit is \(limits.maxMemberBytes)")
        }
        guard size <= limits.maxTotalBytes - totalBytes else {
            throw ArchiveError(code: .tooLarge, member: path, reason: "archive would exceed \(limits.maxTotalBytes) bytes in total")
        }
        try names.insert(path)
        do throws(ArchiveError) {
            try session.writeHeader(path: path, size: size, modificationTime: modificationTime)
        } catch {
            throw breakWriter(error)
        }
        memberCount += 1
        totalBytes += size
        return session
    }

    private func writeData(_ buffer: UnsafeRawBufferPointer, to session: TarWriteSession, member: String) throws(ArchiveError) {
        do throws(ArchiveError) {
            try session.writeData(buffer, member: member)
        } catch {
            throw breakWriter(error)
        }
    }

    private func endMember(_ session: TarWriteSession, path: String) throws(ArchiveError) {
        do throws(ArchiveError) {
            try session.finishEntry(member: path)
        } catch {
            throw breakWriter(error)
        }
    }

    private func activeSession() throws(ArchiveError) -> TarWriteSession {
        if let failure {
            throw failure
        }
        guard let session else {
            throw ArchiveError(code: .writeFailed, reason: "the writer is closed")
        }
        return session
    }

    /// Records `error` as the one every later call reports, discards the partial archive,
    /// and returns the error.
    private func breakWriter(_ error: ArchiveError) -> ArchiveError {
        if failure == nil {
            failure = error
            abandon()
        }
        return error
    }

    /// Drops the session (which closes the file once libarchive is done with it) and removes
    /// the temporary file.
    private func abandon() {
        session = nil
        PosixFile.removeQuietly(temporaryPath)
    }
}
