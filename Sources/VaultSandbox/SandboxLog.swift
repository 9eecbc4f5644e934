import Foundation
public import VaultCore
import VaultFormat

/// The regulator sandbox's log: a vault of its own, in its own directory, with its own origin and
/// key (`SandboxKey`), filled only by replaying a scenario. Nothing else writes to it: it takes no
/// ingest, no holds and no access entries, and its records (event ids `sbx-…`) are refused by the
/// production log as production records are refused by it (`RecordValidator.sandboxEventIdPrefix`).
///
/// **Replay.** `start` loads the scenario's first `replay.initialRecords` records at once; then
/// every `tick` appends the next `replay.recordsPerTick`, until the scenario ends. A batch holds
/// at most `loadBatchRecords` records spanning at most `maxBatchSpanMillis` of scenario time, and
/// is recorded at the scenario's time (its last record's `occurredAt` plus one second), so a record
/// is recorded within the hour it occurred, as a live operator's would be. Salts come from the
/// origin and the key from the scenario (`SandboxKey`), so the same scenario always gives the same
/// entries and the same signed checkpoints, on every run and every machine.
///
/// **Directories.** `root/current` names the generation being served, `root/<scenario>-<n>`.
/// A reset builds the new generation beside the old one, switches `current` (write, fsync,
/// rename), and only then removes the old one; readers holding the old vault finish undisturbed.
public actor SandboxLog {
    /// The most records in one batch.
    public static let loadBatchRecords = 1_000
    /// The most scenario time one batch spans: one hour.
    public static let maxBatchSpanMillis: Int64 = 3_600_000

    /// The log being served: safe to read from any task while replay and reset go on.
    public struct Generation: Sendable {
        public let source: ScenarioSource
        public let vault: Vault
        public let directory: String
        /// The tree size once the initial records were loaded: fixed for a scenario, so the
        /// negative vectors built on it never change.
        public let initialSize: Int64
    }

    /// Where the replay stands.
    public struct Status: Sendable {
        public let scenario: Scenario
        public let replayed: Int
        public let complete: Bool
        public let treeSize: Int64
    }

    public let root: String
    private nonisolated let published = Locked<Generation?>(nil)
    private var replay: Replay?
    private var resetting = false

    /// What only the replaying side needs.
    private struct Replay {
        var records: ScenarioGenerator.Iterator
        /// A record taken from `records` that did not fit the last batch.
        var next: GeneratedRecord? = nil
        var replayed: Int
        var complete: Bool
        let writer: LogWriter
        let clock: ManualClock
        var generation: Generation
    }

    public init(root: String) {
        self.root = root
    }

    /// The generation being served, or nil before `start`.
    public nonisolated func current() -> Generation? {
        published.withLock { $0 }
    }

    /// Serves `source`: continues the current generation if it was built from the same scenario
    /// text, else builds a new one. Returns once the initial records are in the log.
    public func start(_ source: ScenarioSource) async throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        if let name = currentName(), let resumed = try? await resume(directory: root + "/" + name, source: source) {
            install(resumed)
            return
        }
        try await reset(to: source)
    }

    /// Builds a new generation from `source`, serves it, and removes the previous one. Refuses
    /// (`conflict`) while another reset is building.
    public func reset(to source: ScenarioSource) async throws {
        guard !resetting else { throw VaultError(.conflict, "the sandbox is already being reset; try again shortly") }
        resetting = true
        defer { resetting = false }
        let previous = currentName()
        let name = try nextGenerationName(for: source.scenario)
        let directory = root + "/" + name
        let built = try await build(directory: directory, source: source)
        try writeCurrent(name)
        install(built)
        if let previous, previous != name {
            try? FileManager.default.removeItem(atPath: root + "/" + previous)
        }
    }

    /// Appends the scenario's next records, at most `replay.recordsPerTick` (fewer when they span
    /// more than `maxBatchSpanMillis`), as one batch; returns how many (0 once the scenario is
    /// complete).
    @discardableResult
    public func tick() async throws -> Int {
        guard var replay, !replay.complete else { return 0 }
        let before = replay.replayed
        let pending = try await sequence(upTo: replay.generation.source.scenario.replay.recordsPerTick, &replay)
        // A reset may have installed another generation meanwhile; never put the old one back.
        if self.replay?.generation.directory == replay.generation.directory { self.replay = replay }
        _ = try await pending?.acknowledged()
        return replay.replayed - before
    }

    /// Ticks every `replay.tickSeconds` until the task is cancelled; a failed tick goes to
    /// `onError` and is tried again at the next.
    public func run(onError: @Sendable (any Error) -> Void) async {
        while !Task.isCancelled {
            let seconds = replay?.generation.source.scenario.replay.tickSeconds ?? 1
            do {
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                try await tick()
            } catch is CancellationError {
                return
            } catch {
                onError(error)
            }
        }
    }

    public func status() -> Status? {
        guard let replay else { return nil }
        return Status(scenario: replay.generation.source.scenario, replayed: replay.replayed, complete: replay.complete,
                      treeSize: (try? replay.generation.vault.store.treeSize()) ?? 0)
    }

    // MARK: building and resuming

    private func build(directory: String, source: ScenarioSource) async throws -> Replay {
        let scenario = source.scenario
        try? FileManager.default.removeItem(atPath: directory)
        let vault = try Vault.create(at: directory, origin: scenario.origin, signer: try SandboxKey.signer(for: source))
        try Data(source.text.utf8).write(to: URL(fileURLWithPath: directory + "/scenario.json"))
        let clock = ManualClock(millis: scenario.startMillis)
        var replay = Replay(records: ScenarioGenerator(scenario: scenario).makeIterator(), replayed: 0, complete: false,
                            writer: try vault.makeWriter(clock: clock, reproducible: true), clock: clock,
                            generation: Generation(source: source, vault: vault, directory: directory, initialSize: 0))
        // One batch validates and sequences while the one before it commits.
        var committing: PendingBatch?
        while replay.replayed < scenario.replay.initialRecords && !replay.complete {
            let pending = try await sequence(upTo: scenario.replay.initialRecords - replay.replayed, &replay)
            _ = try await committing?.acknowledged()
            committing = pending
        }
        _ = try await committing?.acknowledged()
        replay.generation = Generation(source: source, vault: vault, directory: directory, initialSize: try vault.store.treeSize())
        return replay
    }

    /// Reopens a generation built from the same scenario text and skips the records it holds.
    private func resume(directory: String, source: ScenarioSource) async throws -> Replay? {
        guard let text = FileManager.default.contents(atPath: directory + "/scenario.json"),
              String(decoding: text, as: UTF8.self) == source.text else { return nil }
        let vault = try Vault.open(at: directory)
        let scenario = source.scenario
        let clock = ManualClock(millis: scenario.startMillis)
        let writer = try vault.makeWriter(clock: clock, reproducible: true)
        // The log holds the policy entries of its first batch and then only scenario records.
        let records = Int(try vault.store.treeSize()) - vault.policies.policies.count
        guard records >= scenario.replay.initialRecords else { return nil }
        var iterator = ScenarioGenerator(scenario: scenario).makeIterator()
        for _ in 0..<records { guard iterator.next() != nil else { return nil } }
        let policies = Int64(vault.policies.policies.count)
        let generation = Generation(source: source, vault: vault, directory: directory,
                                    initialSize: policies + Int64(scenario.replay.initialRecords))
        return Replay(records: iterator, replayed: records, complete: false, writer: writer, clock: clock, generation: generation)
    }

    private func install(_ replay: Replay) {
        self.replay = replay
        published.withLock { $0 = replay.generation }
    }

    /// Validates the next records (at most `limit` and `loadBatchRecords`, spanning at most
    /// `maxBatchSpanMillis`) for the sandbox log and sequences them as one batch; nil once the
    /// scenario has no more.
    private func sequence(upTo limit: Int, _ replay: inout Replay) async throws -> PendingBatch? {
        var batch: [GeneratedRecord] = []
        while batch.count < min(limit, SandboxLog.loadBatchRecords), let record = replay.next ?? replay.records.next() {
            replay.next = nil
            if let first = batch.first, record.occurredAtMillis - first.occurredAtMillis > SandboxLog.maxBatchSpanMillis {
                replay.next = record
                break
            }
            batch.append(record)
        }
        guard let last = batch.last else {
            replay.complete = true
            return nil
        }
        let origin = replay.generation.source.scenario.origin
        let now = last.occurredAtMillis + 1000
        replay.clock.set(millis: now)
        let validator = RecordValidator(sandbox: true)
        let validated = try batch.map { record in
            do {
                return try validator.validate(Array(record.line.utf8), now: now, salt: SandboxKey.salt(origin: origin, index: record.index))
            } catch {
                throw VaultError(.invalidRequest, "scenario record \(record.index) is not a valid record: \(error)")
            }
        }
        let pending = try await replay.writer.sequence(validated)
        replay.replayed += batch.count
        return pending
    }


    // MARK: the current pointer

    private func currentName() -> String? {
        guard let data = FileManager.default.contents(atPath: root + "/current") else { return nil }
        let name = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return name.isEmpty || name.contains("/") ? nil : name
    }

    private func nextGenerationName(for scenario: Scenario) throws -> String {
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let numbers = existing.compactMap { name -> Int? in
            guard let dash = name.lastIndex(of: "-") else { return nil }
            return Int(name[name.index(after: dash)...])
        }
        return "\(scenario.name)-\((numbers.max() ?? 0) + 1)"
    }

    /// Points `current` at `name`: temp file, fsync, rename, fsync directory.
    private func writeCurrent(_ name: String) throws {
        let temp = root + "/current.tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw VaultError(.io, "cannot write \(temp)") }
        let bytes = Array((name + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temp, root + "/current") == 0 else {
            throw VaultError(.io, "cannot switch \(root)/current")
        }
        let dir = open(root, O_RDONLY | O_CLOEXEC)
        if dir >= 0 { fsync(dir); close(dir) }
    }
}
