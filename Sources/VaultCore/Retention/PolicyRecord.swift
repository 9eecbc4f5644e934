import VaultFormat

/// The entry that puts a retention policy in force: stream `vault.policy`, entity
/// `retention_policy`/<policy id>, kind `policy`, state = the policy's canonical JSON. A later
/// version of the same entity carries the diff from the previous policy.
enum PolicyRecord {
    static let entityType = "retention_policy"

    /// - Parameter reproducible: derive the event id from the policy and time and the salt from
    ///   the record's bytes (`VaultRecord.make`), for a log that must be the same on every run.
    static func make(_ policy: RetentionPolicy, at: Int64, reproducible: Bool = false) -> ValidatedRecord {
        VaultRecord.make(stream: .policy, kind: .policy, entityType: entityType, entityId: policy.id, action: "apply",
                         actor: VaultActor(id: "regvault"), at: at, state: policy.json,
                         eventId: reproducible ? "\(VaultStream.policy.rawValue)-\(policy.id)-\(at)" : nil,
                         reproducible: reproducible)
    }
}
