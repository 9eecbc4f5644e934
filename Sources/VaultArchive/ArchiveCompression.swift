/// The compression an ``ArchiveWriter`` applies to the whole tar stream.
///
/// Readers detect compression on their own, so this type is only needed when writing.
public enum ArchiveCompression: String, Sendable, CaseIterable {
    /// A plain tar file.
    case none
    /// gzip (RFC 1952), written without a timestamp or file name in its header.
    case gzip
    /// Zstandard (RFC 8878) at its default level, as a single-threaded stream.
    case zstd
}
