/// A deterministic stream of plausible operator records, fake by construction: the same seed and
/// count always give byte-identical JSON lines.
///
/// The mix imitates a mid-size operator: most records are KYC, payment, gaming, AML and
/// safer-gambling events spread over many players; a small set of back-office configuration entities (bonus
/// rules, game RNG settings, deposit-limit policies) is changed often, and bonus rule 123 is the
/// hottest, so its history is long and full of diffs.
public struct SyntheticRecords: Sequence, Sendable {
    public let seed: UInt64
    public let count: Int
    /// `occurredAt` of the first record, in milliseconds since the epoch; each record is 1 s later.
    public let startMillis: Int64
    /// How many distinct players the events spread over.
    public let players: Int

    public init(seed: UInt64 = 1, count: Int, startMillis: Int64 = 1_767_225_600_000, players: Int = 50_000) {
        self.seed = seed
        self.count = count
        self.startMillis = startMillis
        self.players = players
    }

    public func makeIterator() -> AnyIterator<String> {
        var index = 0
        return AnyIterator {
            guard index < count else { return nil }
            defer { index += 1 }
            return record(at: index)
        }
    }

    /// The JSON line of record `index` (0-based), without a newline.
    public func record(at index: Int) -> String {
        var rng = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index))
        let eventId = "evt-\(hex(rng.next()))"
        let at = iso8601(startMillis + Int64(index) * 1000)
        let roll = rng.next() % 100
        let player = "p-\(100_000 + Int(rng.next() % UInt64(players)))"
        let jurisdiction = ["MT", "GB", "CW", "MT", "GB"][Int(rng.next() % 5)]
        switch roll {
        case 0..<8:
            // Bonus rules: rule 123 gets a third of all changes.
            let rule = rng.next() % 3 == 0 ? 123 : 100 + Int(rng.next() % 40)
            let admin = "bo-admin-\(1 + rng.next() % 9)"
            let cap = 50 + Int(rng.next() % 40) * 10
            let wagering = 20 + Int(rng.next() % 5) * 5
            let active = rng.next() % 5 != 0
            return #"{"eventId":"\#(eventId)","stream":"audit.change","entity":{"type":"bonusRule","id":"\#(rule)"},"action":"update","actor":{"id":"\#(admin)","role":"bonus_manager","ip":"10.0.\#(rng.next() % 4).\#(1 + rng.next() % 250)"},"occurredAt":"\#(at)","reason":"\#(reasons[Int(rng.next() % UInt64(reasons.count))])","jurisdiction":"\#(jurisdiction)","state":{"maxBonus":\#(cap),"wagering":\#(wagering),"active":\#(active),"games":["slots"\#(rng.next() % 2 == 0 ? ",\"live\"" : "")],"currency":"EUR"}}"#
        case 8..<10:
            let game = "game-\(1 + rng.next() % 20)"
            let rtp = 94.0 + Double(rng.next() % 40) / 10
            return #"{"eventId":"\#(eventId)","stream":"rng","entity":{"type":"gameConfig","id":"\#(game)"},"action":"update","actor":{"id":"ops-\#(1 + rng.next() % 4)","role":"game_ops"},"occurredAt":"\#(at)","reason":"certified configuration rollout","jurisdiction":"\#(jurisdiction)","state":{"rtp":\#(rtp),"rngVersion":"2.\#(rng.next() % 6).0","volatility":"\#(["low", "medium", "high"][Int(rng.next() % 3)])"}}"#
        case 10..<35:
            let status = ["started", "document_checked", "poa_checked", "screened", "passed", "needs_review"][Int(rng.next() % 6)]
            return #"{"eventId":"\#(eventId)","stream":"kyc","entity":{"type":"player","id":"\#(player)"},"action":"status_change","actor":{"id":"kyc-service","role":"system"},"occurredAt":"\#(at)","jurisdiction":"\#(jurisdiction)","playerId":"\#(player)","state":{"kycStatus":"\#(status)","documentType":"SYNTHETIC-ID","pep":false,"sanctionsHit":false}}"#
        case 35..<63:
            let kind = rng.next() % 3 == 0 ? "withdrawal" : "deposit"
            let amount = 10 + Int(rng.next() % 500)
            let method = ["card", "bank_transfer", "ewallet"][Int(rng.next() % 3)]
            return #"{"eventId":"\#(eventId)","stream":"payment","entity":{"type":"payment","id":"pay-\#(hex(rng.next()))"},"action":"\#(kind)","actor":{"id":"cashier","role":"system"},"occurredAt":"\#(at)","jurisdiction":"\#(jurisdiction)","playerId":"\#(player)","state":{"amount":\#(amount).\#(rng.next() % 100),"currency":"EUR","method":"\#(method)","status":"approved","country":"\#(jurisdiction)"}}"#
        case 63..<75:
            // A gaming-day summary: stake, win (wins are at most 1.5 times the stake), bonus play.
            let stakeCents = 500 + Int(rng.next() % 50_000)
            let winCents = stakeCents * Int(rng.next() % 151) / 100
            let category = ["slots", "jackpot_slots", "table", "live_casino"][Int(rng.next() % 4)]
            let game = 1 + rng.next() % 20
            let day = String(at.prefix(10))
            return #"{"eventId":"\#(eventId)","stream":"gaming","entity":{"type":"gamingDay","id":"gd-\#(player)-\#(day)-\#(hex(rng.next()).prefix(6))"},"action":"day_summary","actor":{"id":"gaming-platform","role":"system"},"occurredAt":"\#(at)","jurisdiction":"\#(jurisdiction)","playerId":"\#(player)","state":{"gamingDay":"\#(day)","gameId":"game-\#(game)","category":"\#(category)","channel":"web","rngVersion":"2.\#(game % 6).0","rounds":\#(1 + stakeCents / 100),"currency":"EUR","stake":"\#(decimal(stakeCents))","win":"\#(decimal(winCents))","bonusStake":"0.00","bonusWin":"0.00","jackpotContribution":"\#(category == "jackpot_slots" ? decimal(stakeCents / 100) : "0.00")"}}"#
        case 75..<85:
            let limit = 100 * (1 + Int(rng.next() % 20))
            return #"{"eventId":"\#(eventId)","stream":"responsible_gambling","entity":{"type":"depositLimit","id":"\#(player)"},"action":"update","actor":{"id":"\#(player)","role":"player"},"occurredAt":"\#(at)","reason":"player-set limit","jurisdiction":"\#(jurisdiction)","playerId":"\#(player)","state":{"daily":\#(limit),"weekly":\#(limit * 5),"monthly":\#(limit * 20)}}"#
        default:
            let score = Int(rng.next() % 100)
            let action = score > 80 ? "escalate" : (score > 50 ? "review" : "clear")
            return #"{"eventId":"\#(eventId)","stream":"aml","entity":{"type":"amlCase","id":"case-\#(player)"},"action":"decision","actor":{"id":"aml-engine","role":"system"},"occurredAt":"\#(at)","jurisdiction":"\#(jurisdiction)","playerId":"\#(player)","decisionId":"dec-\#(hex(rng.next()))","policyVer":"aml-policy-2026.\#(1 + rng.next() % 3)","modelVer":"risk-model-4.\#(rng.next() % 3)","state":{"riskScore":\#(score),"action":"\#(action)","explanation":"synthetic velocity and source-of-funds signals"}}"#
        }
    }

    private let reasons = [
        "raise cap for winter promo", "align wagering with MGA guidance", "disable for weekend campaign end",
        "correct currency after review", "restore after incident INC-204", "quarterly bonus policy update",
    ]
}

/// SplitMix64: a small, fast, deterministic generator (not for secrets), for synthetic data and
/// property-style tests.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Cents as a decimal string with two decimals.
private func decimal(_ cents: Int) -> String { CompactJSONWriter.decimal(cents: cents) }

private func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

/// `YYYY-MM-DDTHH:MM:SSZ` for milliseconds since the epoch (whole seconds, not before 1970).
func iso8601(_ millis: Int64) -> String {
    let seconds = millis / 1000
    let (year, month, day) = CivilTime.date(days: Int(seconds / 86_400))
    let secondOfDay = Int(seconds % 86_400)
    func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
}
