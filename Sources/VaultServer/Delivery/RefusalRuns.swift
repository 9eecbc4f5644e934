import Foundation
import NIOConcurrencyHelpers

/// Counts refused requests by who sent them (a certificate's common name, or the address when no
/// identity was established) and reports a run: `threshold` refusals within `window`, the rule
/// `refused_access_run` of docs/RULES.md. One run is reported per identity per window; the
/// refusals themselves are also counted in `regvault_refusals_total`.
final class RefusalRuns: Sendable {
    struct Run: Sendable, Equatable {
        var who: String
        var count: Int
        var firstAt: Int64
        var lastAt: Int64
        var reasons: [String]
    }

    private struct State {
        var recent: [String: [(at: Int64, reason: String)]] = [:]
        var reportedUntil: [String: Int64] = [:]
        var runs: [Run] = []
    }

    private let state = NIOLockedValueBox(State())
    let threshold: Int
    let windowMillis: Int64

    init(threshold: Int = 20, windowMinutes: Int = 10) {
        self.threshold = threshold
        windowMillis = Int64(windowMinutes) * 60_000
    }

    /// Notes one refusal of `who` for `reason` at `now`.
    func note(_ who: String, reason: String, now: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) {
        state.withLockedValue { state in
            var recent = (state.recent[who] ?? []).filter { $0.at > now - windowMillis }
            recent.append((now, reason))
            if recent.count >= threshold, (state.reportedUntil[who] ?? 0) <= now {
                state.runs.append(Run(who: who, count: recent.count, firstAt: recent[0].at, lastAt: now,
                                      reasons: Array(Set(recent.map(\.reason))).sorted()))
                state.reportedUntil[who] = now + windowMillis
                recent.removeAll()
            }
            state.recent[who] = recent.isEmpty ? nil : recent
            if state.recent.count > 10_000 { state.recent.removeAll() }  // a flood of distinct names cannot grow it without bound
        }
    }

    /// The runs seen since the last call.
    func drain() -> [Run] {
        state.withLockedValue { state in
            defer { state.runs.removeAll() }
            return state.runs
        }
    }
}
