import Foundation
import Hummingbird
import VaultCore
import VaultFormat
import VaultReports
import VaultSandbox

/// The reports of the synthetic operator, for regulators to test their parsers before go-live:
/// - `GET generated-reports/{period}`: every template of the development configuration whose
///   cadence is the period's (a day, a month, a quarter), rendered from the sandbox log's records
///   below its latest checkpoint, with each file's name, format, size, SHA-256 and link;
/// - `GET generated-reports/{period}/{file}?size=N`: one file's bytes, rendered at tree size `N` (the
///   listing's links carry it, so the file matches the SHA-256 listed while the replay goes on).
///
/// They are rendered on request and not filed: a filing would add entries to the sandbox log,
/// which must hold the scenario's records only so that every run replays the same tree. The same
/// scenario at the same tree size gives the same bytes; the facts read are kept for the latest
/// tree size only.
struct SandboxReportRoutes {
    let sandbox: SandboxLog
    private let cache = Locked<(directory: String, size: Int64, inputs: ReportInputs)?>(nil)

    init(sandbox: SandboxLog) { self.sandbox = sandbox }

    func register(on group: CatalogedRoutes) {
        group.get("generated-reports/:period") { _, context in
            let period = try Self.period(context)
            let (inputs, files) = try await render(period, size: nil)
            return Response.json(.object([
                "period": .string(period.label),
                "checkpoint": .object(["size": .int(inputs.size), "root": .string(inputs.root)]),
                "configuration": .string("development (fictitious licences; docs/REPORTS.md)"),
                "reports": .array(files.map { report in
                    .object(["template": .string(report.template.id), "templateVersion": .int(Int64(report.template.version)),
                             "licence": .string(report.licence),
                             "files": .array(report.files.map { file in
                                 .object(["name": .string(file.name), "format": .string(file.format.rawValue),
                                          "size": .int(Int64(file.bytes.count)), "sha256": .string(file.sha256),
                                          "href": .string("/sandbox/regulator/generated-reports/\(period.label)/\(file.name)?size=\(inputs.size)")])
                             })])
                }),
            ]))
        }
        group.get("generated-reports/:period/:file") { request, context in
            let period = try Self.period(context)
            let name = try context.parameters.require("file")
            let size = try request.uri.queryParameters["size"].map { text in
                guard let size = Int64(String(text)), size > 0 else {
                    throw APIError(.badRequest, "invalid_size", "size must be a tree size the listing gave")
                }
                return size
            }
            let (_, reports) = try await render(period, size: size)
            guard let file = reports.flatMap(\.files).first(where: { $0.name == name }) else {
                throw APIError(.notFound, "not_found", "no generated report file \(name.prefix(128)) for \(period.label)")
            }
            var response = Response(status: .ok, headers: [.contentType: file.format.contentType],
                                    body: .pieces(file.bytes))
            response.headers[.eTag] = "\"\(file.sha256)\""
            return response
        }
    }

    private static func period(_ context: VaultRequestContext) throws -> ReportPeriod {
        let text = try context.parameters.require("period")
        do {
            return try ReportPeriod(parsing: text)
        } catch {
            throw APIError(.badRequest, "invalid_period", error.description)
        }
    }

    private func render(_ period: ReportPeriod, size requested: Int64?) async throws
        -> (ReportInputs, [(template: any ReportTemplate, licence: String, files: [ReportFile])]) {
        let generation = try SandboxRoutes.generation(sandbox)
        let cache = cache
        return try await VaultHTTPServer.offloaded {
            let vault = generation.vault
            let size = Int64(try vault.latestCheckpoint()?.checkpoint.size ?? 0)
            var inputs: ReportInputs
            if let cached = cache.withLock({ $0 }), cached.directory == generation.directory, cached.size == size {
                inputs = cached.inputs
            } else {
                inputs = try vault.reportInputs()
                cache.withLock { $0 = (generation.directory, inputs.size, inputs) }
            }
            if let requested, requested != inputs.size {
                guard requested < inputs.size, let note = try vault.store.checkpoint(size: requested),
                      let signed = try? SignedCheckpoint(verifying: Array(note.utf8), verifierKeys: [vault.verifierKey]) else {
                    throw APIError(.notFound, "not_found", "the sandbox log has no checkpoint of size \(requested)")
                }
                inputs = ReportInputs(size: requested, root: signed.checkpoint.rootHash.base64,
                                      facts: inputs.facts.prefix(size: requested))
            }
            var reports: [(template: any ReportTemplate, licence: String, files: [ReportFile])] = []
            for licence in ReportConfiguration.development().licences {
                for id in licence.reports {
                    guard let template = ReportRegistry.standard.template(id: id), template.cadence == period.cadence else { continue }
                    let context = ReportContext(licence: licence, period: period, checkpointSize: inputs.size,
                                                checkpointRoot: inputs.root, facts: inputs.facts)
                    do {
                        reports.append((template, licence.id, try template.render(context)))
                    } catch let error as ReportError {
                        throw APIError(.unprocessableContent, "report_failed", "\(id) for \(licence.id): \(error.description)")
                    }
                }
            }
            return (inputs, reports)
        }
    }
}
