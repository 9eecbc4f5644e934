/// The Danish Gambling Authority's SAFE end-of-day record (`EndOfDayRapportStruktur`, SAFE
/// standard records v2), valid against `view/EndOfDayRapportStruktur.xsd`: per game category, the
/// number of games (rounds), stakes (excluding jackpot contributions), jackpot contributions,
/// winnings and commission/rake for the gaming day.
///
/// Mapping of the record schema's categories to SAFE's: `slots`, `jackpot_slots`, `table` and
/// `other` are `KasinospilSinglePlayer`, `live_casino` is `KasinospilMultiPlayer`, `poker`
/// `PokerCashGame`, `bingo` `Bingospil`, `sports_fixed_odds` `Fastoddsspil`, `sports_pool`
/// `Puljespil`, `lottery` `PuljeRNG`. Stakes are cash and bonus stakes less jackpot contributions;
/// winnings are cash and bonus wins; the vault holds no rake (casino games have none), so it is 0.
/// A correction names the file it replaces (`SpilFilErstatningIdentifikation`), as SAFE asks.
public struct DKSafeEndOfDay: ReportTemplate {
    public init() {}
    public let id = "dk.safe-end-of-day"
    public let version = 1
    public let title = "Spillemyndigheden SAFE end-of-day report (EndOfDayRapportStruktur)"
    public let cadence = Cadence.daily
    public let formats: [ReportFormat] = [.xml]
    public let jurisdictions = ["DK"]
    public let due = "daily, after the gaming day closes"
    public let summary = "Games, stakes, jackpot contributions and winnings per SAFE game category from the gaming stream."
    public let source = "Sources/VaultReports/Templates/DKSafeEndOfDay.swift"

    static let categories: [String: String] = [
        "slots": "KasinospilSinglePlayer", "jackpot_slots": "KasinospilSinglePlayer", "table": "KasinospilSinglePlayer",
        "other": "KasinospilSinglePlayer", "live_casino": "KasinospilMultiPlayer", "poker": "PokerCashGame", "bingo": "Bingospil",
        "sports_fixed_odds": "Fastoddsspil", "sports_pool": "Puljespil", "lottery": "PuljeRNG",
    ]

    struct Totals {
        var games: Int64 = 0, stakes: Int64 = 0, jackpot: Int64 = 0, winnings: Int64 = 0
    }

    public func render(_ context: ReportContext) throws(ReportError) -> [ReportFile] {
        try check(licence: context.licence, period: context.period)
        guard context.licence.licenceNumber.count <= 45 else {
            throw .invalidConfiguration(option: "licence \(context.licence.id).licenceNumber",
                                        problem: "the SAFE id (SpilCertifikatIdentifikation) is at most 45 characters")
        }
        let ledger = Ledger(context)
        var totals: [String: Totals] = [:]
        for fact in ledger.gamingInPeriod {
            let name = Self.categories[context.facts.terms[fact.category]] ?? "KasinospilSinglePlayer"
            totals[name, default: Totals()].games += max(fact.rounds, 1)
            totals[name, default: Totals()].stakes += fact.stake + fact.bonusStake - fact.jackpotContribution
            totals[name, default: Totals()].jackpot += fact.jackpotContribution
            totals[name, default: Totals()].winnings += fact.win + fact.bonusWin
        }
        let header = ReportHeader(template: self, context: context, noActivity: totals.isEmpty)
        if totals.isEmpty { totals["KasinospilSinglePlayer"] = Totals() }  // the schema asks for at least one
        let fileId = { (version: Int) in "\(context.licence.id)-\(context.period.label)\(version > 0 ? "-v\(version)" : "")" }
        var xml = XMLWriter(header: header)
        // The structure's root is doubled in the published schema; every element is qualified.
        xml.start("fase2.1:EndOfDayRapportStruktur", attributes: [("xmlns:fase2.1", "http://skat.dk/begrebsmodel/2009/01/15/")])
        xml.start("fase2.1:EndOfDayRapportStruktur")
        xml.start("fase2.1:FilInformation")
        xml.element("fase2.1:SpilFilVersion", "v2")
        xml.element("fase2.1:SpilFilIdentifikation", fileId(context.reportVersion))
        if context.reportVersion > 0 { xml.element("fase2.1:SpilFilErstatningIdentifikation", fileId(context.reportVersion - 1)) }
        xml.end()
        xml.start("fase2.1:Tilladelsesindehaver")
        xml.element("fase2.1:SpilCertifikatIdentifikation", context.licence.licenceNumber)
        xml.element("fase2.1:EndOfDayRapportDato", context.period.label)
        xml.element("fase2.1:ValutaOplysningKode", context.licence.currency)
        xml.end()
        xml.start("fase2.1:SpilOpgørelseListe")
        for (name, sums) in totals.sorted(by: { $0.key < $1.key }) {
            xml.start("fase2.1:SpilOpgørelse")
            xml.element("fase2.1:SpilKategoriNavn", name)
            xml.element("fase2.1:EndOfDayRapportAntalSpil", String(sums.games))
            xml.element("fase2.1:EndOfDayRapportIndskudSpil", Money.text(sums.stakes))
            xml.element("fase2.1:EndOfDayRapportIndskudJackpot", Money.text(sums.jackpot))
            xml.element("fase2.1:EndOfDayRapportGevinster", Money.text(sums.winnings))
            xml.element("fase2.1:EndOfDayRapportKommissionRake", "0.00")
            xml.end()
        }
        xml.end()
        xml.end()
        xml.end()
        return [ReportFile(name: fileName(context, .xml), format: .xml, bytes: xml.bytes)]
    }
}
