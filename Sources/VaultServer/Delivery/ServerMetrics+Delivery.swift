import Foundation
import Prometheus
import VaultCore

/// The delivery worker's metrics:
/// - `regvault_delivery_attempts_total{channel,destination,result="accepted"|"failed"}`;
/// - `regvault_delivery_attempt_seconds{channel}`: histogram of one attempt's duration;
/// - `regvault_delivery_latency_seconds{channel,kind}`: histogram from enqueue (the report filed,
///   the request received) to the receiver's acceptance, by what was delivered (`report`, `request`);
/// - `regvault_outbox_depth` and `regvault_outbox_oldest_due_seconds`: deliveries waiting, and how
///   overdue the oldest is (0 when none is);
/// - `regvault_p1_incidents_unnotified`: P1 incidents no destination has accepted a notice of yet;
/// - `regvault_incident_deadlines_missed`: regulatory deadlines passed without a notice accepted in
///   time, over every incident in the log (it only grows; alert on its increase). Both are read at
///   each scrape.
extension ServerMetrics {
    static let deliveryBuckets: [Duration] = [.milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                              .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
                                              .seconds(300), .seconds(900), .seconds(3600), .seconds(7200)]

    func deliveryAttempted(channel: String, destination: String, accepted: Bool, durationMillis: Int64) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: "regvault_delivery_attempts_total", unitName: "",
                                             helpText: "Delivery attempts by channel, destination and result."),
            labels: [("channel", channel), ("destination", destination), ("result", accepted ? "accepted" : "failed")]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(metricName: "regvault_delivery_attempt_seconds", unitName: "",
                                             helpText: "Duration of one delivery attempt in seconds, by channel."),
            labels: [("channel", channel)], buckets: ServerMetrics.deliveryBuckets
        ).record(.milliseconds(durationMillis))
    }

    func deliveryCompleted(channel: String, kind: String, afterMillis: Int64) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(metricName: "regvault_delivery_latency_seconds", unitName: "",
                                             helpText: "From enqueue to the receiver's acceptance in seconds, by channel and kind."),
            labels: [("channel", channel), ("kind", kind)], buckets: ServerMetrics.deliveryBuckets
        ).record(.milliseconds(max(0, afterMillis)))
    }

    func outboxDepth(_ depth: (count: Int, oldestDueAt: Int64?), now: Int64) {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "regvault_outbox_depth", unitName: "",
                                                            helpText: "Deliveries waiting in the outbox."))
            .set(Double(depth.count))
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "regvault_outbox_oldest_due_seconds", unitName: "",
                                                            helpText: "How long the most overdue delivery has been due."))
            .set(Double(max(0, now - (depth.oldestDueAt ?? now))) / 1000)
    }

    /// Reads every incident now and sets the incident gauges.
    func incidentGauges(vault: Vault, holidays: [String: Set<String>]) {
        guard let incidents = try? vault.incidents(holidays: holidays) else { return }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var unnotified = 0
        var missed = 0
        var unacknowledgedP1 = 0
        var open: [String: Int] = ["P1": 0, "P2": 0, "P3": 0, "P4": 0]
        for incident in incidents {
            if incident.severity == "P1", incident.notifiedAt == nil { unnotified += 1 }
            if let severity = incident.severity, open[severity] != nil, incident.ticket.closed == nil { open[severity]! += 1 }
            if incident.severity == "P1", incident.ticket.acknowledged == nil, incident.ticket.closed == nil { unacknowledgedP1 += 1 }
            let deadlines = incident.json(now: now).objectValue?["deadlines"]?.arrayValue ?? []
            missed += deadlines.filter { $0.objectValue?["missed"] == .bool(true) }.count
        }
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "regvault_p1_incidents_unnotified", unitName: "",
                                                            helpText: "P1 incidents with no notice accepted by a destination yet."))
            .set(Double(unnotified))
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "regvault_incident_deadlines_missed", unitName: "",
                                                            helpText: "Regulatory deadlines passed without a notice accepted in time."))
            .set(Double(missed))
        for (severity, count) in open {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "regvault_incident_tickets_open", unitName: "",
                                                                helpText: "Incident tickets not closed, by severity."),
                               labels: [("severity", severity)]).set(Double(count))
        }
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "regvault_p1_tickets_unacknowledged", unitName: "",
                                                            helpText: "P1 incident tickets no compliance officer has acknowledged."))
            .set(Double(unacknowledgedP1))
    }
}
