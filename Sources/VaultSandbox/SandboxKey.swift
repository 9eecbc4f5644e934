import Crypto
public import VaultFormat

/// The keys and salts of the sandbox log, derived from the scenario so that every appliance
/// replaying a scenario builds the same log, entry for entry, and signs the same checkpoints, and
/// a scenario changed in any byte signs with another key (its log is another log).
///
/// Nothing here is secret, on purpose: a sandbox signature shows that a client parses and checks
/// signatures correctly, never that a note is authentic. The sandbox's origin and key name
/// (`sandbox.regvault.example/…`) are never a production log's, so no production verifier trusts
/// them.
public enum SandboxKey {
    /// Prefixed to the origin before hashing it into the Ed25519 seed.
    static let keyLabel = "RegVault sandbox log key v1\n"
    static let saltLabel = "RegVault sandbox record salt v1\n"

    /// The signer of the sandbox log replaying `source`: Ed25519 with seed
    /// `SHA-256("RegVault sandbox log key v1\n" || origin || "\n" || SHA-256 hex of the scenario text)`,
    /// named after the origin.
    public static func signer(for source: ScenarioSource) throws -> NoteSigner {
        let material = keyLabel + source.scenario.origin + "\n" + source.fingerprint
        return try NoteSigner(name: source.scenario.origin, publicSeed: Array(SHA256.hash(data: Array(material.utf8))))
    }

    /// The salt of the scenario's record `index` in the log with this origin:
    /// `SHA-256("RegVault sandbox record salt v1\n" || origin || "\n" || decimal index)`.
    public static func salt(origin: String, index: Int) -> [UInt8] {
        Array(SHA256.hash(data: Array((saltLabel + origin + "\n" + String(index)).utf8)))
    }
}
