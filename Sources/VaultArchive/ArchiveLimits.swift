/// Bounds an ``ArchiveReader`` enforces on untrusted archives, and an ``ArchiveWriter``
/// enforces on what it writes, so that anything written can be read back with the same limits.
///
/// Peak memory while reading is about one member (at most ``maxMemberBytes``) plus the paths
/// kept for duplicate detection: every member path and every directory they imply, each
/// capped at ``maxMembers`` entries of at most ``maxPathBytes``.
///
/// The time spent on a compressed archive is bounded by its size on disk: the reader inflates
/// at most ``compressionAllowanceBytes`` plus ``maxCompressionRatio`` bytes of tar stream for
/// every compressed byte it has read, so a decompression bomb is refused after a few hundred
/// megabytes at most, however much it claims to hold.
public struct ArchiveLimits: Sendable, Equatable {
    /// The most members an archive may hold; also the most distinct directories its member
    /// paths may imply.
    public var maxMembers: Int
    /// The largest a single member may be, in bytes.
    public var maxMemberBytes: Int64
    /// The most uncompressed member data an archive may hold in total, in bytes.
    public var maxTotalBytes: Int64
    /// The longest a member path may be, in UTF-8 bytes.
    public var maxPathBytes: Int
    /// The most uncompressed bytes (tar headers, member data and padding) the reader accepts per
    /// compressed byte it has read, beyond ``compressionAllowanceBytes``; checked continuously
    /// as the stream is read, not only at the end. Plain tar files expand by exactly 1.
    ///
    /// Honest exports expand about 4.5 times (gzip) and 4.7 times (zstd), measured on a full
    /// export of 20,000 synthetic records, and no prefix of them expands more; the default of
    /// 100 leaves a margin of twenty. zstd can expand zeros 32,000 times and gzip 1,000 times.
    /// Only the reader checks it: the writer cannot know how well its members will compress.
    public var maxCompressionRatio: Int64
    /// Uncompressed bytes the reader accepts before ``maxCompressionRatio`` applies, so that
    /// small archives of very compressible members (a few large, repetitive records) still read.
    public var compressionAllowanceBytes: Int64

    /// Defaults: one million members, 256 MiB per member, 16 GiB in total, 256-byte paths, and
    /// at most 16 MiB plus 100 bytes per compressed byte of uncompressed tar stream.
    public init(
        maxMembers: Int = 1_000_000,
        maxMemberBytes: Int64 = 256 << 20,
        maxTotalBytes: Int64 = 16 << 30,
        maxPathBytes: Int = 256,
        maxCompressionRatio: Int64 = 100,
        compressionAllowanceBytes: Int64 = 16 << 20
    ) {
        self.maxMembers = maxMembers
        self.maxMemberBytes = maxMemberBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxPathBytes = maxPathBytes
        self.maxCompressionRatio = maxCompressionRatio
        self.compressionAllowanceBytes = compressionAllowanceBytes
    }

    /// The most uncompressed bytes accepted after reading `compressedBytes` of the file:
    /// ``compressionAllowanceBytes`` + ``maxCompressionRatio`` × `compressedBytes`, saturating.
    public func maxUncompressedBytes(afterReading compressedBytes: Int64) -> Int64 {
        let (scaled, overflow) = max(maxCompressionRatio, 0).multipliedReportingOverflow(by: max(compressedBytes, 0))
        let (sum, overflowAgain) = scaled.addingReportingOverflow(max(compressionAllowanceBytes, 0))
        return overflow || overflowAgain ? .max : sum
    }
}
