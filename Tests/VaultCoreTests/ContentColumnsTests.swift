import Testing
import VaultCore

@Suite("content columns of CSV listings")
struct ContentColumnsTests {
    @Test("one stream gets its own columns, several get the state or diff as JSON")
    func columnsAndValues() throws {
        #expect(ContentColumns.columns(streams: ["payment"]).map(\.column)
            == ["amount", "currency", "method", "status", "country", "declineReason"])
        #expect(ContentColumns.columns(streams: ["payment", "kyc"]).map(\.column) == ["content"])
        #expect(ContentColumns.columns(streams: ["vault.hold"]).map(\.column) == ["content"])
        #expect(ContentColumns.columns(streams: ["report"]).map(\.column)
            == ["template", "licence", "period", "reportVersion", "records", "trigger"])

        let decision = try JSONParser.parse(Array(#"{"stream":"aml","modelVer":"risk-4.2","state":{"riskScore":83,"action":"escalate","limits":{"withdrawal":0}}}"#.utf8))
        let aml = Dictionary(uniqueKeysWithValues: ContentColumns.columns(streams: ["aml"]).map {
            ($0.column, ContentColumns.value($0.field, in: decision))
        })
        #expect(aml["riskScore"] == "83" && aml["outcome"] == "escalate" && aml["modelVer"] == "risk-4.2" && aml["rule"] == "")

        let change = try JSONParser.parse(Array(#"{"stream":"audit.change","diff":[{"op":"replace","path":"/maxBonus","value":440}]}"#.utf8))
        #expect(ContentColumns.value(.change, in: change) == #"[{"op":"replace","path":"/maxBonus","value":440}]"#)
    }
}
