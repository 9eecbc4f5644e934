import VaultFormat

/// What the templates read of the committed records: each client record reduced to the few fields
/// returns are made of (64 bytes, 88 for a gaming record), with strings interned, so a year of a
/// mid-size operator (about two million records) fits in about 160 MB. Built by `add(seq:record:)` in any order; the templates
/// only ever filter and add up, so order does not change a report.
///
/// Records are the vault's own canonical bytes; the vault's own streams (`vault.*`) are skipped.
/// A record that a template needs and that does not follow docs/RECORDS.md (an amount that is
/// not a decimal with at most two places, a `gamingDay` that is not a date) is refused with its
/// seq rather than skipped: a return must not silently leave money out.
public struct ReportFacts: Sendable {
    /// Records of every client stream but `gaming`.
    public private(set) var events: [EventFact] = []
    /// Records of the `gaming` stream.
    public private(set) var gaming: [GamingFact] = []
    /// AML decisions to report to the FIU (`aml` records with action `decision` and a
    /// `state.action` of `report_sar` or `report_str`), kept whole: they are few.
    public private(set) var amlReports: [AMLReportFact] = []
    /// Interned strings; `Term` indexes into it.
    public private(set) var terms = Terms()
    /// Player ids, indexed by `EventFact.player` / `GamingFact.player`.
    public private(set) var players: [String] = []
    private var playerIndex: [String: Int32] = [:]
    /// The largest seq added, or -1.
    public private(set) var lastSeq: Int64 = -1
    public private(set) var recordCount = 0

    public init() {}

    /// Adds one committed record (its canonical JSON bytes).
    public mutating func add(seq: Int64, record bytes: [UInt8]) throws(ReportError) {
        guard let record = RecordFields(bytes) else { throw .unreadableRecord(seq: seq, problem: "not a JSON object") }
        guard let streamName = record.stream, let stream = ReportStream(rawValue: streamName) else { return }
        lastSeq = max(lastSeq, seq)
        recordCount += 1
        guard let occurredText = record.occurredAt, let occurredAt = Timestamp.parseMillis(occurredText) else {
            throw .unreadableRecord(seq: seq, problem: "occurredAt is not an RFC 3339 time")
        }
        let state = record.state
        let player = record.playerId.map { intern(player: $0) } ?? -1
        let jurisdiction = terms.id(record.jurisdiction ?? "")
        func text(_ key: String) -> String? { state[key]?.string }
        func amount(_ key: String, required: Bool) throws(ReportError) -> Int64 {
            guard let value = state[key] else {
                if required { throw .unreadableRecord(seq: seq, problem: "state.\(key) is missing") }
                return 0
            }
            guard let text = value.string ?? value.number, let units = Money.minorUnits(text) else {
                throw .unreadableRecord(seq: seq, problem: "state.\(key) is not an amount with at most two decimals")
            }
            return units
        }
        func count(_ key: String) throws(ReportError) -> Int64 {
            guard let value = state[key] else { return 0 }
            guard let text = value.number, let number = Int64(text), number >= 0 else {
                throw .unreadableRecord(seq: seq, problem: "state.\(key) is not a whole number of 0 or more")
            }
            return number
        }
        if stream == .gaming {
            guard let dayText = text("gamingDay"), let day = CivilDate.days(parsing: dayText) else {
                throw .unreadableRecord(seq: seq, problem: "state.gamingDay is not a date (YYYY-MM-DD)")
            }
            gaming.append(GamingFact(
                seq: seq, occurredAt: occurredAt, player: player, gamingDay: Int32(day), jurisdiction: jurisdiction,
                category: terms.id(text("category") ?? "other"), currency: terms.id(text("currency") ?? ""),
                stake: try amount("stake", required: true), win: try amount("win", required: true),
                bonusStake: try amount("bonusStake", required: false), bonusWin: try amount("bonusWin", required: false),
                jackpotContribution: try amount("jackpotContribution", required: false),
                rounds: try count("rounds")))
            return
        }
        var fact = EventFact(seq: seq, occurredAt: occurredAt, stream: stream, player: player, jurisdiction: jurisdiction,
                             entityType: terms.id(record.entityType ?? ""),
                             entity: terms.id(record.entityId ?? ""),
                             action: terms.id(record.action ?? ""),
                             status: terms.id(text("status") ?? text("kycStatus") ?? ""),
                             kind: terms.id((stream == .incident ? text("kind") : nil) ?? text("type") ?? text("rule") ?? text("method")
                                 ?? text("period") ?? ""),
                             detail: terms.id(text("action") ?? text("severity") ?? text("category") ?? ""),
                             currency: terms.id(text("currency") ?? ""), amount: 0, flags: 0)
        if stream == .payment { fact.amount = try amount("amount", required: true) }
        if record.requestsDocuments { fact.flags |= EventFact.enhancedDueDiligence }
        if record.screened { fact.flags |= EventFact.screened }
        if record.pepOrSanctions { fact.flags |= EventFact.highRisk }
        if let score = state["riskScore"]?.number.flatMap({ Double($0) }), score >= 70 { fact.flags |= EventFact.highRisk }
        if stream == .payment {
            fact.kind = terms.id(text("method") ?? "")
            fact.detail = terms.id(text("country") ?? "")
        }
        if stream == .aml, record.action == "decision", let action = text("action"), AMLReportFact.reportActions.contains(action) {
            amlReports.append(AMLReportFact(
                seq: seq, occurredAt: occurredAt, player: player, jurisdiction: jurisdiction,
                caseId: record.entityId ?? "", decisionId: record.decisionId ?? "", policyVersion: record.policyVersion ?? "",
                modelVersion: record.modelVersion ?? "", dataVersion: record.dataVersion ?? "", action: action,
                riskScore: state["riskScore"]?.number ?? "", explanation: text("explanation") ?? "", alertIds: record.alertIds))
        }
        events.append(fact)
    }

