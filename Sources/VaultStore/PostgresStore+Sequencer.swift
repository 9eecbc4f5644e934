import Foundation
import PostgresNIO
import VaultFormat

/// The sequencer lease this node holds: the token its commits are fenced with.
struct SequencerLease: Sendable {
    let token: Int64
    let holder: String
}

/// The sequencer lease (the `sequencer` row, see `PostgresSchema`): one node at a time commits to
/// the log. Taking the lease adds one to its token, which fences every earlier holder out.
extension PostgresStore {
    /// How long a lease lasts without being renewed: 6 seconds, or `REGVAULT_SEQUENCER_LEASE_SECONDS`
    /// (2 to 60). A node that dies is replaced after this long at most; the holder renews it every
    /// third of it, and with every commit. A value that is not such a number is refused.
    public static func leaseSeconds(environment: [String: String]? = nil) throws -> Int64 {
        guard let text = (environment ?? ProcessInfo.processInfo.environment)["REGVAULT_SEQUENCER_LEASE_SECONDS"] else { return 6 }
        guard let seconds = Int64(text), (2...60).contains(seconds) else {
            throw StorageError(.configuration, "REGVAULT_SEQUENCER_LEASE_SECONDS must be a number of seconds from 2 to 60, not '\(text)'")
        }
        return seconds
    }

    /// Calls `handler` once, on a thread of the store's, when this node finds that it lost the
    /// sequencer lease (another node took it over): from then on every commit is refused, so a
    /// server stops and comes back as a standby.
    public func whenSequencerLeaseLost(_ handler: @escaping @Sendable () -> Void) {
        leaseLost.withLock { $0 = handler }
    }

    /// Forgets the lease `token` and tells the handler, once.
    func leaseWasLost(token: Int64) {
        let lost = lease.withLock { current -> Bool in
            guard current?.token == token else { return false }
            current = nil
            return true
        }
        guard lost else { return }
        leaseRenewal.withLock { renewer in
            renewer?.stop()
            renewer = nil
        }
        leaseLost.withLock { $0 }?()
    }

    /// Takes the sequencer lease for `holder` when nobody holds it, its holder let it expire, or
    /// `holder` already held it (a restart), then keeps renewing it until `resignSequencer`.
    /// - Throws: `StorageError.sequencerBusy` naming the node that holds a live lease.
    public func becomeSequencer(holder: String) throws {
        let leaseSeconds = try PostgresStore.leaseSeconds()
        let taken = try writerSession.withConnection { connection in
            try PostgresSession.run("""
                UPDATE sequencer SET token = token + 1, holder = \(holder), url = NULL,
                                     expires_at = now() + \(leaseSeconds) * interval '1 second'
                WHERE holder IS NULL OR expires_at IS NULL OR expires_at < now() OR holder = \(holder)
                RETURNING token
                """, on: connection, logger: writerSession.logger).rows.first.map { try PostgresCells($0).int64(0) }
        }
        guard let token = taken else {
            let current = try rows("SELECT holder, to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM sequencer").first
            throw StorageError(.sequencerBusy, "another node (\(try current?.optionalString(0) ?? "unknown")) holds the sequencer lease, "
                + "renewed while it runs (now until \(try current?.optionalString(1) ?? "unknown")), and only that node may write to the log "
                + "while it does")
        }
        lease.withLock { $0 = SequencerLease(token: token, holder: holder) }
        startRenewingLease(token: token, leaseSeconds: leaseSeconds)
    }

    /// Gives up the lease, if this store holds it: the next node may take it at once.
    public func resignSequencer() {
        leaseRenewal.withLock { renewer in
            renewer?.stop()
            renewer = nil
        }
        guard let held = lease.withLock({ current -> SequencerLease? in
            defer { current = nil }
            return current
        }) else { return }
        _ = try? writerSession.withConnection { connection in
            try PostgresSession.run("UPDATE sequencer SET holder = NULL, expires_at = NULL, url = NULL WHERE token = \(held.token)",
                                    on: connection, logger: writerSession.logger)
        }
    }

    /// The token of the lease this node holds, if it holds one.
    public var sequencerToken: Int64? { lease.withLock { $0?.token } }

    /// Publishes `url` in the lease row, if this store still holds the lease (a lease lost in the
    /// meantime keeps its new holder's URL).
    public func advertiseSequencer(url: String) throws {
        guard let token = sequencerToken else { return }
        try writerSession.withConnection { connection in
            _ = try PostgresSession.run("UPDATE sequencer SET url = \(url) WHERE token = \(token)",
                                        on: connection, logger: writerSession.logger)
        }
    }

    /// The URL the live lease's holder published; nil once the lease has lapsed or been given up.
    public func sequencerURL() throws -> String? {
        try rows("SELECT url FROM sequencer WHERE holder IS NOT NULL AND expires_at > now()").first?.optionalString(0)
    }

    /// Renews the lease every third of its length on a thread of its own (the renewal waits for
    /// the database). When the lease is found taken over, this node stops believing it holds it;
    /// its commits would be refused by the fence in any case.
    private func startRenewingLease(token: Int64, leaseSeconds: Int64) {
        let renewer = LeaseRenewer(every: Double(leaseSeconds) / 3) { [weak self, leaseSeconds] in
            guard let self else { return false }
            let renewed = try? self.writerSession.withConnection { connection in
                try PostgresSession.run("""
                    UPDATE sequencer SET expires_at = now() + \(leaseSeconds) * interval '1 second'
                    WHERE token = \(token) RETURNING token
                    """, on: connection, logger: self.writerSession.logger).rows.count
            }
            if renewed == 0 {
                self.leaseWasLost(token: token)
                return false
            }
            return true
        }
        leaseRenewal.withLock { previous in
            previous?.stop()
            previous = renewer
        }
    }
}

/// Runs `renew` every `interval` seconds on a thread of its own until it returns false or `stop`.
final class LeaseRenewer: Sendable {
    private let stopped = Locked(false)

    init(every interval: Double, renew: @escaping @Sendable () -> Bool) {
        let stopped = self.stopped
        Thread.detachNewThread {
            var next = Date().addingTimeInterval(interval)
            while !stopped.withLock({ $0 }) {
                if Date() >= next {
                    if !renew() { return }
                    next = Date().addingTimeInterval(interval)
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    func stop() {
        stopped.withLock { $0 = true }
    }
}
