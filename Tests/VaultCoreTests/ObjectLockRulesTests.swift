import Testing
import VaultCore
import VaultFormat

/// The lock rules shared by the native object API and the S3 endpoint: explicit over default over
/// floor, and nothing below the floor accepted.
@Suite("object lock rules")
struct ObjectLockRulesTests {
    /// The operator default: reports in compliance mode for seven years.
    let floor = ObjectLockFloor(policies: .operatorDefault, jurisdiction: "")
    let now = Timestamp.parseMillis("2026-12-04T00:00:00Z")!
    let year2040 = Timestamp.parseMillis("2040-01-01T00:00:00Z")!

    @Test("the floor is the report rule of the jurisdiction's policy")
    func floorFromPolicy() {
        #expect(floor.mode == .compliance && floor.years == 7)
        #expect(floor.earliestRetainUntil(recordedAt: now) == Timestamp.parseMillis("2033-12-04T00:00:00Z"))
    }

    @Test("an explicit retention wins over the bucket default, which wins over the floor")
    func precedence() throws {
        let explicit = ObjectRetention(mode: .compliance, retainUntil: year2040)
        let bucketDefault = DefaultRetention(mode: .compliance, period: .years(10))
        #expect(try ObjectLockRules.resolve(explicit: explicit, bucketDefault: bucketDefault, floor: floor, recordedAt: now)
            == explicit)
        #expect(try ObjectLockRules.resolve(explicit: nil, bucketDefault: bucketDefault, floor: floor, recordedAt: now)
            == ObjectRetention(mode: .compliance, retainUntil: Timestamp.parseMillis("2036-12-04T00:00:00Z")!))
        #expect(try ObjectLockRules.resolve(explicit: nil, bucketDefault: nil, floor: floor, recordedAt: now)
            == ObjectRetention(mode: .compliance, retainUntil: Timestamp.parseMillis("2033-12-04T00:00:00Z")!))
    }

    @Test("a request below the floor is refused, never raised: an earlier date, or governance under a compliance rule")
    func belowFloorRefused() {
        let early = ObjectRetention(mode: .compliance, retainUntil: Timestamp.parseMillis("2030-01-01T00:00:00Z")!)
        #expect(throws: ObjectLockRefusal.self) {
            try ObjectLockRules.resolve(explicit: early, bucketDefault: nil, floor: floor, recordedAt: now)
        }
        let governance = ObjectRetention(mode: .governance, retainUntil: year2040)
        do {
            _ = try ObjectLockRules.resolve(explicit: governance, bucketDefault: nil, floor: floor, recordedAt: now)
            Issue.record("a governance retention under a compliance floor was accepted")
        } catch {
            #expect(error.code == .belowFloor && error.reason.contains("COMPLIANCE"))
        }
    }

    @Test("a retain-until date in the past is refused")
    func pastDate() {
        let past = ObjectRetention(mode: .compliance, retainUntil: now - 1)
        #expect(throws: ObjectLockRefusal.self) {
            try ObjectLockRules.resolve(explicit: past, bucketDefault: nil, floor: floor, recordedAt: now)
        }
    }

    @Test("bucket defaults: zero, negative and too long periods; days must cover the floor's years with leap days")
    func defaults() throws {
        for period: DefaultRetention.Period in [.days(0), .days(-1), .years(0), .years(101), .days(36_501)] {
            do {
                try ObjectLockRules.check(default: DefaultRetention(mode: .compliance, period: period), floor: floor)
                Issue.record("\(period) was accepted")
            } catch {
                #expect(error.code == .invalidPeriod)
            }
        }
        #expect(throws: ObjectLockRefusal.self) {
            try ObjectLockRules.check(default: DefaultRetention(mode: .compliance, period: .days(7 * 365)), floor: floor)
        }
        try ObjectLockRules.check(default: DefaultRetention(mode: .compliance, period: .days(7 * 366)), floor: floor)
        try ObjectLockRules.check(default: DefaultRetention(mode: .compliance, period: .years(7)), floor: floor)
        #expect(throws: ObjectLockRefusal.self) {
            try ObjectLockRules.check(default: DefaultRetention(mode: .governance, period: .years(7)), floor: floor)
        }
    }
}
