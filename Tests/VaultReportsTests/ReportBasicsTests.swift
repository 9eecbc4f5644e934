import Foundation
import Testing
import VaultFormat
import VaultJSON
@testable import VaultReports

@Suite struct ReportBasicsTests {
    @Test func moneyIsExactDecimalMinorUnits() {
        #expect(Money.minorUnits("250.5") == 25_050)
        #expect(Money.minorUnits("250.50") == 25_050)
        #expect(Money.minorUnits("-3") == -300)
        #expect(Money.minorUnits("0.07") == 7)
        for bad in ["", "-", ".5", "1.", "1.234", "1e3", "12a", "1.2.3", "1234567890123456"] {
            #expect(Money.minorUnits(bad) == nil, "\(bad)")
        }
        #expect(Money.text(-123_450) == "-1234.50")
        #expect(Money.text(7) == "0.07")
        #expect(Money.percent(1, of: 3) == "33.3" && Money.percent(2, of: 3) == "66.7" && Money.percent(1, of: 0) == "n/a")
        #expect(share(96_819_650, basisPoints: 500) == 4_840_983)  // 5 % of 968,196.50, half up
    }

    @Test func periodsAreNamedAsRegulatorsNameThem() throws {
        let day = try ReportPeriod(parsing: "2026-11-20")
        #expect(day.cadence == .daily && day.dayCount == 1 && day.label == "2026-11-20")
        let week = try ReportPeriod(parsing: "2026-W01")
        #expect(week.label == "2026-W01" && CivilDate.text(days: week.firstDay) == "2025-12-29" && week.dayCount == 7)
        #expect(try ReportPeriod(parsing: "2026-W53").label == "2026-W53")  // 2026 has 53 ISO weeks
        let month = try ReportPeriod(parsing: "2028-02")
        #expect(month.dayCount == 29 && month.next.label == "2028-03")
        let quarter = try ReportPeriod(parsing: "2026-Q4")
        #expect(CivilDate.text(days: quarter.firstDay) == "2026-10-01" && quarter.dayCount == 92 && quarter.next.label == "2027-Q1")
        #expect(ReportPeriod(.monthly, containing: day.firstDay).label == "2026-11")
        for bad in ["2026", "2026-13", "2026-02-30", "2026-Q5", "2027-W53", "26-01", "2026-1", "2026-01-01T00"] {
            #expect(throws: ReportError.invalidPeriod(bad)) { try ReportPeriod(parsing: bad) }
        }
    }

    /// Malta's gaming day from 06:00 local: 05:00 UTC in winter, 04:00 UTC in summer. Summer time
    /// starts at 01:00 UTC on 29 March 2026, inside the gaming day of 28 March, which is 23 hours long.
    /// The regulator routes list by these periods' UTC intervals.
    @Test func periodsMapToUTCIntervalsAndAnythingElseIsRefused() {
        func range(_ text: String) -> (String, String)? {
            (try? ReportPeriod(parsing: text)).map { period in
                let span = GamingCalendar.utc.span(of: period)
                return (Timestamp.format(millis: span.start), Timestamp.format(millis: span.end))
            }
        }
        #expect(range("2026-11-20")! == ("2026-11-20T00:00:00.000Z", "2026-11-21T00:00:00.000Z"))
        #expect(range("2026-W47")! == ("2026-11-16T00:00:00.000Z", "2026-11-23T00:00:00.000Z"))
        #expect(range("2026-W01")! == ("2025-12-29T00:00:00.000Z", "2026-01-05T00:00:00.000Z"))
        #expect(range("2020-W53")! == ("2020-12-28T00:00:00.000Z", "2021-01-04T00:00:00.000Z"))
        #expect(range("2026-W53")! == ("2026-12-28T00:00:00.000Z", "2027-01-04T00:00:00.000Z"))  // 2026 starts on a Thursday
        #expect(range("2026-11")! == ("2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z"))
        #expect(range("2026-12")! == ("2026-12-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"))
        #expect(range("2026-Q4")! == ("2026-10-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"))
        #expect(range("2026-Q1")! == ("2026-01-01T00:00:00.000Z", "2026-04-01T00:00:00.000Z"))
        for bad in ["2026", "2026-13", "2026-00", "2026-W00", "2025-W53", "2026-W5", "2026-Q5", "2026-Q0", "2026-02-30",
                    "26-11", "2026-11-20T00", "2026-w47", "2026-q4", "2026-11-2", "-2026-11", "2026-+1", "1969-12"] {
            #expect(range(bad) == nil, "\(bad)")
        }
    }