    /// Makes room for `count` more records without moving the facts as they grow. The room is
    /// reserved, not touched: pages that stay unused never become resident.
    public mutating func reserveCapacity(records count: Int) {
        events.reserveCapacity(events.count + count)
        gaming.reserveCapacity(gaming.count + count)
    }

    private mutating func intern(player: String) -> Int32 {
        if let index = playerIndex[player] { return index }
        let index = Int32(players.count)
        players.append(player)
        playerIndex[player] = index
        return index
    }
}

/// The client streams, as in docs/RECORDS.md.
public enum ReportStream: String, Sendable {
    case auditChange = "audit.change", kyc, aml, payment, gaming, responsibleGambling = "responsible_gambling", rng,
         incident, report
}

/// An interned string.
public typealias Term = UInt32

/// A string table: each distinct string once.
public struct Terms: Sendable {
    public private(set) var strings: [String] = [""]
    private var ids: [String: Term] = ["": 0]

    public mutating func id(_ string: String) -> Term {
        if let id = ids[string] { return id }
        let id = Term(strings.count)
        strings.append(string)
        ids[string] = id
        return id
    }

    /// The id of `string` if it occurs anywhere, else nil (so a filter on it matches nothing).
    public func existing(_ string: String) -> Term? { ids[string] }

    public subscript(_ id: Term) -> String { strings[Int(id)] }
}

/// A record of any client stream but `gaming`, reduced. The 8-byte fields come first and the
/// 1-byte ones last, so a fact takes 64 bytes.
public struct EventFact: Sendable {
    public let seq: Int64
    public let occurredAt: Int64
    /// Payments: `state.amount` in minor units.
    public var amount: Int64
    /// Index into `ReportFacts.players`, or -1.
    public let player: Int32
    public let jurisdiction: Term
    public let entityType: Term
    public let entity: Term
    public let action: Term
    /// `state.status`, or `state.kycStatus` for KYC.
    public let status: Term
    /// `state.kind` or `state.type` (incidents), `state.rule` (AML alerts), `state.period` (self-exclusions), or
    /// for payments `state.method`.
    public var kind: Term
    /// `state.action` (AML decisions), `state.severity` (incidents), `state.category`, or for
    /// payments `state.country`.
    public var detail: Term
    public let currency: Term
    public let stream: ReportStream
    public var flags: UInt8

    public init(seq: Int64, occurredAt: Int64, stream: ReportStream, player: Int32, jurisdiction: Term, entityType: Term,
                entity: Term, action: Term, status: Term, kind: Term, detail: Term, currency: Term, amount: Int64, flags: UInt8) {
        self.seq = seq
        self.occurredAt = occurredAt
        self.amount = amount
        self.player = player
        self.jurisdiction = jurisdiction
        self.entityType = entityType
        self.entity = entity
        self.action = action
        self.status = status
        self.kind = kind
        self.detail = detail
        self.currency = currency
        self.stream = stream
        self.flags = flags
    }

    /// An AML case that asked for more (source of funds, bank statements): enhanced due diligence.
    public static let enhancedDueDiligence: UInt8 = 1
    /// A PEP or sanctions hit, or a risk score of 70 or more.
    public static let highRisk: UInt8 = 2
    /// A payment with a blockchain-analytics (KYT) screening result (`state.kytScreening`).
    public static let screened: UInt8 = 4
}

