/// A goAML 5 suspicious transaction report (`report_code` STR) for each AML case the vault saw
/// decided to be reported to the FIU, valid against the goAML 5.0.2 schema (XSD 1.1): the alert →
/// case → decision chain, with the decision's id and policy, model and data versions, the
/// player's approved payments of the `lookbackDays` days up to the decision as transactions, and
/// the indicators of the case's alert rules (`GoAMLSettings`).
///
/// Filed daily: the gaming day's decisions (`aml` records with action `decision` and
/// `state.action` `report_sar` or `report_str`) each get one XML file, split every
/// `maxTransactionsPerFile` transactions into parts that each carry the full report; an index CSV
/// lists them, or says "no activity". A decision with no payment in the window is filed in
/// goAML's activity form, naming the account only.
///
/// The vault holds pseudonymous player ids, not identities, so the player appears as the
/// account they hold with the operator (goAML's `t_account`, whose `account` and `client_number`
/// are the player id), not as a `person_my_client`: the MLRO completes the identity from the
/// KYC system on the FIU's portal before submitting. Payments in a currency other than the
/// licence's are left out and counted in the index.
public struct GoAMLSuspiciousTransactionReport: ReportTemplate {
    public static let templateId = "goaml.str"
    public static let lookbackDays: Int64 = 90
    public static let maxTransactionsPerFile = 1000

    public init() {}
    public let id = templateId
    public let version = 1
    public let title = "goAML suspicious transaction reports (STR)"
    public let cadence = Cadence.daily
    public let formats: [ReportFormat] = [.csv, .xml]
    public let jurisdictions: [String] = []
    public let due = "without delay after the decision to report; prepared for the gaming day the decision is recorded"
    public let summary = "One goAML 5 STR per AML case decided report_sar/report_str: 90 days of the player's payments, alert indicators."
    public let source = "Sources/VaultReports/Templates/GoAMLSuspiciousTransactionReport.swift"

    public func render(_ context: ReportContext) throws(ReportError) -> [ReportFile] {
        try check(licence: context.licence, period: context.period)
        guard let settings = context.licence.goaml else {
            throw .invalidConfiguration(option: "licence \(context.licence.id).goaml", problem: "is required for \(id)")
        }
        let ledger = Ledger(context)
        let decisions = context.facts.amlReports
            .filter { context.covers($0.occurredAt) && ledger.isCovered(jurisdiction: $0.jurisdiction) && $0.player >= 0 }
            .sorted { ($0.occurredAt, $0.seq) < ($1.occurredAt, $1.seq) }
        var index = CSVTable(columns: ["case_id", "decision_id", "decided_at", "player_id", "risk_score", "policy_version",
                                       "indicators", "transactions", "amount", "left_out_other_currency", "part", "file"])
        var files: [ReportFile] = []
        let rules = decisions.isEmpty ? [:] : alertRules(context.facts)
        var usedNames = Set<String>()
        for decision in decisions {
            let (payments, leftOut) = transactions(for: decision, ledger: ledger)
            let indicators = Set(decision.alertIds.map { alert in
                rules[alert].flatMap { settings.indicators[$0] } ?? settings.defaultIndicator
            }).union(decision.alertIds.isEmpty ? [settings.defaultIndicator] : []).sorted()
            let parts = stride(from: 0, to: max(payments.count, 1), by: Self.maxTransactionsPerFile).map {
                Array(payments[$0..<min($0 + Self.maxTransactionsPerFile, payments.count)])
            }
            var stem = "\(id)-\(context.licence.id)-\(context.period.label)-\(Self.safeName(decision.caseId))"
            if !usedNames.insert(stem).inserted { stem += "-seq\(decision.seq)" }
            for (number, part) in parts.enumerated() {
                let partLabel = parts.count > 1 ? "\(number + 1)of\(parts.count)" : ""
                let name = stem + (partLabel.isEmpty ? "" : "-" + partLabel)
                    + (context.reportVersion > 0 ? "-v\(context.reportVersion)" : "") + ".xml"
                let header = ReportHeader(template: self, context: context, noActivity: false)
                let xml = report(decision, part: part, partLabel: partLabel, indicators: indicators, settings: settings,
                                 ledger: ledger, header: header)
                let file = ReportFile(name: name, format: .xml, bytes: xml)
                files.append(file)
                index.append([decision.caseId, decision.decisionId, utcText(millis: decision.occurredAt), ledger.playerId(decision.player),
                              decision.riskScore, decision.policyVersion, indicators.joined(separator: " "), String(part.count),
                              Money.text(part.reduce(0) { $0 + $1.amount }), String(leftOut),
                              partLabel.isEmpty ? "1of1" : partLabel, name])
            }
        }
        let header = ReportHeader(template: self, context: context, noActivity: decisions.isEmpty)
        return [ReportFile(name: fileName(context, .csv), format: .csv, bytes: index.bytes(header: header))] + files
    }

    /// Alert id → its rule, from the `amlAlert` records.
    private func alertRules(_ facts: ReportFacts) -> [String: String] {
        guard let alertType = facts.terms.existing("amlAlert") else { return [:] }
        var rules: [String: String] = [:]
        for fact in facts.events where fact.stream == .aml && fact.entityType == alertType && fact.kind != 0 {
            rules[facts.terms[fact.entity]] = facts.terms[fact.kind]
        }
        return rules
    }

