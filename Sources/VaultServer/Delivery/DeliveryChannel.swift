import AsyncHTTPClient
import Foundation
import VaultCore

/// One way of reaching a destination (an HTTPS webhook, an SMTP relay, an SFTP directory).
///
/// Contract: `send` makes one attempt with the same bytes every time it is called for a delivery
/// (so a repeat after a crash is the same message under the same id), never throws, and returns
/// within the channel's deadline; the outcome's attempt is what the log records.
protocol DeliveryChannel: Sendable {
    /// `webhook`, `email` or `sftp`, as delivery entries record it.
    var name: String { get }
    func send(_ delivery: Delivery, body: [UInt8], client: HTTPClient) async -> DeliveryOutcome
}

/// What one attempt came to.
struct DeliveryOutcome: Sendable {
    var attempt: Delivery.Attempt
    /// The receiver took it (a 2xx answer, a 250 after the mail's data, a completed upload).
    var accepted: Bool
    /// The receiver said never to send it again (410 Gone, as Standard Webhooks has it).
    var permanent: Bool
}

/// Times one attempt from its start, in wall-clock milliseconds for the log and monotonic
/// milliseconds for its duration.
struct AttemptTimer {
    let startedAt = Int64(Date().timeIntervalSince1970 * 1000)
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant

    init() { started = clock.now }

    var elapsedMillis: Int64 {
        let elapsed = clock.now - started
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }

    /// The outcome of an attempt that ended now.
    func outcome(accepted: Bool, permanent: Bool = false, httpStatus: Int? = nil, replyCode: Int? = nil, responseSha256: String? = nil,
                 error: String? = nil) -> DeliveryOutcome {
        DeliveryOutcome(attempt: Delivery.Attempt(at: startedAt, durationMillis: elapsedMillis, httpStatus: httpStatus, replyCode: replyCode,
                                                  responseSha256: responseSha256, error: error),
                        accepted: accepted, permanent: permanent)
    }
}