/// An AML decision to report a suspicion to the FIU, with what the goAML report says of it.
public struct AMLReportFact: Sendable {
    /// The `state.action` values that mean "report to the FIU".
    public static let reportActions: Set = ["report_sar", "report_str"]

    public let seq: Int64
    public let occurredAt: Int64
    public let player: Int32
    public let jurisdiction: Term
    /// The `amlCase` entity id.
    public let caseId: String
    public let decisionId: String
    public let policyVersion: String
    public let modelVersion: String
    public let dataVersion: String
    public let action: String
    /// `state.riskScore` as written, or empty.
    public let riskScore: String
    public let explanation: String
    /// `state.alertIds`: the alerts the case was opened on.
    public let alertIds: [String]

    func withPlayer(_ player: Int32, jurisdiction: Term) -> AMLReportFact {
        AMLReportFact(seq: seq, occurredAt: occurredAt, player: player, jurisdiction: jurisdiction, caseId: caseId,
                      decisionId: decisionId, policyVersion: policyVersion, modelVersion: modelVersion,
                      dataVersion: dataVersion, action: action, riskScore: riskScore, explanation: explanation,
                      alertIds: alertIds)
    }
}

/// A `gaming` record: one session or one player's gaming day.
public struct GamingFact: Sendable {
    public let seq: Int64
    public let occurredAt: Int64
    public let player: Int32
    /// `state.gamingDay` as days since 1970-01-01.
    public let gamingDay: Int32
    public let jurisdiction: Term
    public let category: Term
    public let currency: Term
    public let stake: Int64
    public let win: Int64
    public let bonusStake: Int64
    public let bonusWin: Int64
    public let jackpotContribution: Int64
    /// `state.rounds`: game rounds played (0 when not sent).
    public let rounds: Int64
}

extension ReportFacts {
    /// Adds a record after checking its bytes against the commitment in its log entry
    /// (`SHA-256(salt || record)`), so a report is only ever computed from committed bytes.
    public mutating func addCommitted(seq: Int64, salt: [UInt8], record: [UInt8], entry: [UInt8]) throws(ReportError) {
        guard let header = try? EntryHeader(parsing: entry), header.seq == UInt64(seq),
              Entry.commitment(salt: salt, record: record) == header.commitment else {
            throw .commitmentMismatch(seq: seq)
        }
        try add(seq: seq, record: record)
    }
}

extension ReportFacts {
    /// The facts of the records with a seq below `size` only: what a report computed at a checkpoint
    /// of that size read.
    public func prefix(size: Int64) -> ReportFacts {
        var copy = self
        copy.events = events.filter { $0.seq < size }
        copy.gaming = gaming.filter { $0.seq < size }
        copy.amlReports = amlReports.filter { $0.seq < size }
        copy.recordCount = copy.events.count + copy.gaming.count
        copy.lastSeq = min(lastSeq, size - 1)
        return copy
    }
}

extension ReportFacts {
    /// Appends the facts of `other` (read from other records, with its own string table and
    /// player list), translating its terms and players into this one's. Used to read chunks of
    /// records in parallel and merge them in order.
    public mutating func merge(_ other: ReportFacts) {
        let termMap = other.terms.strings.map { terms.id($0) }
        let playerMap = other.players.map { intern(player: $0) }
        func term(_ id: Term) -> Term { termMap[Int(id)] }
        func player(_ index: Int32) -> Int32 { index < 0 ? -1 : playerMap[Int(index)] }
        for fact in other.events {
            events.append(EventFact(seq: fact.seq, occurredAt: fact.occurredAt, stream: fact.stream, player: player(fact.player),
                                 jurisdiction: term(fact.jurisdiction), entityType: term(fact.entityType), entity: term(fact.entity),
                                 action: term(fact.action), status: term(fact.status), kind: term(fact.kind),
                                 detail: term(fact.detail), currency: term(fact.currency), amount: fact.amount, flags: fact.flags))
        }
        for fact in other.gaming {
            gaming.append(GamingFact(seq: fact.seq, occurredAt: fact.occurredAt, player: player(fact.player), gamingDay: fact.gamingDay,
                                     jurisdiction: term(fact.jurisdiction), category: term(fact.category),
                                     currency: term(fact.currency), stake: fact.stake, win: fact.win, bonusStake: fact.bonusStake,
                                     bonusWin: fact.bonusWin, jackpotContribution: fact.jackpotContribution, rounds: fact.rounds))
        }
        amlReports += other.amlReports.map { $0.withPlayer(player($0.player), jurisdiction: term($0.jurisdiction)) }
        lastSeq = max(lastSeq, other.lastSeq)
        recordCount += other.recordCount
    }
}
