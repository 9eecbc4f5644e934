import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import VaultConfiguration
import VaultCore
import VaultFormat
import VaultStore

/// Works the outbox: claims due deliveries under a lease, sends each through its destination's
/// channel, and appends the outcome to the log before the outbox row moves on, so the log proves
/// when a report reached its receiver.
///
/// Crash safety: a delivery is removed from the outbox only after its final state is durable in
/// the log, and rescheduled only after its failed attempt is. A crash between sending and
/// recording sends again with the same `webhook-id`, which receivers use to drop the repeat; a
/// crash after recording finds the final state and only removes the row.
struct DeliveryWorker: Sendable {
    let vault: Vault
    let writer: LogWriter
    let outbox: any OutboxStorage
    let channels: [String: any DeliveryChannel]
    /// How answers to each identity's requests are signed and sent, by certificate common name.
    let callbacks: [String: CallbackSettings]
    let retry: RetryPolicy
    /// Public holidays by jurisdiction, for incidents' working-day deadlines.
    let holidays: [String: Set<String>]
    let metrics: ServerMetrics
    /// Makes the read access P1 notices carry, and where their links start.
    let incidentAccess: IncidentAccessKey
    let linkBase: String?
    let logger = Logger(label: "regvault.delivery")
    /// This worker's lease owner id.
    let owner = "worker-" + UUID().uuidString.lowercased()
    /// How long a claim lasts: far longer than any attempt's deadline (at most 300 s) and than
    /// building an export a callback links to, so one delivery is never worked twice at once.
    let leaseMillis: Int64 = 30 * 60 * 1000
    /// How often an idle worker looks for due deliveries.
    static let idlePoll: Duration = .milliseconds(100)
    static let parallelSends = 16

