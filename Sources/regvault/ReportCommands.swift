import ArgumentParser
import CHeap
import Foundation
import VaultCore
import VaultFormat
import VaultReports
import VaultStore

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Generate regulator reports from the vault's records, read them back, and recompute them from an export.",
        discussion: "Which reports are filed for which licence is DATA/reports.json (docs/REPORTS.md); a vault without one "
            + "uses the development configuration (fictitious licence numbers, every template).",
        subcommands: [ReportTemplatesCommand.self, ReportGenerateCommand.self, ReportListCommand.self, ReportShowCommand.self,
                      ReportRecomputeCommand.self]
    )
}

/// `--reports-config FILE`, else DATA/reports.json, else the development configuration.
struct ReportConfigurationOption: ParsableArguments {
    @Option(help: "The report configuration (default: DATA/reports.json, or the development one when there is none).")
    var reportsConfig: String?

    func load(data: String) throws -> ReportConfiguration {
        let path = reportsConfig ?? (data as NSString).appendingPathComponent("reports.json")
        guard FileManager.default.fileExists(atPath: path) else {
            if reportsConfig != nil { throw CLIError("no report configuration at \(path)") }
            return .development()
        }
        guard let bytes = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
        do {
            return try ReportConfiguration(json: [UInt8](bytes))
        } catch {
            throw CLIError("\(path): \(error.description)")
        }
    }
}

struct ReportTemplatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates",
        abstract: "List the report templates: id, version, cadence, formats, jurisdictions, when due, and their source file.")

    @Flag(help: "Print JSON lines instead of a table.")
    var json = false

    func run() {
        for template in ReportRegistry.standard.templates {
            let jurisdictions = template.jurisdictions.isEmpty ? "any" : template.jurisdictions.joined(separator: ",")
            if json {
                Output.json(.object([
                    "id": .string(template.id), "version": .int(Int64(template.version)), "title": .string(template.title),
                    "cadence": .string(template.cadence.rawValue), "formats": .array(template.formats.map { .string($0.rawValue) }),
                    "jurisdictions": .array(template.jurisdictions.map { .string($0) }), "due": .string(template.due),
                    "summary": .string(template.summary), "source": .string(template.source),
                ]))
            } else {
                Output.raw("\(template.id) v\(template.version)  \(template.cadence.rawValue), "
                    + "\(template.formats.map(\.rawValue).joined(separator: "+")), \(jurisdictions); due \(template.due)\n"
                    + "    \(template.title): \(template.summary)\n    source: \(template.source)\n")
            }
        }
    }
}

struct ReportGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "File a report (or every report, --template all) for a period, or every period through --through, from the records up to the latest checkpoint.",
        discussion: "Each filing stores the files as write-once objects and appends a report record naming the template, "
            + "period, checkpoint and the SHA-256 of every file, in one batch. Filing a period again stores nothing when "
            + "the result would be the same, and a correction (version N+1) when late records changed it. A period "
            + "longer than the template's cadence (a month for a daily report) files every period in it. Progress goes "
            + "to standard error, one JSON line per filing to standard output. The server must not be running."
    )

    @OptionGroup var options: DataOption
    @OptionGroup var reportsConfig: ReportConfigurationOption

    @Option(help: "The template (regvault report templates), or 'all': every template the licences file.")
    var template: String

    @Option(help: "The period: 2026-11-20, 2026-W47, 2026-11 or 2026-Q4.")
    var period: String

    @Option(help: "File every period of the template's cadence from --period through this one.")
    var through: String?

    @Option(help: "The licence (default: every licence that files the template).")
    var licence: String?

    func run() async throws {
        // Generation reads every record once, in order: a large page cache only holds pages that are
        // never read again (256 MiB by default), so this process uses 16 MiB unless told otherwise.
        setenv(SQLiteStore.pageCacheVariable, "16", 0)
        let configuration = try reportsConfig.load(data: options.data)
        let jobs = try self.jobs(configuration)
        let vault = try Vault.open(at: options.data)
        let filer = ReportFiler(vault: vault, writer: try vault.makeWriter(), configuration: configuration)
        let reading = Date()
        let shown = Locked(Date.distantPast)
        let inputs = try filer.inputs { progress in
            guard shown.withLock({ last in
                guard Date().timeIntervalSince(last) >= 1 || progress.done == progress.total else { return false }
                last = Date()
                return true
            }) else { return }
            Output.note("report: read \(progress.done) of \(progress.total) entries")
        }
        Output.note("report: read \(inputs.facts.recordCount) records below checkpoint size \(inputs.size) in "
            + String(format: "%.1f s", Date().timeIntervalSince(reading)))
        // The chunks were read on other threads, whose malloc arenas keep the freed pages resident.
        regvault_heap_release_free_pages()
        var last = Date.distantPast
        for (done, job) in jobs.enumerated() {
            let filed: FiledReport
            do {
                filed = try await filer.file(templateId: job.template, licenceId: job.licence, period: job.period, trigger: "cli",
                                             inputs: inputs)
            } catch let error as VaultError {
                throw CLIError(error.reason)
            }
            Output.json(.object(["eventId": .string(filed.eventId), "seq": .int(filed.seq), "unchanged": .bool(filed.unchanged),
                                 "reportVersion": .int(Int64(filed.reportVersion)), "report": filed.state]))
            if jobs.count > 1, done + 1 == jobs.count || Date().timeIntervalSince(last) >= 1 {
                last = Date()
                Output.note("report: filed \(done + 1) of \(jobs.count) (\(job.licence) \(job.template) \(job.period.label))")
            }
        }
    }

    /// What to file: each licence (the one named, or every one that files the template) with each
    /// template (the one named, or with `all` every one the licence files) for each of its periods in
    /// --period through --through. With `all`, a template none of whose periods fits is skipped.
    func jobs(_ configuration: ReportConfiguration) throws -> [(licence: String, template: String, period: ReportPeriod)] {
        let all = template == "all"
        if !all, ReportRegistry.standard.template(id: template) == nil {
            throw CLIError(ReportError.unknownTemplate(template).description)
        }
        let licences = try licence.map { id in
            guard let found = configuration.licence(id: id) else {
                throw CLIError("no licence \(id) in the report configuration (licences: "
                    + configuration.licences.map(\.id).joined(separator: ", ") + ")")
            }
            return [found]
        } ?? configuration.licences.filter { all || $0.reports.contains(template) }
        guard !licences.isEmpty else {
            throw CLIError("no licence in the report configuration files \(template); name one with --licence")
        }
        var jobs: [(licence: String, template: String, period: ReportPeriod)] = []
        for licence in licences {
            for id in all ? licence.reports : [template] {
                guard let template = ReportRegistry.standard.template(id: id) else { continue }
                let periods: [ReportPeriod]
                do {
                    periods = try Self.periods(from: period, through: through, cadence: template.cadence)
                } catch where all {
                    continue
                }
                jobs += periods.map { (licence.id, id, $0) }
            }
        }
        guard !jobs.isEmpty else { throw CLIError("\(period) holds no whole period of any template the licences file") }
        return jobs
    }

    /// `from` through `through` in the template's cadence, or every period of that cadence in `from`.
    static func periods(from: String, through: String?, cadence: Cadence) throws -> [ReportPeriod] {
        do {
            let first = try ReportPeriod(parsing: from)
            let last = try through.map { try ReportPeriod(parsing: $0) } ?? first
            var period = ReportPeriod(cadence, containing: first.firstDay)
            guard period.firstDay >= first.firstDay || first.cadence == cadence else {
                throw CLIError("\(from) starts inside a \(cadence.rawValue) period; give a \(cadence.rawValue) period")
            }
            var periods: [ReportPeriod] = []
            while period.lastDay <= last.lastDay {
                periods.append(period)
                period = period.next
            }
            guard !periods.isEmpty else {
                throw CLIError("\(from)\(through.map { " to \($0)" } ?? "") holds no whole \(cadence.rawValue) period")
            }
            return periods
        } catch let error as ReportError {
            throw CLIError(error.description)
        }
    }
}

