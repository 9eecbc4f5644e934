import Foundation
import CHeap
import Hummingbird
import Prometheus
import VaultCore
import VaultStore

/// The server's Prometheus metrics, served at `/metrics`:
/// - `api_response_time{route,status}`: histogram of response times (seconds) per route template
///   and status;
/// - `regvault_refusals_total{reason}`: requests refused by access control;
/// - `regvault_ingest_records_total{result="stored"|"duplicate"}`: records acknowledged;
/// - `regvault_tree_size` and `regvault_checkpoint_age_seconds`: the log's latest signed checkpoint;
/// - `regvault_sequencer_lease_token` (PostgreSQL): the fencing token of the sequencer lease this
///   node holds; it grows by one each time the sequencer changes, so its increase counts failovers;
/// - `regvault_sqlite_memory_bytes`: memory SQLite holds in the process (its page caches grow with
///   the database up to their limit);
/// - `regvault_heap_in_use_bytes`: memory allocated and not freed, SQLite's included. Resident
///   memory also keeps what was freed (the allocator's high-water mark), so a leak shows here, in
///   this less SQLite's, rather than in the resident size.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    static let buckets: [Duration] = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                      .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                                      .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(30)]

    func responded(route: String, status: Int, after duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(metricName: "api_response_time", unitName: "", helpText: "Response time in seconds."),
            labels: [("route", route), ("status", String(status))], buckets: ServerMetrics.buckets
        ).record(duration)
    }

    /// One S3 request answered: its operation (method, target and subresource) and S3 status code.
    func s3Responded(operation: String, status: Int, after duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(metricName: "regvault_s3_response_time", unitName: "",
                                             helpText: "S3 endpoint response time in seconds, by operation and status."),
            labels: [("operation", operation), ("status", String(status))], buckets: ServerMetrics.buckets
        ).record(duration)
    }

    /// Runs of refused requests from one identity, for the rule that raises an incident on them.
    let refusalRuns: RefusalRuns

    init(refusalRuns: RefusalRuns = RefusalRuns()) { self.refusalRuns = refusalRuns }

    /// One request refused for `reason`; `who` (a common name or an address) when known.
    func refused(_ reason: String, by who: String? = nil) {
        if let who { refusalRuns.note(who, reason: reason) }
        registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: "regvault_refusals_total", unitName: "",
                                             helpText: "Requests refused by access control, by reason."),
            labels: [("reason", reason)]
        ).increment()
    }

    func ingested(stored: Int, duplicates: Int) {
        let descriptor = MetricNameDescriptor(metricName: "regvault_ingest_records_total", unitName: "",
                                              helpText: "Records acknowledged, newly stored or already stored.")
        registry.makeCounter(descriptor: descriptor, labels: [("result", "stored")]).increment(by: Int64(stored))
        registry.makeCounter(descriptor: descriptor, labels: [("result", "duplicate")]).increment(by: Int64(duplicates))
    }

    func swept(_ summary: SweepSummary) {
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "regvault_erased_records_total", unitName: "",
                                                              helpText: "Records erased at the end of their retention."))
            .increment(by: Int64(summary.erased))
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "regvault_sweeps_total", unitName: "", helpText: "Sweeps run."))
            .increment()
    }

    /// Bytes in use from malloc across all arenas (glibc's `mallinfo2`: small and mmapped blocks);
    /// 0 where the C library has no `mallinfo2`.
    static func heapInUse() -> Int {
        Int(regvault_heap_in_use())
    }

    /// The Prometheus text exposition, with the log gauges read now.
    func render(vault: Vault) -> String {
        if let checkpoint = try? vault.latestCheckpointRecord() {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "regvault_tree_size", unitName: "",
                                                                helpText: "Entries in the latest signed checkpoint."))
                .set(to: Double(checkpoint.size))
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "regvault_checkpoint_age_seconds", unitName: "",
                                                                helpText: "Seconds since the latest checkpoint was signed."))
                .set(to: Double(SystemClock().nowMillis() - checkpoint.signedAt) / 1000)
        }
        if let token = vault.store.sequencerToken {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "regvault_sequencer_lease_token", unitName: "",
                                                                helpText: "Fencing token of the sequencer lease this node holds; one more per change of sequencer."))
                .set(to: Double(token))
        }
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "regvault_sqlite_memory_bytes", unitName: "",
                                                            helpText: "Bytes SQLite holds in this process (page caches included)."))
            .set(to: Double(SQLiteStore.memoryUsed))
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "regvault_heap_in_use_bytes", unitName: "",
                                                            helpText: "Bytes malloc has handed out and not had back (SQLite's included)."))
            .set(to: Double(ServerMetrics.heapInUse()))
        return registry.emitToString()
    }
}

