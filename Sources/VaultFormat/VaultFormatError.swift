/// An error in input given to `VaultFormat`: a malformed note, checkpoint, entry or proof, or an
/// impossible request. A broken internal invariant is not an error; it stops the program.
///
/// Errors compare by `code`, so tests can assert which check failed without matching prose.
public struct VaultFormatError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        case missingHash = "missing_hash"
        case invalidTreeSize = "invalid_tree_size"
        case invalidProof = "invalid_proof"
        case malformedNote = "malformed_note"
        case malformedVerifierKey = "malformed_verifier_key"
        case malformedSignerKey = "malformed_signer_key"
        case noKnownSignature = "no_known_signature"
        case invalidSignature = "invalid_signature"
        case malformedCheckpoint = "malformed_checkpoint"
        case malformedEntry = "malformed_entry"
        case malformedManifest = "malformed_manifest"
        case malformedArchiveMember = "malformed_archive_member"
        case malformedProof = "malformed_proof"
    }

    public let code: Code
    /// A sentence a person can act on.
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }

    public static func == (lhs: VaultFormatError, rhs: VaultFormatError) -> Bool {
        lhs.code == rhs.code
    }

    static func missingHash(index: Int64) -> VaultFormatError {
        VaultFormatError(.missingHash, "stored hash \(index) is not available")
    }
}
