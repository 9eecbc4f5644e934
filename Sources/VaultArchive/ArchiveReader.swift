/// Reads untrusted tar archives into memory, one member at a time, refusing anything unsafe.
///
/// Accepts any tar that libarchive understands (pax, ustar, GNU, v7), plain or compressed
/// with gzip, xz or zstd (detected from the data). Nothing is ever written to disk.
///
/// Each member is checked from its header alone, before any of its data is read, and the
/// archive is refused with an ``ArchiveError`` naming the member when (checked in this order):
/// - there are more than ``ArchiveLimits/maxMembers`` members (`tooManyMembers`);
/// - it is not a regular file: symbolic or hard link, sparse file, directory, device, FIFO,
///   socket (`notRegularFile`);
/// - its path is not valid UTF-8, is empty, absolute, longer than
///   ``ArchiveLimits/maxPathBytes``, has an empty, `.` or `..` segment, or contains a
///   backslash or a control character (`unsafePath`);
/// - its path equals (up to Unicode canonical equivalence) an earlier member's, or one of the
///   two would have to be a directory of the other (`duplicateMember`), or the paths so far
///   imply more than ``ArchiveLimits/maxMembers`` distinct directories (`tooManyMembers`);
/// - its declared size exceeds ``ArchiveLimits/maxMemberBytes``, or would take the archive
///   past ``ArchiveLimits/maxTotalBytes`` (`tooLarge`).
///
/// A decompression bomb that declares its size is therefore refused from its headers, before
/// anything is inflated. While data is read, the bytes actually produced are counted as well and
/// must match the declared size, so a header that misstates its data cannot push memory past the
/// limits either. One that stays within the size limits (many members just under
/// ``ArchiveLimits/maxMemberBytes``, huge pax headers, zeros after the last member) is refused
/// by the compression ratio (`tooLarge`, naming the member being read): after every header and
/// every piece of data, the tar stream inflated so far may not exceed
/// ``ArchiveLimits/maxUncompressedBytes(afterReading:)`` of the compressed bytes read so far.
/// So the work done on any archive is proportional to its size on disk; `counts` in
/// ``forEachMember(counts:_:)`` shows how much was read. Unreadable, damaged or truncated archives, including one cut exactly at a member
/// boundary (no end-of-archive marker), give `corrupt`; so do libarchive warnings, such as
/// malformed pax records or long runs of metadata-only headers.
///
/// Not detected here: gzip trailers (CRC-32 and length) are not verified by libarchive, so damage
/// that still inflates cleanly passes; `GzipIntegrity` checks them in a pass of its own.
public struct ArchiveReader: Sendable {
    /// The archive file.
    public let path: String
    /// The limits enforced while reading.
    public let limits: ArchiveLimits

    public init(path: String, limits: ArchiveLimits = .init()) {
        self.path = path
        self.limits = limits
    }

    /// Calls `body` with each member, in archive order, holding one member in memory at a time.
    ///
    /// Errors can surface after earlier members were delivered: treat what `body` received as
    /// provisional until this method returns normally. Errors thrown by `body` stop reading and
    /// are rethrown unchanged; every other error is an ``ArchiveError``.
    public func forEachMember(_ body: (ArchiveMember) throws -> Void) throws {
        var counts = ReadCounts()
        try forEachMember(counts: &counts, body)
    }

    /// ``forEachMember(_:)``, leaving in `counts` how much was read when it returns or throws.
    public func forEachMember(counts: inout ReadCounts, _ body: (ArchiveMember) throws -> Void) throws {
        counts = ReadCounts()
        guard UTF8CType.isAvailable else {
            throw ArchiveError(code: .cannotOpen, reason: "no UTF-8 C locale is available")
        }
        let session = try TarReadSession(owning: PosixFile.openForReading(path))
        var names = MemberNameSet(maxDirectories: limits.maxMembers)
        var memberCount = 0
        var totalBytes: Int64 = 0
        defer {
            let stream = session.streamBytes
            counts = ReadCounts(compressedBytes: stream.compressed, uncompressedBytes: stream.uncompressed, memberBytes: totalBytes)
        }
        while let header = try session.nextHeader() {
            memberCount += 1
            try checkExpansion(of: session, memberBytes: totalBytes, member: header.rawPath.map { String(decoding: $0, as: UTF8.self) })
            let (path, size) = try admit(header, memberCount: memberCount, totalBytes: totalBytes, names: &names)
            let bytes = try readContent(of: path, size: size, from: session, totalBytes: &totalBytes)
            try body(ArchiveMember(path: path, bytes: bytes, modificationTime: header.modificationTime))
        }
    }