/// Times every response (refusals included) for `api_response_time`.
struct ResponseTimeMiddleware: RouterMiddleware {
    typealias Context = VaultRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let route = context.endpointPath ?? "unmatched"
        do {
            let response = try await next(request, context)
            metrics.responded(route: route, status: Int(response.status.code), after: ContinuousClock.now - started)
            return response
        } catch let error as APIError {
            metrics.responded(route: route, status: Int(error.status.code), after: ContinuousClock.now - started)
            throw error
        } catch let error as HTTPError {
            // The router's own refusals (no such route, no such method) get the API's error shape.
            metrics.responded(route: route, status: Int(error.status.code), after: ContinuousClock.now - started)
            let code = error.status == .notFound ? "no_route" : error.status == .methodNotAllowed ? "method_not_allowed" : "http_error"
            let message = error.status == .notFound ? "no route \(request.method.rawValue) \(request.uri.path.prefix(200)); "
                + "the routes are in /openapi.yaml" : (error.body ?? error.status.reasonPhrase)
            throw APIError(error.status, code, message)
        } catch {
            metrics.responded(route: route, status: 500, after: ContinuousClock.now - started)
            throw error
        }
    }
}

extension ServerMetrics {
    /// Buckets for report generation, past the 2-hour filing deadline.
    static let reportBuckets: [Duration] = [.seconds(1), .seconds(5), .seconds(30), .seconds(60), .seconds(300), .seconds(900),
                                            .seconds(1800), .seconds(3600), .seconds(7200), .seconds(14_400)]

    /// A filing finished (`status` filed, unchanged or failed) after `duration` from reading the
    /// records to the durable batch.
    func reportFiled(template: String, licence: String, status: String, after duration: Duration, at millis: Int64) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(metricName: "regvault_report_generation_duration_seconds", unitName: "",
                                             helpText: "Time to generate and file one report, by template."),
            labels: [("template", template)], buckets: ServerMetrics.reportBuckets
        ).record(duration)
        registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: "regvault_reports_generated_total", unitName: "",
                                             helpText: "Report filings by template and status (filed, unchanged, failed)."),
            labels: [("template", template), ("status", status)]
        ).increment()
        if status != "failed" {
            registry.makeGauge(
                descriptor: MetricNameDescriptor(metricName: "regvault_report_last_success_timestamp_seconds", unitName: "",
                                                 helpText: "When a report of this template and licence was last filed."),
                labels: [("template", template), ("licence", licence)]
            ).set(Double(millis) / 1000)
        }
    }

    /// The close (trigger) of the oldest period of `template` and `licence` not filed yet, 0 when
    /// none is pending: a report that never finishes keeps its trigger here, so it still alerts.
    func reportPending(template: String, licence: String, since millis: Int64?) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(metricName: "regvault_report_pending_trigger_timestamp_seconds", unitName: "",
                                             helpText: "Close of the oldest unfiled period of a report (0: none pending)."),
            labels: [("template", template), ("licence", licence)]
        ).set(millis.map { Double($0) / 1000 } ?? 0)
    }
}