    @Test func gamingDaysFollowTheLicencesClockAcrossSummerTime() throws {
        let malta = GamingCalendar(timeZone: try #require(TimeZone(identifier: "Europe/Malta")), cutoffMinutes: 360)
        let march28 = CivilDate.days(year: 2026, month: 3, day: 28)
        #expect(utcText(millis: malta.start(ofDay: march28)) == "2026-03-28T05:00:00Z")
        #expect(utcText(millis: malta.start(ofDay: march28 + 1)) == "2026-03-29T04:00:00Z")
        #expect(utcText(millis: malta.start(ofDay: march28 + 2)) == "2026-03-30T04:00:00Z")
        let span = malta.span(of: try ReportPeriod(parsing: "2026-03-28"))
        #expect(span.end - span.start == 23 * 3_600_000)
        #expect(malta.day(at: Timestamp.parseMillis("2026-03-29T03:59:59Z")!) == march28)
        #expect(malta.day(at: Timestamp.parseMillis("2026-03-29T04:00:00Z")!) == march28 + 1)
        #expect(malta.day(at: Timestamp.parseMillis("2026-03-28T04:59:59Z")!) == march28 - 1)
        #expect(Timestamp.parseMillis("2026-03-29T06:00:00+01:00") == Timestamp.parseMillis("2026-03-29T05:00:00Z"))
        #expect(Timestamp.parseMillis("2026-03-29T05:00:00.25Z")! % 1000 == 250)
    }

    @Test func everyTemplateRendersTheSameBytesTwiceAndSaysNoActivityWhenEmpty() throws {
        var facts = ReportFacts()
        let record = #"{"eventId":"e1","stream":"gaming","entity":{"type":"gamingDay","id":"g1"},"action":"day_summary","actor":{"id":"gp"},"occurredAt":"2026-11-20T23:00:00Z","jurisdiction":"MT","playerId":"p-1","state":{"gamingDay":"2026-11-20","gameId":"g","category":"slots","currency":"EUR","stake":"10.00","win":"2.50"}}"#
        try facts.add(seq: 1, record: Array(record.utf8))
        let licence = LicenceSettings(id: "mt", jurisdiction: "MT", licenceNumber: "MGA/B2C/1/FICTITIOUS", operatorCode: "T1",
                                      currency: "EUR", calendar: .utc, reports: [], goaml: .development)
        for template in ReportRegistry.standard.templates {
            let period = ReportPeriod(template.cadence, containing: CivilDate.days(year: 2026, month: 11, day: 20))
            let gb = template.jurisdictions.first.map { j in
                LicenceSettings(id: "x", jurisdiction: j, licenceNumber: "N/FICTITIOUS", operatorCode: "T1", currency: "EUR",
                                calendar: .utc, reports: [], players: ["MT"], goaml: .development)
            } ?? licence
            let context = ReportContext(licence: gb, period: period, checkpointSize: 2, checkpointRoot: "root=", facts: facts)
            let first = try template.render(context), second = try template.render(context)
            #expect(first == second, "\(template.id)")
            // goaml.str writes its XML files only for the day's report decisions (none here).
            #expect(first.map(\.format) == (template.id == GoAMLSuspiciousTransactionReport.templateId ? [.csv] : template.formats))
            let empty = try template.render(ReportContext(licence: gb, period: period.next, checkpointSize: 2,
                                                          checkpointRoot: "root=", facts: facts))
            let text = String(decoding: empty[0].bytes, as: UTF8.self)
            #expect(text.contains("no activity in this period") || template.id == "compliance.aml-kyc-monthly"
                        || template.id == "mga.player-funds-monthly", "\(template.id)")
        }
    }

