import Foundation
import VaultFormat
import VaultReports
import VaultStore

extension IncidentRules {
    /// Amounts at or above this (10^15 minor units) are not compared: no product of them overflows.
    static let amountCeiling: Int64 = 1_000_000_000_000_000

    /// The player's records stored before `trigger` (lower seqs), oldest first.
    func history(before trigger: RuleRecord, store: any VaultStorage) throws -> [RuleRecord] {
        guard let player = trigger.playerId else { return [] }
        var found: [RuleRecord] = []
        var after: Int64? = nil
        while true {
            let batch = try store.records(playerId: player, after: after, limit: 1_000)
            for record in batch where record.seq < trigger.seq {
                if let parsed = try RuleRecord(record) { found.append(parsed) }
            }
            guard batch.count == 1_000, let last = batch.last, last.seq < trigger.seq else { return found }
            after = last.seq
        }
    }

    /// **self_exclusion_payment** (P2, `self_exclusion_event`): a settled deposit by a player while
    /// one of the player's self-exclusions (`selfExclusion` on `responsible_gambling`, its latest
    /// state before the deposit) was `active` with `start` ≤ the deposit's time < `end`.
    func selfExclusionPayment(_ trigger: RuleRecord, store: any VaultStorage) throws -> Finding? {
        guard trigger.action == "deposit", trigger.isSettledPayment, let player = trigger.playerId else { return nil }
        var exclusions: [String: RuleRecord] = [:]
        for record in try history(before: trigger, store: store)
        where record.stream == RecordSchema.Stream.responsibleGambling.rawValue && record.entityType == "selfExclusion" {
            exclusions[record.entityId] = record
        }
        for exclusion in exclusions.values.sorted(by: { $0.seq < $1.seq }) {
            guard exclusion.state["status"]?.stringValue == "active",
                  let start = exclusion.state["start"]?.stringValue.flatMap(Timestamp.parseMillis),
                  start <= trigger.occurredAt,
                  exclusion.state["end"]?.stringValue.flatMap(Timestamp.parseMillis).map({ trigger.occurredAt < $0 }) ?? true
            else { continue }
            let amount = trigger.minorUnits("amount").map { Money.text($0) + " " + trigger.currency } ?? "an amount"
            return Finding(
                rule: "self_exclusion_payment", kind: "self_exclusion_event", severity: "P2",
                explanation: "deposit \(trigger.entityId) of \(amount) by \(player) was \(trigger.state["status"]?.stringValue ?? "taken") "
                    + "at \(Timestamp.format(millis: trigger.occurredAt)), inside self-exclusion \(exclusion.entityId) "
                    + "(\(exclusion.state["start"]?.stringValue ?? "") to \(exclusion.state["end"]?.stringValue ?? "open-ended"))",
                trigger: trigger, players: [player], evidence: [exclusion.eventId, trigger.eventId], thresholds: [:])
        }
        return nil
    }

    /// **structuring** (P2, `AML_suspect`): the `structuringCount`-th settled deposit by one player
    /// within `structuringWindowHours` whose amount is just under the threshold, in
    /// `[structuringBandPercent % of it, it)`, in the same currency. It fires once, on the deposit
    /// that completes the count.
    func structuring(_ trigger: RuleRecord, store: any VaultStorage) throws -> Finding? {
        guard trigger.action == "deposit", trigger.isSettledPayment, let player = trigger.playerId,
              isJustUnder(trigger) else { return nil }
        // Within the window either side: records may arrive out of order; only lower seqs count, so
        // the count reaches `structuringCount` on exactly one deposit of a run.
        let window = settings.structuringWindowHours * 3_600_000
        let earlier = try history(before: trigger, store: store).filter {
            $0.action == "deposit" && $0.isSettledPayment && $0.currency == trigger.currency && isJustUnder($0)
                && abs($0.occurredAt - trigger.occurredAt) < window
        }
        guard earlier.count + 1 == settings.structuringCount else { return nil }
        let threshold = Money.text(settings.structuringThresholdMinor) + " " + trigger.currency
        return Finding(
            rule: "structuring", kind: "AML_suspect", severity: "P2",
            explanation: "\(settings.structuringCount) deposits by \(player) within \(settings.structuringWindowHours) hours, each "
                + "just under \(threshold) (\(settings.structuringBandPercent)% of it or more): "
                + (earlier + [trigger]).map { Money.text($0.minorUnits("amount") ?? 0) }.joined(separator: ", "),
            trigger: trigger, players: [player], evidence: earlier.map(\.eventId) + [trigger.eventId],
            thresholds: ["threshold": .string(Money.text(settings.structuringThresholdMinor)),
                         "bandPercent": .int(settings.structuringBandPercent), "count": .int(Int64(settings.structuringCount)),
                         "windowHours": .int(settings.structuringWindowHours)])
    }

