import Testing
import VaultJSON
@testable import VaultReports

/// The one-pass field reader agrees with the full JSON parser on every field it reads, and
/// refuses what the parser refuses as a record.
@Suite struct RecordFieldsTests {
    static let records = [
        #"{"action":"decision","actor":{"id":"aml-engine","role":"system"},"dataVer":"d1","decisionId":"dec-1","entity":{"id":"case-\"7\"","type":"amlCase"},"eventId":"e","jurisdiction":"MT","modelVer":"m","occurredAt":"2026-11-20T10:07:00Z","playerId":"p-\u00e9\ud83d\ude00","policyVer":"aml-policy-2026.3","state":{"action":"report_sar","alertIds":["a-1","a\/2"],"explanation":"line\nbreak\ttab \\ slash","limits":{"withdrawal":0,"nested":[1,[2,{"x":null}]]},"riskScore":83.5},"stream":"aml"}"#,
        #"{"action":"deposit","entity":{"type":"payment","id":"pay-1"},"occurredAt":"2026-11-20T10:09:00Z","stream":"payment","state":{"amount":250.5,"currency":"EUR","kytScreening":{"risk":"low"},"method":"crypto","requested":[],"status":"approved","pep":false,"sanctionsHit":true}}"#,
        #"{ "stream" : "kyc" , "state" : { "requested" : [ "sof" ] , "pep" : true , "rounds" : -1e3 } , "entity" : [1,2] }"#,
        #"{"stream":"gaming","state":"not an object","playerId":7,"entity":{"type":{"deep":true}}}"#,
    ]

    @Test func agreesWithTheParserOnEveryFieldItReads() throws {
        for text in Self.records {
            let object = try #require(try JSONParser.parse(Array(text.utf8)).objectValue)
            let fields = try #require(RecordFields(Array(text.utf8)), "\(text)")
            #expect(fields.stream == object["stream"]?.stringValue)
            #expect(fields.occurredAt == object["occurredAt"]?.stringValue)
            #expect(fields.playerId == object["playerId"]?.stringValue)
            #expect(fields.jurisdiction == object["jurisdiction"]?.stringValue)
            #expect(fields.action == object["action"]?.stringValue)
            #expect(fields.decisionId == object["decisionId"]?.stringValue)
            #expect(fields.policyVersion == object["policyVer"]?.stringValue)
            #expect(fields.entityType == object["entity"]?.objectValue?["type"]?.stringValue)
            #expect(fields.entityId == object["entity"]?.objectValue?["id"]?.stringValue)
            let state = object["state"]?.objectValue ?? [:]
            for key in RecordFields.stateKeys {
                #expect(fields.state[key]?.string == state[key]?.stringValue, "\(key)")
                if let number = state[key]?.numberText { #expect(fields.state[key]?.number.flatMap(Double.init) == Double(number)) }
            }
            #expect(fields.requestsDocuments == !(state["requested"]?.arrayValue ?? []).isEmpty)
            #expect(fields.screened == (state["kytScreening"] != nil))
            #expect(fields.pepOrSanctions == (state["pep"] == .bool(true) || state["sanctionsHit"] == .bool(true)))
            #expect(fields.alertIds == (state["alertIds"]?.arrayValue?.compactMap(\.stringValue) ?? []))
        }
        #expect(RecordFields(Array(Self.records[0].utf8))?.playerId == "p-é😀")
    }

    @Test func refusesWhatIsNotOneJSONObject() {
        for text in [#""#, #"[]"#, #"{"stream":"aml""#, #"{"stream":"aml"} x"#, #"{"stream":"a\qb"}"#, #"{"stream":"\ud83d"}"#,
                     #"{"state":{"amount":}}"#, #"{"stream" "aml"}"#, #"{"a":[1,}"#, #"{"a":tru}"#, #"{"a":"\u12"}"#] {
            #expect(RecordFields(Array(text.utf8)) == nil, "\(text)")
        }
    }
}