    /// Loops until cancelled. The store is the vault's own (one process holds its writer lock), so
    /// leases left by a process that died are released first. Redirects are never followed; each
    /// attempt also has its destination's own deadline.
    func run() async {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(10), read: .seconds(60)))
        // A refused connection fails the attempt at once, with its reason in the log; the outbox's
        // back-off is the retry (the client's own would hold the slot until the connect timeout).
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        await work(with: client)
        try? await client.shutdown()
    }

    /// Keeps up to `parallelSends` deliveries in flight: a slot freed by one (a slow receiver takes
    /// up to its deadline) is filled at once by the next due, so one receiver cannot hold up others.
    private func work(with client: HTTPClient) async {
        do { try outbox.releaseDeliveryLeases() } catch { logger.error("cannot release the outbox's leases: \(error)") }
        let inFlight = NIOLockedValueBox(0)
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let free = Self.parallelSends - inFlight.withLockedValue { $0 }
                var due: [OutboxItem] = []
                do {
                    if free > 0 {
                        due = try outbox.claimDeliveries(now: nowMillis(), owner: owner, leaseMillis: leaseMillis, limit: free)
                    }
                    metrics.outboxDepth(try outbox.outboxDepth(), now: nowMillis())
                } catch {
                    logger.error("cannot read the outbox: \(error)")
                }
                for item in due {
                    inFlight.withLockedValue { $0 += 1 }
                    group.addTask {
                        await work(item, client: client)
                        inFlight.withLockedValue { $0 -= 1 }
                    }
                }
                if due.isEmpty {
                    // Idle: look again shortly; busy with every slot taken: look as soon as one may be free.
                    try? await Task.sleep(for: free == Self.parallelSends ? Self.idlePoll : .milliseconds(10))
                }
            }
        }
    }

    /// One attempt at one claimed delivery, its outcome recorded.
    func work(_ item: OutboxItem, client: HTTPClient) async {
        do {
            guard var delivery = try vault.delivery(id: item.deliveryId), !delivery.status.isFinal else {
                _ = try outbox.completeDelivery(item.deliveryId, owner: owner)
                return
            }
            let outcome: DeliveryOutcome
            do {
                let channel = try channel(for: delivery)
                let body = try await DeliveryPayload.body(for: delivery, vault: vault, writer: writer, holidays: holidays,
                                                          access: incidentAccess, linkBase: linkBase)
                delivery.payloadSha256 = Hash.sha256(body).hex
                outcome = await channel.send(delivery, body: body, client: client)
            } catch let error as DeliveryPayloadError {
                outcome = refused(error.description)
            }
            // A shutdown cut the attempt short: record nothing; the next start sends it again under the same id.
            guard !Task.isCancelled else { return }
            delivery.attempts += 1
            delivery.lastAttempt = outcome.attempt
            metrics.deliveryAttempted(channel: delivery.channel, destination: delivery.destination, accepted: outcome.accepted,
                                      durationMillis: outcome.attempt.durationMillis)
            // The budget counts the outbox's attempts, which a compliance officer's retry starts afresh;
            // the log's `attempts` counts them all.
            let tries = item.attempts + 1
            if outcome.accepted || outcome.permanent || tries >= retry.maxAttempts {
                delivery.status = outcome.accepted ? .delivered : .dead
                delivery.nextAttemptAt = nil
                _ = try await writer.recordDelivery(delivery, action: outcome.accepted ? "deliver" : "give_up")
                _ = try outbox.completeDelivery(delivery.id, owner: owner)
                if outcome.accepted {
                    let received = outcome.attempt.at + outcome.attempt.durationMillis
                    metrics.deliveryCompleted(channel: delivery.channel, kind: delivery.subject.kind,
                                              afterMillis: received - delivery.enqueuedAt)
                } else {
                    let reason = outcome.attempt.error ?? "refused"
                    let attempts = delivery.attempts
                    logger.error("delivery \(delivery.id) to \(delivery.destination) given up after \(attempts) attempts: \(reason)")
                }
            } else {
                let due = nowMillis() + retry.delayMillis(afterAttempt: tries)
                delivery.status = .retrying
                delivery.nextAttemptAt = due
                _ = try await writer.recordDelivery(delivery, action: "attempt")
                _ = try outbox.rescheduleDelivery(delivery.id, owner: owner, dueAt: due)
            }
        } catch {
            // The outcome could not be recorded: the lease runs out and the delivery is tried again.
            logger.error("delivery \(item.deliveryId): \(error)")
        }
    }

    /// The configured destination's channel, or for a request's answer a channel to its callback
    /// (checked again against the identity's callback hosts, which may have changed since).
    private func channel(for delivery: Delivery) throws(DeliveryPayloadError) -> any DeliveryChannel {
        if let channel = channels[delivery.destination] { return channel }
        let prefix = RegulatorRequest.destination(identity: "")
        guard delivery.destination.hasPrefix(prefix) else {
            throw DeliveryPayloadError("destination \(delivery.destination) is no longer in the configuration")
        }
        let identity = String(delivery.destination.dropFirst(prefix.count))
        guard let settings = callbacks[identity], let url = delivery.url, settings.allows(url) else {
            throw DeliveryPayloadError("\(delivery.url ?? "the callback") is no longer a callback host of \(identity)")
        }
        do {
            return try WebhookChannel(destination: delivery.destination, url: url, signature: settings.signature, tls: settings.tls,
                                      allowPrivateAddress: true, timeout: .seconds(30))
        } catch {
            throw DeliveryPayloadError("cannot read the callback url \(url)")
        }
    }

    private func refused(_ reason: String) -> DeliveryOutcome {
        AttemptTimer().outcome(accepted: false, permanent: true, error: reason)
    }

    private func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// When to try again: the wait doubles from `firstMillis` up to `maxMillis`, and each wait is drawn
/// at random from its upper half ("equal jitter"), so receivers recovering from an outage are not
/// hit by every sender at once.
struct RetryPolicy: Sendable {
    let maxAttempts: Int
    let firstMillis: Int64
    let maxMillis: Int64

    init(_ configuration: ServerConfiguration.Deliveries) {
        maxAttempts = configuration.maxAttempts
        firstMillis = Int64(configuration.firstRetrySeconds) * 1000
        maxMillis = Int64(configuration.maxRetrySeconds) * 1000
    }

    /// The wait after `attempts` failed attempts (1 for the first failure).
    func delayMillis(afterAttempt attempts: Int) -> Int64 {
        let exponent = min(max(attempts - 1, 0), 30)
        let ceiling = min(maxMillis, firstMillis << exponent)
        return ceiling / 2 + Int64.random(in: 0...(ceiling - ceiling / 2))
    }
}