    /// How much of an archive a reader consumed.
    public struct ReadCounts: Sendable, Equatable {
        /// Bytes of the file consumed by the decompressor (all of it that was read, for a plain tar).
        public var compressedBytes: Int64 = 0
        /// Bytes of tar stream (headers, member data, padding) consumed after decompression.
        public var uncompressedBytes: Int64 = 0
        /// Bytes of member data delivered or being read when reading stopped.
        public var memberBytes: Int64 = 0

        public init(compressedBytes: Int64 = 0, uncompressedBytes: Int64 = 0, memberBytes: Int64 = 0) {
            self.compressedBytes = compressedBytes
            self.uncompressedBytes = uncompressedBytes
            self.memberBytes = memberBytes
        }
    }

    /// Refuses the archive once the tar stream (or the member data, whichever is more) inflated
    /// so far exceeds what ``ArchiveLimits/maxCompressionRatio`` allows for the compressed bytes
    /// read so far.
    private func checkExpansion(of session: TarReadSession, memberBytes: Int64, member: String?) throws(ArchiveError) {
        let stream = session.streamBytes
        let inflated = max(stream.uncompressed, memberBytes)
        let allowed = limits.maxUncompressedBytes(afterReading: stream.compressed)
        guard inflated <= allowed else {
            throw ArchiveError(
                code: .tooLarge, member: member,
                reason: "decompression bomb: \(stream.compressed) compressed bytes inflated to \(inflated) bytes, more than "
                    + "the \(limits.compressionAllowanceBytes) bytes plus \(limits.maxCompressionRatio) per compressed byte allowed")
        }
    }

    /// Applies every header check; returns the member's path and declared size.
    private func admit(
        _ header: TarReadSession.Header, memberCount: Int, totalBytes: Int64, names: inout MemberNameSet
    ) throws(ArchiveError) -> (path: String, size: Int64) {
        let shownName = header.rawPath.map { String(decoding: $0, as: UTF8.self) }
        guard memberCount <= limits.maxMembers else {
            throw ArchiveError(
                code: .tooManyMembers, member: shownName,
                reason: "archive has more than \(limits.maxMembers) members")
        }
        // Before the path rules: tar writers give directories a trailing "/".
        if let kind = header.nonRegularKind {
            throw ArchiveError(code: .notRegularFile, member: shownName, reason: "member is a \(kind)")
        }
        guard let rawPath = header.rawPath, let path = MemberPath.decode(rawPath) else {
            throw ArchiveError(code: .unsafePath, member: shownName, reason: "path is missing or not valid UTF-8")
        }
        if let problem = MemberPath.problem(with: path, maxBytes: limits.maxPathBytes) {
            throw ArchiveError(code: .unsafePath, member: path, reason: problem)
        }
        try names.insert(path)
        guard let size = header.size, size >= 0 else {
            throw ArchiveError(code: .corrupt, member: path, reason: "header has no valid size")
        }
        guard size <= limits.maxMemberBytes else {
            throw ArchiveError(
                code: .tooLarge, member: path,
                reason: "member declares \(size) bytes; the limit is \(limits.maxMemberBytes)")
        }
        guard size <= limits.maxTotalBytes - totalBytes else {
            throw ArchiveError(
                code: .tooLarge, member: path,
                reason: "archive would exceed \(limits.maxTotalBytes) bytes in total")
        }
        return (path, size)
    }

    /// Reads the current member's data, counting real bytes against its declared size and
    /// the total limit.
    private func readContent(
        of path: String, size: Int64, from session: TarReadSession, totalBytes: inout Int64
    ) throws(ArchiveError) -> [UInt8] {
        var bytes: [UInt8] = []
        // One allocation of the declared size, which was checked against `maxMemberBytes` and the
        // total limit before any data was read; a header that lies is caught below.
        bytes.reserveCapacity(Int(min(size, limits.maxMemberBytes)))
        while true {
            let piece = try session.readData(member: path)
            if piece.isEmpty {
                break
            }
            guard Int64(piece.count) <= size - Int64(bytes.count) else {
                throw ArchiveError(code: .corrupt, member: path, reason: "member holds more data than its header declares")
            }
            guard Int64(piece.count) <= limits.maxTotalBytes - totalBytes else {
                throw ArchiveError(code: .tooLarge, member: path, reason: "archive exceeds \(limits.maxTotalBytes) bytes in total")
            }
            totalBytes += Int64(piece.count)
            bytes.append(contentsOf: piece)
            try checkExpansion(of: session, memberBytes: totalBytes, member: path)
        }
        guard Int64(bytes.count) == size else {
            throw ArchiveError(code: .corrupt, member: path, reason: "member holds \(bytes.count) of its \(size) bytes")
        }
        return bytes
    }
}
