public import Foundation

/// A store that keeps stored objects' sealed bytes itself (PostgreSQL, so that every node of a
/// vault reads what any node stored). A store without it (SQLite) leaves them to files in the data
/// directory (`ObjectFiles`).
public protocol ObjectBytesStorage: Sendable {
    /// Stores the sealed bytes of a new version; durable when it returns. Returns false, storing
    /// nothing, if the version id is already stored.
    func writeObject(_ sealed: Data, versionId: String) throws -> Bool
    /// The sealed bytes of a version; nil if it was never stored or has been cleared.
    func readObject(versionId: String) throws -> Data?
    /// Clears the bytes of a version whose record was erased (or never stored); the database refuses
    /// to clear a version a live record refers to.
    func clearObject(versionId: String) throws
}
