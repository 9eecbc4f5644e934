import Testing
import VaultCore
import VaultFormat

@Suite("record validation")
struct RecordValidatorTests {
    let validator = RecordValidator()
    let now = VaultFixture.now
    let good = bonusRuleChange("evt-8f2c", state: #"{"maxBonus":200,"wagering":35}"#)

    /// `good` with one top-level field replaced (or removed when `value` is nil).
    func with(_ field: String, _ value: String?) -> [UInt8] {
        var object = try! JSONParser.parse(Array(good.utf8)).objectValue!
        if let value { object[field] = try! JSONParser.parse(Array(value.utf8)) } else { object[field] = nil }
        return JSONValue.object(object).canonicalBytes
    }

    @Test("the issue's example record is valid and canonicalised")
    func exampleRecord() throws {
        let record = try validator.validate(Array(good.utf8), now: now)
        #expect(record.eventId == "evt-8f2c" && record.streamName == "audit.change" && record.kind == .record && record.entityType == "bonusRule")
        #expect(record.canonicalBytes == (try JSONParser.parse(Array(good.utf8))).canonicalBytes)
        #expect(record.salt.count == 32)
        #expect(record.occurredAt == 1_795_168_800_000)
    }

    @Test("an approver (four eyes) is who, in the same form as the actor")
    func approver() throws {
        let record = try validator.validate(with("approver", #"{"id":"bo-admin-2","role":"rng_manager","ip":"10.0.0.9"}"#), now: now)
        #expect(try JSONParser.parse(record.canonicalBytes)["approver"]?["id"]?.stringValue == "bo-admin-2")
    }

    @Test("each kind of bad record is refused with the field and code that explain it")
    func refusals() {
        let cases: [([UInt8], RecordRejection.Code, String?)] = [
            (Array("{not json".utf8), .malformedJSON, nil),
            (Array("[1,2]".utf8), .malformedJSON, nil),
            ([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], .malformedJSON, nil),  // invalid UTF-8
            (with("eventId", nil), .missingField, "eventId"),
            (with("actor", nil), .missingField, "actor"),
            (with("eventId", "42"), .invalidField, "eventId"),
            (with("eventId", #""has space""#), .invalidField, "eventId"),
            (with("eventId", "\"" + String(repeating: "a", count: 129) + "\""), .invalidField, "eventId"),
            (with("stream", #""bets""#), .unknownStream, "stream"),
            (with("entity", #""bonusRule/123""#), .invalidField, "entity"),
            (with("entity", #"{"type":"bonusRule","id":"1","extra":1}"#), .unknownField, "entity.extra"),
            (with("entity", #"{"type":"9lives","id":"1"}"#), .invalidField, "entity.type"),
            (with("actor", #"{"id":"a","ip":"10.0.0.300"}"#), .invalidField, "actor.ip"),
            (with("actor", #"{"id":""}"#), .invalidField, "actor.id"),
            (with("actor", #"{"id":"a","name":"Bob"}"#), .unknownField, "actor.name"),
            (with("approver", #""bo-admin-2""#), .invalidField, "approver"),
            (with("approver", #"{"id":"bo-admin-2","signedAt":"now"}"#), .unknownField, "approver.signedAt"),
            (with("approver", #"{"role":"rng_manager"}"#), .invalidField, "approver.id"),
            (with("occurredAt", #""2026-02-30T10:00:00Z""#), .invalidField, "occurredAt"),
            (with("occurredAt", #""yesterday""#), .invalidField, "occurredAt"),
            (with("occurredAt", #""2027-01-01T00:00:00Z""#), .invalidField, "occurredAt"),  // in the future
            (with("jurisdiction", #""Malta""#), .invalidField, "jurisdiction"),
            (with("reason", nil), .missingField, "reason"),  // audit.change requires a reason
            (with("reason", "\"" + String(repeating: "r", count: 2049) + "\""), .invalidField, "reason"),
            (with("state", "[1]"), .invalidField, "state"),
            (with("diff", #"[{"op":"add","path":"/a","value":1}]"#), .invalidField, "diff"),  // both state and diff
            (with("policyVer", "7"), .invalidField, "policyVer"),
            (with("colour", #""blue""#), .unknownField, "colour"),
            (Array(good.utf8) + [UInt8](repeating: 0x20, count: RecordSchema.maxRecordBytes), .tooLarge, nil),
        ]
        for (bytes, code, field) in cases {
            #expect(throws: RecordRejection(code, field: field, ""), "\(String(decoding: bytes.prefix(120), as: UTF8.self))") {
                try validator.validate(bytes, now: now)
            }
        }
    }

    @Test("a malformed explicit diff is refused")
    func malformedDiff() {
        var object = try! JSONParser.parse(Array(good.utf8)).objectValue!
        object["state"] = nil
        object["diff"] = try! JSONParser.parse(Array(#"[{"op":"frobnicate","path":"/a"}]"#.utf8))
        #expect(throws: RecordRejection(.invalidField, field: "diff", "")) {
            try validator.validate(JSONValue.object(object).canonicalBytes, now: now)
        }
    }
}

@Suite("RFC 3339 timestamps")
struct TimestampTests {
    @Test("valid times parse to the right instant")
    func parse() {
        #expect(Timestamp.parseMillis("1970-01-01T00:00:00Z") == 0)
        #expect(Timestamp.parseMillis("2026-11-20T10:00:00Z") == 1_795_168_800_000)
        #expect(Timestamp.parseMillis("2026-11-20T10:00:00.5Z") == 1_795_168_800_500)
        #expect(Timestamp.parseMillis("2026-11-20T10:00:00.123456Z") == 1_795_168_800_123)
        #expect(Timestamp.parseMillis("2026-11-20T11:00:00+01:00") == 1_795_168_800_000)
        #expect(Timestamp.parseMillis("2026-11-20T05:30:00-04:30") == 1_795_168_800_000)
        #expect(Timestamp.parseMillis("2024-02-29T00:00:00Z") != nil)
    }

    @Test("invalid times are refused")
    func refuse() {
        for bad in ["2026-11-20", "2026-11-20 10:00:00Z", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
                    "2026-11-20T24:00:00Z", "2026-11-20T10:00:00", "2026-11-20T10:00:00.Z", "2026-11-20T10:00:00+0100",
                    "2026-11-20T10:00:60Z", "+2026-11-20T10:00:00Z"] {
            #expect(Timestamp.parseMillis(bad) == nil, "\(bad)")
        }
    }

    @Test("times an offset moves outside years 0000...9999 are refused, so every parsed time formats back")
    func refuseOutsideRepresentableYears() {
        // The params fuzz target's round-trip invariant (Tests/fuzz/regressions/params/).
        #expect(Timestamp.parseMillis("0000-01-01T00:00:00+00:01") == nil)
        #expect(Timestamp.parseMillis("9999-12-31T23:59:59-00:01") == nil)
        for edge in ["0000-01-01T00:00:00Z", "0000-01-01T00:00:00-00:01", "9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59+00:01"] {
            let millis = Timestamp.parseMillis(edge)
            #expect(millis != nil, "\(edge)")
            if let millis { #expect(Timestamp.parseMillis(Timestamp.format(millis: millis)) == millis, "\(edge)") }
        }
    }

    @Test("formatting round-trips and adding years handles leap days")
    func formatAndYears() {
        #expect(Timestamp.format(millis: 1_795_168_800_123) == "2026-11-20T10:00:00.123Z")
        #expect(Timestamp.format(millis: 0) == "1970-01-01T00:00:00.000Z")
        let leap = Timestamp.parseMillis("2024-02-29T12:00:00Z")!
        #expect(Timestamp.format(millis: Timestamp.addingYears(7, toMillis: leap)) == "2031-02-28T12:00:00.000Z")
        let plain = Timestamp.parseMillis("2026-11-20T10:00:00Z")!
        #expect(Timestamp.format(millis: Timestamp.addingYears(7, toMillis: plain)) == "2033-11-20T10:00:00.000Z")
    }
}
