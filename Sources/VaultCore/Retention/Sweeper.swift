import Foundation
import VaultFormat
import VaultStore

/// What a sweep did.
public struct SweepSummary: Sendable, Equatable {
    /// Records examined (those not erased before the sweep).
    public var examined = 0
    public var erased = 0
    /// The erasure entries the sweep appended.
    public var erasureEntries: [Int64] = []
    /// Records kept although past their retain-until: under a legal hold.
    public var held = 0
    /// Records kept because their period has not started (the business relationship has not ended).
    public var awaitingTrigger = 0
    /// What the store still keeps of the erased bytes and what its owner must run to remove them
    /// (`RetentionStorage.purgeErasedData`); nil when the sweep erased nothing or the vault's own
    /// purge removed them from the files.
    public var remains: String?

    public init() {}

    /// `{"examined","erased","erasureEntries","held","awaitingTrigger"}`, and `"remains"` when set.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "examined": .int(Int64(examined)), "erased": .int(Int64(erased)),
            "erasureEntries": .array(erasureEntries.map { .int($0) }), "held": .int(Int64(held)),
            "awaitingTrigger": .int(Int64(awaitingTrigger))]
        if let remains { members["remains"] = .string(remains) }
        return .object(members)
    }
}

extension LogWriter {
    /// Erases every record whose retention has ended and that no hold covers, a page at a time, each
    /// page with its own erasure entry, then removes the erased bytes from the store's files as far
    /// as the vault can (`remains` says what only the database's owner can remove).
    /// Ingest goes on between pages. `progress` is called after each page.
    public func sweep(pageSize: Int = 1000, progress: (@Sendable (SweepSummary) -> Void)? = nil) async throws -> SweepSummary {
        var summary = SweepSummary()
        var after: Int64 = -1
        let holds = try ledger.holds()
        while true {
            let page = try store.unerasedSubjects(after: after, limit: pageSize)
            guard let last = page.last else { break }
            after = last.seq
            summary.examined += page.count
            let now = max(clock.nowMillis(), lastRecordedAt)
            // Records in compliance mode whose retain-until is ahead cannot have been shortened;
            // only the rest need the ledger's full answer.
            let open = try page.filter { subject in
                let entry = try Entry(parsing: subject.entry)
                let floor = policies.rule(forClass: entry.retentionClass)
                    .map { Timestamp.addingYears($0.rule.years, toMillis: subject.recordedAt) } ?? entry.retainUntil
                return entry.retentionMode == .governance || max(entry.retainUntil, floor) <= now
            }
            let states = try ledger.states(of: open, holds: holds)
            let candidates = open.filter { subject in
                guard let state = states[subject.seq] else { return false }
                guard let refusal = state.erasureRefusal(now: now) else { return true }
                if refusal.code == .legalHold { summary.held += 1 }
                if refusal.code == .awaitingTrigger { summary.awaitingTrigger += 1 }
                return false
            }
            if !candidates.isEmpty {
                let result = try await erase(seqs: candidates.map(\.seq))
                summary.erased += result.erased.count
                if let seq = result.erasureSeq { summary.erasureEntries.append(seq) }
                summary.held += result.refused.values.filter { (refusal: RetentionRefusal) in refusal.code == .legalHold }.count
            }
            progress?(summary)
        }
        if summary.erased > 0 { summary.remains = try store.purgeErasedData() }
        return summary
    }
}
