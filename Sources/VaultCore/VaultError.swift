/// A failure of a vault operation that a user can act on; the reason says what to do.
public struct VaultError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case noVault = "no_vault"
        case alreadyExists = "already_exists"
        case invalidOrigin = "invalid_origin"
        case writerBusy = "writer_busy"
        /// Another node of a vault kept in PostgreSQL holds the sequencer lease.
        case sequencerBusy = "sequencer_busy"
        case integrity = "integrity"
        case notFound = "not_found"
        case invalidRequest = "invalid_request"
        case keyFile = "key_file"
        case invalidPolicy = "invalid_policy"
        /// A retention or hold rule forbids the request (compliance mode, an active hold, not yet expired).
        case retentionLocked = "retention_locked"
        /// The request needs a role or a governance bypass it does not carry.
        case forbidden = "forbidden"
        case conflict = "conflict"
        /// A file the vault manages could not be written.
        case io = "io"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }

    public static func == (lhs: VaultError, rhs: VaultError) -> Bool { lhs.code == rhs.code }
}