    /// The player's approved payments in the licence's currency from `lookbackDays` before the
    /// decision up to it, oldest first, and how many in other currencies were left out.
    private func transactions(for decision: AMLReportFact, ledger: Ledger) -> ([EventFact], Int) {
        let start = decision.occurredAt - Self.lookbackDays * 86_400_000
        var payments: [EventFact] = []
        var leftOut = 0
        for fact in ledger.facts.events where fact.player == decision.player && fact.stream == .payment
            && fact.occurredAt >= start && fact.occurredAt <= decision.occurredAt && ledger.cashEffect(fact) != 0 {
            if fact.currency == ledger.currency { payments.append(fact) } else { leftOut += 1 }
        }
        return (payments.sorted { ($0.occurredAt, $0.seq) < ($1.occurredAt, $1.seq) }, leftOut)
    }

    private func report(_ decision: AMLReportFact, part: [EventFact], partLabel: String, indicators: [String],
                        settings: GoAMLSettings, ledger: Ledger, header: ReportHeader) -> [UInt8] {
        let context = ledger.context
        let terms = context.facts.terms
        var xml = XMLWriter(header: header)
        xml.start("report")
        xml.element("rentity_id", String(settings.reportingEntityId))
        xml.element("submission_code", "E")
        xml.element("report_code", "STR")
        let reference = [decision.caseId, decision.decisionId, partLabel].filter { !$0.isEmpty }.joined(separator: "/")
        xml.element("entity_reference", String(reference.prefix(255)))
        xml.element("report_date", Self.dateTime(context.generatedAt))
        xml.element("currency_code_local", context.licence.currency)
        let score = decision.riskScore.isEmpty ? "" : "; risk score \(decision.riskScore)"
        xml.element("reason", String((decision.explanation + score).prefix(8000)))
        let versions = [("policy", decision.policyVersion), ("model", decision.modelVersion), ("data", decision.dataVersion)]
            .filter { !$0.1.isEmpty }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
        xml.element("action", "AML decision \(decision.decisionId) (\(decision.action)) on case \(decision.caseId), "
            + "alerts \(decision.alertIds.joined(separator: " ")); \(versions); vault record seq \(decision.seq)")
        let player = ledger.playerId(decision.player)
        if part.isEmpty {
            xml.start("activity")
            xml.start("report_parties")
            xml.start("report_party")
            account(&xml, player: player, settings: settings, context: context)
            xml.element("reason", "no approved payment in the \(Self.lookbackDays) days before the decision")
            xml.end()
            xml.end()
            xml.end()
        }
        for payment in part {
            xml.start("transaction")
            let number = terms[payment.entity]
            xml.element("transactionnumber", number.isEmpty || number.utf8.count > 100 ? "seq-\(payment.seq)" : number)
            xml.element("internal_ref_number", "seq-\(payment.seq)")
            xml.element("transaction_location", "online")
            let method = terms[payment.kind]
            xml.element("transaction_description", "\(terms[payment.action]) by \(method.isEmpty ? "unknown method" : method)")
            xml.element("date_transaction", Self.dateTime(payment.occurredAt))
            xml.element("transmode_code", settings.transmodeCode)
            xml.element("transmode_comment", "-")
            xml.element("amount_local", Money.text(payment.amount))
            xml.start("involved_parties")
            xml.start("party")
            xml.element("role", settings.partyRole)
            account(&xml, player: player, settings: settings, context: context)
            xml.element("funds_code", settings.fundsCodes[method] ?? settings.defaultFundsCode)
            let country = terms[payment.detail]
            xml.element("country", Self.isCountryCode(country) ? country : context.licence.jurisdiction)
            xml.element("comments", ledger.cashEffect(payment) > 0 ? "deposit into the account" : "withdrawal from the account")
            xml.end()
            xml.end()
            xml.end()
        }
        xml.start("report_indicators")
        for indicator in indicators { xml.element("indicator", indicator) }
        xml.end()
        xml.end()
        return xml.bytes
    }

    /// The player's account with the operator (goAML `t_account`).
    private func account(_ xml: inout XMLWriter, player: String, settings: GoAMLSettings, context: ReportContext) {
        xml.start("account")
        xml.element("institution_name", "licence \(context.licence.licenceNumber)")
        xml.element("institution_code", String(context.licence.licenceNumber.prefix(50)))
        xml.element("institution_country", context.licence.jurisdiction)
        xml.element("non_bank_institution", "true")
        xml.element("branch", "online")
        xml.element("account", String(player.prefix(255)))
        xml.element("currency_code", context.licence.currency)
        let name = String(player.unicodeScalars.map { Self.isNameCharacter($0) ? Character($0) : "-" }.prefix(255))
        xml.element("account_name", name.isEmpty ? "-" : name)
        if player.utf8.count <= 30 { xml.element("client_number", player) }
        xml.element("personal_account_type", settings.accountType)
        xml.element("comments", "pseudonymous player id; identity held by the operator's KYC system")
        xml.end()
    }

    /// goAML's `sql_date`: an `xs:dateTime` without zone, in UTC.
    static func dateTime(_ millis: Int64) -> String { String(utcText(millis: millis).dropLast()) }

    static func isCountryCode(_ text: String) -> Bool {
        text.utf8.count == 2 && text.utf8.allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
    }

    static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", " ", ".", "'", "-": true
        default: false
        }
    }

    /// A case id as a file-name segment: `[a-z0-9-]`, other characters as `-`.
    static func safeName(_ text: String) -> String {
        let safe = String(text.lowercased().unicodeScalars.prefix(64).map {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) ? Character($0) : "-"
        })
        return safe.isEmpty ? "case" : safe
    }
}
