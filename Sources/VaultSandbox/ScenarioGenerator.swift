/// One generated record.
public struct GeneratedRecord: Sendable {
    /// 0-based position in the scenario.
    public let index: Int
    public let occurredAtMillis: Int64
    /// One compact JSON object, no newline. Its `eventId` is `sbx-NAME-sSEED-INDEX` (index padded
    /// to 10 digits): the `sbx-` prefix marks sandbox data, which the production log refuses.
    public let line: String
}

/// The records of a scenario in time order (`occurredAt` non-decreasing), generated lazily one day
/// at a time: memory holds the per-player state and one day's records, never the whole history.
/// The same scenario (seed included) always gives byte-identical lines.
///
/// Within a day, records are ordered by second, then by the order the simulation produced them.
/// After the last day, one more short pass files the reports covering it (at 00:05 of the next
/// day), so the last records may lie just after the scenario's period.
public struct ScenarioGenerator: Sequence, Sendable {
    public let scenario: Scenario

    public init(scenario: Scenario) {
        self.scenario = scenario
    }

    public func makeIterator() -> Iterator {
        Iterator(scenario: scenario)
    }

    public struct Iterator: IteratorProtocol, Sendable {
        private var simulation: OperatorSimulation
        private var day = 0
        private var pending: [DraftRecord] = []
        private var position = 0
        private var index = 0
        private let eventIdPrefix: String
        private let startMillis: Int64

        init(scenario: Scenario) {
            simulation = OperatorSimulation(scenario: scenario)
            eventIdPrefix = "{\"eventId\":\"sbx-\(scenario.name)-s\(scenario.seed)-"
            startMillis = scenario.startMillis
        }

        public mutating func next() -> GeneratedRecord? {
            while position == pending.count {
                guard day <= simulation.scenario.days else { return nil }
                pending = simulation.simulate(day: day)
                pending.sort { $0.sortKey < $1.sortKey }
                position = 0
                day += 1
            }
            let draft = pending[position]
            position += 1
            let number = String(index)
            let line = eventIdPrefix + String(repeating: "0", count: Swift.max(0, 10 - number.count)) + number + "\"," + draft.body
            defer { index += 1 }
            return GeneratedRecord(index: index, occurredAtMillis: draft.millis, line: line)
        }
    }
}

/// A record before it has its place in the sequence: its time and its JSON without the leading
/// `{"eventId":...,` member.
struct DraftRecord: Sendable {
    let millis: Int64
    /// Second of the day in the high bits, production order in the low bits.
    let sortKey: Int64
    let body: String
}
