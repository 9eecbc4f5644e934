/// Bounds an ``ArchiveReader`` enforces on untrusted archives, and an ``ArchiveWriter``
/// enforces on what it writes, so that anything written can be read back with the same limits.
///
/// Peak memory while reading is about one member (at most ``maxMemberBytes``) plus the paths
/// kept for duplicate detection: every member path and every directory they imply, each
/// capped at ``maxMembers`` entries of at most ``maxPathBytes``.
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

    /// Defaults: one million members, 256 MiB per member, 16 GiB in total, 256-byte paths.
    public init(
        maxMembers: Int = 1_000_000,
        maxMemberBytes: Int64 = 256 << 20,
        maxTotalBytes: Int64 = 16 << 30,
        maxPathBytes: Int = 256
    ) {
        self.maxMembers = maxMembers
        self.maxMemberBytes = maxMemberBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxPathBytes = maxPathBytes
    }
}
