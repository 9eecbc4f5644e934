import VaultFormat

/// The end (or resumption) of the business relationship with a player, taken from a client record
/// whose action is `relationship_ended` (or `relationship_resumed`) and which names the player.
/// The writer turns it into a permanent vault record (stream `vault.retention`, entity
/// `relationship`/<player id>, state `{"status":"ended"|"active","endedAt"?,"cause":seq}`) in the
/// same batch, so rules that count from the end of the relationship (UK MLR 2017 reg. 40, for
/// example) know when their period started even after the client record itself is erased. The
/// vault's own recorded-at time is used, not the client's occurred-at, so it cannot be backdated.
struct RelationshipEvent {
    static let endedAction = "relationship_ended"
    static let resumedAction = "relationship_resumed"

    let record: ValidatedRecord

    init?(_ cause: ValidatedRecord, seq: Int64, at: Int64) {
        guard cause.kind == .record, let player = cause.playerId,
              cause.action == RelationshipEvent.endedAction || cause.action == RelationshipEvent.resumedAction else { return nil }
        let ended = cause.action == RelationshipEvent.endedAction
        var state: [String: JSONValue] = ["status": .string(ended ? "ended" : "active"), "cause": .int(seq)]
        if ended { state["endedAt"] = .string(Timestamp.format(millis: at)) }
        record = VaultRecord.make(stream: .retention, kind: .retention, entityType: RetentionLedger.relationshipEntityType,
                                  entityId: player, action: cause.action, actor: VaultActor(id: "regvault"), at: at,
                                  state: .object(state))
    }
}
