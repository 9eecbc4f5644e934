import VaultFormat

/// The entry that puts a retention policy in force: stream `vault.policy`, entity
/// `retention_policy`/<policy id>, kind `policy`, state = the policy's canonical JSON. A later
/// version of the same entity carries the diff from the previous policy.
enum PolicyRecord {
    static let entityType = "retention_policy"

    static func make(_ policy: RetentionPolicy, at: Int64) -> ValidatedRecord {
        VaultRecord.make(stream: .policy, kind: .policy, entityType: entityType, entityId: policy.id, action: "apply",
                         actor: VaultActor(id: "regvault"), at: at, state: policy.json)
    }
}
