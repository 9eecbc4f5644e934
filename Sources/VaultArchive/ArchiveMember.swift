/// One regular-file member of an archive, held entirely in memory.
public struct ArchiveMember: Sendable, Equatable {
    /// The member path: relative, `/`-separated, valid UTF-8 (see ``ArchiveReader``).
    public let path: String
    /// The member's content.
    public let bytes: [UInt8]
    /// The modification time recorded in the archive, in seconds since 1970 (UTC).
    public let modificationTime: Int64

    public init(path: String, bytes: [UInt8], modificationTime: Int64) {
        self.path = path
        self.bytes = bytes
        self.modificationTime = modificationTime
    }

    /// The content length in bytes.
    public var size: Int64 { Int64(bytes.count) }
}
