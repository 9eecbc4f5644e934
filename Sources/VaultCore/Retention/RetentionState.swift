import Foundation
public import VaultFormat

/// The retention state of one stored record or object version, and the only ways it may change.
/// Pure: no storage, no clock; the vault computes the state from the log, asks this type whether a
/// change is allowed, and records the allowed change as an entry.
///
/// The rules, as in S3 Object Lock:
/// - retain-until is fixed at ingest; it can be extended by anyone allowed to write retention, and
///   never shortened, except in governance mode by an admin who sets the bypass flag and gives a
///   reason (and that act is an entry);
/// - compliance mode cannot be shortened or lifted by anyone, and a governance-mode record can be
///   switched to compliance but not back;
/// - a legal hold blocks erasure whatever the dates say, until it is lifted;
/// - a record whose rule counts from an event (the end of the business relationship) cannot expire
///   before that event;
/// - erasure happens at retain-until, not a millisecond before, and only once.
public struct RetentionState: Sendable, Equatable {
    public var mode: RetentionMode
    /// Milliseconds since the Unix epoch.
    public var retainUntil: Int64
    /// True while the rule waits for its triggering event.
    public var awaitingTrigger: Bool
    /// The ids of the active legal holds that cover it.
    public var holds: Set<String>
    public var erased: Bool

    public init(mode: RetentionMode, retainUntil: Int64, awaitingTrigger: Bool = false, holds: Set<String> = [],
                erased: Bool = false) {
        self.mode = mode
        self.retainUntil = retainUntil
        self.awaitingTrigger = awaitingTrigger
        self.holds = holds
        self.erased = erased
    }

    /// Who asks for a change that only governance authority may make.
    public struct Authority: Sendable, Equatable {
        /// True if the caller has the `admin` role.
        public var isAdmin: Bool
        /// The explicit bypass flag (`x-amz-bypass-governance-retention: true` or `--bypass-governance`).
        public var bypassGovernance: Bool
        public var reason: String?

        public init(isAdmin: Bool, bypassGovernance: Bool, reason: String?) {
            self.isAdmin = isAdmin
            self.bypassGovernance = bypassGovernance
            self.reason = reason
        }

        /// No authority beyond writing retention.
        public static let none = Authority(isAdmin: false, bypassGovernance: false, reason: nil)
    }

    public enum Change: Sendable, Equatable {
        /// Keep it until at least `until`.
        case extend(until: Int64)
        /// Shorten retention to `until` (governance mode with authority only).
        case shorten(until: Int64, authority: Authority)
        /// Switch governance mode to compliance.
        case lockInComplianceMode
        case placeHold(id: String)
        case liftHold(id: String)
        /// The triggering event happened; the period now runs until `retainUntil`.
        case triggerOccurred(retainUntil: Int64)
        /// Erase at the end of retention.
        case erase(now: Int64)
    }

    /// The state after `change`, or why it is refused.
    public func applying(_ change: Change) throws(RetentionRefusal) -> RetentionState {
        var next = self
        switch change {
        case .extend(let until):
            guard !erased else { throw RetentionRefusal(.erased, "the record is already erased") }
            guard until >= retainUntil else {
                throw RetentionRefusal(.shortening, "retain-until \(Timestamp.format(millis: until)) is earlier than "
                    + "\(Timestamp.format(millis: retainUntil)); retention can be extended, never shortened")
            }
            next.retainUntil = until
        case .shorten(let until, let authority):
            guard !erased else { throw RetentionRefusal(.erased, "the record is already erased") }
            guard mode == .governance else {
                throw RetentionRefusal(.complianceMode, "the record is in compliance mode until "
                    + "\(Timestamp.format(millis: retainUntil)); nobody can shorten its retention")
            }
            try RetentionState.checkBypass(authority)
            next.retainUntil = min(until, retainUntil)
        case .lockInComplianceMode:
            next.mode = .compliance
        case .placeHold(let id):
            guard !erased else { throw RetentionRefusal(.erased, "the record is already erased") }
            next.holds.insert(id)
        case .liftHold(let id):
            next.holds.remove(id)
        case .triggerOccurred(let until):
            next.awaitingTrigger = false
            next.retainUntil = max(retainUntil, until)
        case .erase(let now):
            guard !erased else { throw RetentionRefusal(.erased, "the record is already erased") }
            if let hold = holds.sorted().first {
                throw RetentionRefusal(.legalHold, "legal hold \(hold) covers the record")
            }
            guard !awaitingTrigger else {
                throw RetentionRefusal(.awaitingTrigger, "its retention period has not started: the business relationship "
                    + "has not ended")
            }
            guard now >= retainUntil else {
                throw RetentionRefusal(.notExpired, "it is retained until \(Timestamp.format(millis: retainUntil))")
            }
            next.erased = true
        }
        return next
    }

    /// Why it may not be erased at `now`, or nil if it may.
    public func erasureRefusal(now: Int64) -> RetentionRefusal? {
        do {
            _ = try applying(.erase(now: now))
            return nil
        } catch {
            return error
        }
    }

    /// Governance bypass needs all three: the admin role, the explicit flag and a reason.
    static func checkBypass(_ authority: Authority) throws(RetentionRefusal) {
        guard authority.isAdmin else {
            throw RetentionRefusal(.bypassRequired, "only the admin role can bypass governance retention")
        }
        guard authority.bypassGovernance else {
            throw RetentionRefusal(.bypassRequired, "bypassing governance retention needs the explicit bypass flag")
        }
        guard let reason = authority.reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw RetentionRefusal(.bypassRequired, "bypassing governance retention needs a reason")
        }
    }
}

/// Why a retention change was refused; `code` is machine-readable.
public struct RetentionRefusal: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case complianceMode = "compliance_mode"
        case shortening = "retention_shortening"
        case bypassRequired = "governance_bypass_required"
        case legalHold = "legal_hold"
        case awaitingTrigger = "awaiting_trigger"
        case notExpired = "retention_not_expired"
        case erased = "erased"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }

    public static func == (lhs: RetentionRefusal, rhs: RetentionRefusal) -> Bool { lhs.code == rhs.code }
}
