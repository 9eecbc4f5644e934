import Foundation
import Hummingbird
import VaultCore
import VaultSandbox
import VaultFormat

/// The regulator sandbox: under `/sandbox/regulator`, every inspector route of `RegulatorRoutes`
/// and `ExportRoutes` over the sandbox log (same code, other data and key), plus
/// - `GET key`: the sandbox log's verifier key (C2SP note key, one line);
/// - `GET status`: the scenario, how far its replay has come and the tree size;
/// - `GET vectors`: the negative test vectors (`NegativeVectors`);
/// - `GET generated-reports/{period}` and `…/{file}`: the synthetic operator's reports
///   (`SandboxReportRoutes`);
///
/// and `POST /sandbox/admin/reset` (`{"scenario": NAME}`, admin role) to rebuild the sandbox from a
/// built-in scenario. Sandbox requests are not journaled: an access entry would make the sandbox log
/// depend on who looked at it, and it must be the same on every run.
struct SandboxRoutes {
    let sandbox: SandboxLog
    private let vectors = VectorCache()
    private let exports: ExportJobs

    init(sandbox: SandboxLog) {
        self.sandbox = sandbox
        exports = ExportJobs(vaults: { try SandboxRoutes.generation(sandbox).vault })
    }

    /// Deletes the sandbox's export archives; for the server's shutdown.
    func removeExports() {
        exports.removeAll()
    }

    func register(regulator group: CatalogedRoutes) {
        let sandbox = sandbox
        RegulatorRoutes(vaults: { try SandboxRoutes.generation(sandbox).vault }).register(on: group)
        ExportRoutes(jobs: exports).register(on: group)
        SandboxReportRoutes(sandbox: sandbox).register(on: group)
        group.get("key") { _, _ in
            Response.text(try SandboxRoutes.generation(sandbox).vault.verifierKey.description + "\n")
        }
        group.get("status") { _, _ in
            let generation = try SandboxRoutes.generation(sandbox)
            guard let status = await sandbox.status() else {
                throw APIError(.serviceUnavailable, "sandbox_starting", "the sandbox is loading its scenario; try again shortly")
            }
            let scenario = status.scenario
            return Response.json(.object([
                "scenario": .string(scenario.name), "description": .string(scenario.description),
                "origin": .string(scenario.origin), "seed": .string(String(scenario.seed)),
                "verifierKey": .string(generation.vault.verifierKey.description),
                "generation": .string((generation.directory as NSString).lastPathComponent),
                "recordsReplayed": .int(Int64(status.replayed)), "complete": .bool(status.complete),
                "treeSize": .int(status.treeSize), "initialTreeSize": .int(generation.initialSize),
                "replay": .object([
                    "initialRecords": .int(Int64(scenario.replay.initialRecords)),
                    "recordsPerTick": .int(Int64(scenario.replay.recordsPerTick)),
                    "tickMilliseconds": .int(Int64((scenario.replay.tickSeconds * 1000).rounded())),
                ]),
                "builtInScenarios": .array(Scenario.builtInNames.map { .string($0) }),
            ]))
        }
        group.get("vectors") { [vectors] _, _ in
            let generation = try SandboxRoutes.generation(sandbox)
            return Response.json(try vectors.document(for: generation))
        }
    }

    /// `POST reset` for the admin: `{"scenario": NAME}` rebuilds the sandbox from that built-in
    /// scenario (files are for the configuration only), and answers with the new status.
    func register(admin group: CatalogedRoutes) {
        let sandbox = sandbox
        group.post("reset") { request, _ in
            let body = try await jsonBody(request)
            guard let name = body["scenario"]?.stringValue, body.objectValue?.count == 1 else {
                throw APIError(.badRequest, "invalid_request", "the body is {\"scenario\":\"NAME\"}; built-in scenarios are "
                    + Scenario.builtInNames.joined(separator: ", "))
            }
            guard let text = Scenario.builtInText(named: name) else {
                throw APIError(.badRequest, "unknown_scenario", "no built-in scenario '\(name.prefix(64))'; built-in scenarios are "
                    + Scenario.builtInNames.joined(separator: ", "))
            }
            do {
                try await sandbox.reset(to: try ScenarioSource(text: text))
            } catch let error as VaultError {
                throw APIError.from(error)
            }
            let generation = try SandboxRoutes.generation(sandbox)
            return Response.json(.object(["scenario": .string(name), "treeSize": .int(generation.initialSize),
                                          "verifierKey": .string(generation.vault.verifierKey.description)]))
        }
    }

    static func generation(_ sandbox: SandboxLog) throws -> SandboxLog.Generation {
        guard let generation = sandbox.current() else {
            throw APIError(.serviceUnavailable, "sandbox_starting", "the sandbox is loading its scenario; try again shortly")
        }
        return generation
    }
}

/// The last vectors document built, by generation directory: building one reads the whole initial
/// tree, so it is built once per generation.
final class VectorCache: Sendable {
    private let last = Locked<(directory: String, document: JSONValue)?>(nil)

    func document(for generation: SandboxLog.Generation) throws -> JSONValue {
        if let cached = last.withLock({ $0 }), cached.directory == generation.directory { return cached.document }
        let document: JSONValue
        do {
            document = try NegativeVectors.document(for: generation)
        } catch let error as VaultError {
            throw APIError.from(error)
        }
        last.withLock { $0 = (generation.directory, document) }
        return document
    }
}