    private func isJustUnder(_ record: RuleRecord) -> Bool {
        guard let amount = record.minorUnits("amount"), amount > 0, amount < settings.structuringThresholdMinor else { return false }
        // amount < threshold ≤ 10^14, so these products stay far inside Int64.
        return amount * 100 >= settings.structuringThresholdMinor * settings.structuringBandPercent
    }

    /// **pass_through** (P2, `AML_suspect`): a settled withdrawal of at least
    /// `passThroughSharePercent` % of what the player deposited (settled, same currency) in the
    /// `passThroughWindowHours` before it, when those deposits reach `passThroughMinimumMinor`:
    /// money in and out with little play between.
    func passThrough(_ trigger: RuleRecord, store: any VaultStorage) throws -> Finding? {
        guard trigger.action == "withdrawal", trigger.isSettledPayment, let player = trigger.playerId,
              let withdrawn = trigger.minorUnits("amount"), withdrawn > 0, withdrawn < Self.amountCeiling else { return nil }
        let since = trigger.occurredAt - settings.passThroughWindowHours * 3_600_000
        let deposits = try history(before: trigger, store: store).filter {
            $0.action == "deposit" && $0.isSettledPayment && $0.currency == trigger.currency
                && $0.occurredAt >= since && $0.occurredAt <= trigger.occurredAt
        }
        // Amounts are at most 10^15 minor units each (`Money`); the sum is capped so no product overflows.
        let deposited = min(deposits.compactMap { $0.minorUnits("amount") }.filter { $0 > 0 }.reduce(0) { min($0 + $1, Self.amountCeiling) },
                            Self.amountCeiling)
        guard deposited >= settings.passThroughMinimumMinor, withdrawn * 100 >= deposited * settings.passThroughSharePercent else {
            return nil
        }
        return Finding(
            rule: "pass_through", kind: "AML_suspect", severity: "P2",
            explanation: "\(player) withdrew \(Money.text(withdrawn)) \(trigger.currency), "
                + "\(withdrawn * 100 / max(deposited, 1))% of the \(Money.text(deposited)) \(trigger.currency) deposited in the "
                + "\(settings.passThroughWindowHours) hours before (\(deposits.count) deposit\(deposits.count == 1 ? "" : "s"))",
            trigger: trigger, players: [player], evidence: deposits.map(\.eventId) + [trigger.eventId],
            thresholds: ["sharePercent": .int(settings.passThroughSharePercent), "minimum": .string(Money.text(settings.passThroughMinimumMinor)),
                         "windowHours": .int(settings.passThroughWindowHours)])
    }

    /// **config_change_without_approver** (P2, `RNG_anomaly`): a change to game or RNG
    /// configuration (an entity type in `approvedEntityTypes`, on `rng` or `audit.change`) with no
    /// `approver`, or approved by the person who made it (four eyes means two people).
    func changeWithoutApprover(_ trigger: RuleRecord) -> Finding? {
        guard [RecordSchema.Stream.rng.rawValue, RecordSchema.Stream.auditChange.rawValue].contains(trigger.stream),
              settings.approvedEntityTypes.contains(trigger.entityType) else { return nil }
        let why: String
        if let approver = trigger.approverId {
            guard approver == trigger.actorId else { return nil }
            why = "approved by the same person who made it (\(approver))"
        } else {
            why = "with no approver"
        }
        return Finding(
            rule: "config_change_without_approver", kind: "RNG_anomaly", severity: "P2",
            explanation: "\(trigger.entityType) \(trigger.entityId) was changed (\(trigger.action)) by \(trigger.actorId) at "
                + "\(Timestamp.format(millis: trigger.occurredAt)) \(why); game and RNG configuration needs a second person",
            trigger: trigger, players: [], evidence: [trigger.eventId], thresholds: [:])
    }
}
