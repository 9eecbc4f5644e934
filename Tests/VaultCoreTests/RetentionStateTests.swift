import Testing
import VaultCore
import VaultFormat

@Suite("retention lifecycle")
struct RetentionStateTests {
    let until: Int64 = 2_000_000_000_000
    let admin = RetentionState.Authority(isAdmin: true, bypassGovernance: true, reason: "court order 17")

    @Test("erasure happens at retain-until and not a millisecond before, and only once")
    func erasureAtRetainUntil() throws {
        let state = RetentionState(mode: .compliance, retainUntil: until)
        #expect(state.erasureRefusal(now: until - 1)?.code == .notExpired)
        let erased = try state.applying(.erase(now: until))
        #expect(erased.erased)
        #expect(erased.erasureRefusal(now: until + 1)?.code == .erased)
    }

    @Test("retention can be extended by anyone who may write it, never shortened by an extension")
    func extending() throws {
        let state = RetentionState(mode: .compliance, retainUntil: until)
        #expect(try state.applying(.extend(until: until + 1_000)).retainUntil == until + 1_000)
        #expect(try state.applying(.extend(until: until)).retainUntil == until)
        #expect(throws: RetentionRefusal(.shortening, "")) { try state.applying(.extend(until: until - 1)) }
    }

    @Test("compliance mode cannot be shortened, not even by an admin with the bypass flag and a reason")
    func complianceIsFinal() {
        let state = RetentionState(mode: .compliance, retainUntil: until)
        #expect(throws: RetentionRefusal(.complianceMode, "")) { try state.applying(.shorten(until: 0, authority: admin)) }
    }

    @Test("governance mode can be shortened only with the admin role, the bypass flag and a reason")
    func governanceBypass() throws {
        let state = RetentionState(mode: .governance, retainUntil: until)
        let missing: [RetentionState.Authority] = [
            .none,
            .init(isAdmin: false, bypassGovernance: true, reason: "r"),
            .init(isAdmin: true, bypassGovernance: false, reason: "r"),
            .init(isAdmin: true, bypassGovernance: true, reason: nil),
            .init(isAdmin: true, bypassGovernance: true, reason: "  "),
        ]
        for authority in missing {
            #expect(throws: RetentionRefusal(.bypassRequired, "")) { try state.applying(.shorten(until: 5, authority: authority)) }
        }
        #expect(try state.applying(.shorten(until: 5, authority: admin)).retainUntil == 5)
        // A "shortening" to a later time changes nothing.
        #expect(try state.applying(.shorten(until: until + 5, authority: admin)).retainUntil == until)
    }

    @Test("governance can be locked into compliance, which then refuses the bypass")
    func lockInCompliance() throws {
        let locked = try RetentionState(mode: .governance, retainUntil: until).applying(.lockInComplianceMode)
        #expect(locked.mode == .compliance)
        #expect(throws: RetentionRefusal(.complianceMode, "")) { try locked.applying(.shorten(until: 0, authority: admin)) }
    }

    @Test("a legal hold blocks erasure whatever the dates say, until every hold is lifted")
    func legalHolds() throws {
        var state = try RetentionState(mode: .governance, retainUntil: until).applying(.placeHold(id: "h1"))
        state = try state.applying(.placeHold(id: "h2"))
        #expect(state.erasureRefusal(now: until * 2)?.code == .legalHold)
        state = try state.applying(.liftHold(id: "h1"))
        #expect(state.erasureRefusal(now: until * 2)?.code == .legalHold)
        state = try state.applying(.liftHold(id: "h2"))
        #expect(state.erasureRefusal(now: until * 2) == nil)
    }

    @Test("an event-triggered period cannot expire before its event, and the event only lengthens it")
    func trigger() throws {
        let waiting = RetentionState(mode: .compliance, retainUntil: until, awaitingTrigger: true)
        #expect(waiting.erasureRefusal(now: until * 2)?.code == .awaitingTrigger)
        let started = try waiting.applying(.triggerOccurred(retainUntil: until + 10))
        #expect(!started.awaitingTrigger && started.retainUntil == until + 10)
        #expect(try waiting.applying(.triggerOccurred(retainUntil: until - 10)).retainUntil == until)
    }
}