    /// Chunks read in parallel and merged in order give the facts of one reader: every template
    /// renders the same bytes.
    @Test func mergedChunksGiveTheSameReportsAsOneReader() throws {
        func record(_ seq: Int, _ player: String, _ jurisdiction: String, _ stream: String) -> [UInt8] {
            let state = stream == "gaming"
                ? #"{"gamingDay":"2026-11-20","gameId":"g","category":"\#(seq % 2 == 0 ? "slots" : "table")","currency":"EUR","stake":"\#(seq).00","win":"1.50"}"#
                : #"{"amount":"\#(seq).25","currency":"EUR","method":"card","status":"approved"}"#
            return Array(#"{"eventId":"e\#(seq)","stream":"\#(stream)","entity":{"type":"x","id":"x\#(seq)"},"action":"deposit","actor":{"id":"a"},"occurredAt":"2026-11-20T10:00:00Z","jurisdiction":"\#(jurisdiction)","playerId":"\#(player)","state":\#(state)}"#.utf8)
        }
        var whole = ReportFacts(), first = ReportFacts(), second = ReportFacts()
        for seq in 0..<40 {
            let bytes = record(seq, "p-\(seq % 7)", ["MT", "GB", "DE"][seq % 3], seq % 3 == 0 ? "gaming" : "payment")
            try whole.add(seq: Int64(seq), record: bytes)
            if seq < 17 { try first.add(seq: Int64(seq), record: bytes) } else { try second.add(seq: Int64(seq), record: bytes) }
        }
        var merged = ReportFacts()
        merged.merge(first)
        merged.merge(second)
        #expect(merged.recordCount == whole.recordCount && merged.lastSeq == whole.lastSeq)
        let licence = LicenceSettings(id: "mt", jurisdiction: "MT", licenceNumber: "N", currency: "EUR", calendar: .utc,
                                      reports: [], players: ["MT", "GB", "DE"], goaml: .development)
        for template in ReportRegistry.standard.templates where template.jurisdictions.isEmpty || template.jurisdictions == ["MT"] {
            let period = ReportPeriod(template.cadence, containing: CivilDate.days(year: 2026, month: 11, day: 20))
            func render(_ facts: ReportFacts) throws -> [ReportFile] {
                try template.render(ReportContext(licence: licence, period: period, checkpointSize: 41, checkpointRoot: "r", facts: facts))
            }
            #expect(try render(merged) == render(whole), "\(template.id)")
        }
    }

    /// The facts of two million records must fit the memory budget (docs/REPORTS.md, "Cost").
    @Test func factsStayCompact() {
        #expect(MemoryLayout<EventFact>.stride == 64)
        #expect(MemoryLayout<GamingFact>.stride == 88)
    }

    @Test func aRecordThatBreaksTheSchemaIsRefusedWithItsSeqNotSkipped() {
        var facts = ReportFacts()
        let record = #"{"stream":"gaming","occurredAt":"2026-11-20T23:00:00Z","jurisdiction":"MT","state":{"gamingDay":"2026-11-20","stake":10.005,"win":"1.00"}}"#
        #expect(throws: ReportError.unreadableRecord(seq: 9, problem: "state.stake is not an amount with at most two decimals")) {
            try facts.add(seq: 9, record: Array(record.utf8))
        }
    }

    @Test func configurationErrorsNameTheOption() {
        func refusal(_ text: String) -> String {
            do { _ = try ReportConfiguration(json: Array(text.utf8)); return "accepted" } catch { return error.description }
        }
        let base = #""id":"mt","jurisdiction":"MT","licenceNumber":"MGA/1","currency":"EUR","timeZone":"Europe/Malta""#
        #expect(refusal(#"{"licences":[{\#(base),"reports":["mga.b2c-daily-summary"],"gamingDayCutoff":"25:00"}]}"#)
            .contains("licences[0].gamingDayCutoff: 25:00 is not a time of day"))
        #expect(refusal(#"{"licences":[{\#(base),"reports":["ukgc.regulatory-return-quarterly"]}]}"#)
            .contains("licences[0].reports[0]: ukgc.regulatory-return-quarterly is filed only for GB licences, not MT"))
        #expect(refusal(#"{"licences":[{\#(base),"reports":["mga.b2c-daily-summary"],"colour":"red"}]}"#)
            .contains("licences[0].colour: unknown option"))
        #expect(refusal(#"{"licences":[{\#(base),"reports":["mga.b2c-daily-summary"],"operatorCode":"TOOLONG"}]}"#)
            .contains("licences[0].operatorCode: at most 4 characters"))
        #expect(refusal(#"{"licences":[{\#(base),"reports":["mga.b2c-daily-summary"]},{\#(base),"reports":["mga.b2c-daily-summary"]}]}"#)
            .contains("licences[1].id: mt is used by another licence"))
        #expect(throws: ReportError.self) { try ReportConfiguration.development().checkForProduction() }
    }
}