struct ReportListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List filed reports (the latest version of each), optionally those covering days of one period.")

    @OptionGroup var options: DataOption

    @Option(help: "Only reports whose period lies within this one (2026-11 lists November's dailies and its monthlies).")
    var period: String?

    func run() throws {
        let vault = try Vault.open(at: options.data)
        let within = try period.map { text in
            do { return try ReportPeriod(parsing: text) } catch let error as ReportError { throw CLIError(error.description) }
        }
        for report in try vault.filedReports(within: within) { Output.json(report.json) }
    }
}

struct ReportShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one filed report: its record (template, period, checkpoint, files with SHA-256) and every version.")

    @OptionGroup var options: DataOption

    @Argument(help: "The report's event id (rpt:…) or its entity id (<licence>/<template>/<period>).")
    var report: String

    @Option(help: "Write the files of the latest version (or of the event id given) into this directory, checked against their SHA-256.")
    var save: String?

    func run() throws {
        let vault = try Vault.open(at: options.data)
        let versions = try vault.filedReportVersions(report)
        guard !versions.isEmpty else { throw CLIError("no filed report \(report) (regvault report list shows them)") }
        for version in versions { Output.json(version.json) }
        guard let save else { return }
        let chosen = versions.last { $0.eventId == report } ?? versions.last!
        try FileManager.default.createDirectory(atPath: save, withIntermediateDirectories: true)
        for file in chosen.state?["files"]?.arrayValue?.compactMap(\.objectValue) ?? [] {
            guard let key = file["objectKey"]?.stringValue, let versionId = file["versionId"]?.stringValue,
                  let name = file["name"]?.stringValue else { continue }
            let object = try vault.objectVersion(key: key, versionId: versionId)
            guard object.sha256 == file["sha256"]?.stringValue else {
                throw CLIError("\(name): the stored object's digest differs from the report's")
            }
            let path = (save as NSString).appendingPathComponent(name)
            guard FileManager.default.createFile(atPath: path, contents: try vault.objectBytes(object)) else {
                throw CLIError("cannot write \(path)")
            }
            Output.note("saved \(path)")
        }
    }
}

struct ReportRecomputeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recompute",
        abstract: "Recompute every report filed in an export archive from the archive's records, offline, and compare bytes.",
        discussion: "Run it after regvault-verify accepted the archive. Each record is checked against its entry's "
            + "commitment; each report is rendered by the template version it names, at the checkpoint size it names, "
            + "and its files' SHA-256 compared with the filed ones. One JSON line per report; exit status 1 if any "
            + "differs or cannot be recomputed. With --files DIR (the filed files, by name) it says where a file differs."
    )

    @Argument(help: "An export archive (regvault export).")
    var archive: String

    @Option(help: "A directory with the filed report files, to show the first differing line.")
    var files: String?

    func run() throws {
        let results: [RecomputedReport]
        do {
            results = try ReportRecomputation.run(archive: archive, filedFiles: files) { Output.note($0) }
        } catch let error as VaultError {
            throw CLIError(error.reason)
        }
        for result in results { Output.json(result.json) }
        let differing = results.filter { !$0.identical }
        Output.note("recompute: \(results.count) reports, \(results.count - differing.count) identical, \(differing.count) not"
            + (differing.isEmpty ? "" : ": " + differing.map(\.report).joined(separator: ", ")))
        if !differing.isEmpty { throw ExitCode(1) }
    }
}
