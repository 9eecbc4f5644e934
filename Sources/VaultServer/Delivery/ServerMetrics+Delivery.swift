import Prometheus

/// The delivery worker's metrics:
/// - `regvault_delivery_attempts_total{channel,destination,result="accepted"|"failed"}`;
/// - `regvault_delivery_attempt_seconds{channel}`: histogram of one attempt's duration;
/// - `regvault_delivery_latency_seconds{channel,kind}`: histogram from enqueue (the report filed,
///   the request received) to the receiver's acceptance, by what was delivered (`report`, `request`);
/// - `regvault_outbox_depth` and `regvault_outbox_oldest_due_seconds`: deliveries waiting, and how
///   overdue the oldest is (0 when none is).
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
}
