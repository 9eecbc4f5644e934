import Foundation
import Hummingbird
import VaultCore
import VaultFormat
import VaultReports

/// The inspector's console: HTML pages over the same domain functions as the `/regulator` JSON
/// routes (`Vault.audit`, `streamLog`, `playerTimeline`, `reportRecords`, …), each page carrying
/// the evidence its records need for the browser to check them (`ConsoleEvidence`, checked by
/// `console.js`).
///
/// | page | what it shows |
/// |---|---|
/// | `/` (sandbox: `/sandbox/console`) | search, the signed checkpoint, streams, report periods |
/// | `console/entity?type=&id=[&from=&to=&cursor=&limit=]` | one entity's versions, before → after per field, paged |
/// | `console/player/{id}[?cursor=]` | everything about one player |
/// | `console/logs/{stream}[?from=&to=&cursor=]`, `…/csv` | one stream by recorded time; its CSV, every page |
/// | `console/reports[?period=]`, `console/reports/{period}/file/{versionId}` | reports by the period they cover; a file |
/// | `console/access` | the access journal (a compliance officer's all; anyone else's own) |
/// | `console/holds` | legal holds (compliance officer only) |
/// | `console/key` | the verifier key the browser checks signatures with |
///
/// Roles, the access journal and errors are the server's (`VaultHTTPServer.makeRouter`); errors
/// are pages (`ConsoleErrorPages`).
struct ConsoleRoutes {
    let vaults: @Sendable () throws -> Vault
    let renderer: ConsoleRenderer
    let links: ConsoleLinks
    let isSandbox: Bool

    /// The home page, on `path` of `group`.
    func registerHome(on group: CatalogedRoutes, path: String) {
        group.get(path) { _, context in try home(context) }
    }

    /// The pages under `console/` of `group`.
    func register(on group: CatalogedRoutes) {
        group.get("entity") { request, context in try entity(request, context) }
        group.get("player") { request, _ in
            // The search form's `?id=`: the player's page.
            guard let id = FormQuery(request).get("id") else {
                throw APIError(.badRequest, "missing_parameter", "give a player id, such as one shown on a payment")
            }
            return Response(status: .seeOther, headers: [.location: links.player(id)])
        }
        group.get("player/:id") { request, context in try player(request, context) }
        group.get("logs") { _, context in
            renderer.page("streams", ["streams": ConsoleRoutes.streams.map { ["name": $0, "href": links.page("logs/" + $0)] }],
                          chrome: chrome(context, title: "Streams"))
        }
        group.get("logs/:stream") { request, context in try streamLog(request, context) }
        group.get("logs/:stream/csv") { request, context in try streamCSV(request, context) }
        group.get("reports") { request, context in try reports(request, context) }
        group.get("reports/:period/file/:versionId") { _, context in try reportFile(context) }
        group.get("key") { _, context in
            let vault = try vaults()
            return renderer.page("key", ["servedKey": vault.verifierKey.description, "origin": vault.origin],
                                 chrome: chrome(context, title: "Verifier key"))
        }
        guard !isSandbox else { return }
        group.get("access") { request, context in try accessJournal(request, context) }
        group.get("holds") { _, context in try holds(context) }
    }

    /// Suggestions for the search form: the entity types of docs/RECORDS.md and the vault's own.
    static let entityTypes = ["bonusRule", "depositLimit", "gameConfig", "player", "payment", "amlCase", "gamingDay",
                              ReportFiler.entityType, AccessRecord.entityType]

    static let streams = RecordSchema.Stream.allCases.map(\.rawValue) + VaultStream.allCases.map(\.rawValue)

    func chrome(_ context: VaultRequestContext, title: String) -> ConsoleChrome {
        let identity = context.identity
        return ConsoleChrome(base: links.base, title: title, identity: identity?.name ?? "",
                             roles: identity.map { $0.roles.map(\.rawValue).sorted().joined(separator: ", ") } ?? "",
                             isSandbox: isSandbox, showsComplianceLinks: identity?.roles.contains(.complianceOfficer) ?? false,
                             homeLink: links.home)
    }

    /// The chrome with the evidence of `items` against the latest checkpoint, and that evidence.
    func chrome(_ context: VaultRequestContext, title: String, vault: Vault,
                items: [HistoryItem]) throws -> (ConsoleChrome, PageEvidence) {
        let evidence = try vault.pageEvidence(for: items)
        var chrome = chrome(context, title: title)
        chrome.show(evidence, items: items)
        return (chrome, evidence)
    }

    func home(_ context: VaultRequestContext) throws -> Response {
        let vault = try vaults()
        // The months that reports cover, newest first; this month and the last when there are none.
        var months = try vault.reportMonths()
        if months.isEmpty {
            let thisMonth = ReportPeriod(.monthly, containing: GamingCalendar.utc.day(at: SystemClock().nowMillis()))
            months = [thisMonth, ReportPeriod(.monthly, containing: thisMonth.firstDay - 1)]
        }
        let view: [String: Any] = [
            "entityTypes": ConsoleRoutes.entityTypes,
            "streams": ConsoleRoutes.streams.map { ["name": $0, "href": links.page("logs/" + $0)] },
            "months": months.prefix(12).map { ["name": $0.label, "href": links.page("reports", [("period", $0.label)])] },
            "origin": vault.origin, "entityAction": links.page("entity"), "playerAction": links.page("player"),
        ]
        return renderer.page("home", view, chrome: try chrome(context, title: "Home", vault: vault, items: []).0)
    }

    func entity(_ request: Request, _ context: VaultRequestContext) throws -> Response {
        let vault = try vaults()
        let query = FormQuery(request)
        guard let type = query.get("type"), let id = query.get("id") else {
            throw APIError(.badRequest, "missing_parameter", "give an entity type and id, such as bonusRule and 123")
        }
        if type == AccessRecord.entityType, let own = ownAccessesOnly(type: VaultStream.access.rawValue, context), id != own {
            throw APIError(.forbidden, "compliance_officer_only", "the access journal of another inspector is the compliance officer's to read")
        }
        let (cursor, limit) = try paging(request)
        let from = try ConsoleFormat.filterTime(query.get("from"), name: "from")
        let to = try ConsoleFormat.filterTime(query.get("to"), name: "to")
        let trail = try vault.audit(entityType: type, entityId: id,
                                    window: AuditWindow(from: from, to: to, cursor: cursor, limit: limit))
        let filters: [(String, String?)] = [("type", type), ("id", id), ("from", query.get("from")), ("to", query.get("to")),
                                            ("limit", query.get("limit"))]
        var pages: [PageLink] = []
        if cursor != nil { pages.append(PageLink(label: "← First page", href: links.page("entity", filters))) }
        if let next = trail.nextCursor {
            pages.append(PageLink(label: "Next page →", href: links.page("entity", filters + [("cursor", next.text)])))
        }
        let versions = trail.changes.map(VersionView.init)
        let view: [String: Any] = [
            "type": type, "id": id, "versions": versions, "hasVersions": !versions.isEmpty,
            "versionCount": ConsoleFormat.count(trail.versionCount),
            "first": versions.first.map { String($0.version) } ?? "", "last": versions.last.map { String($0.version) } ?? "",
            "from": ConsoleFormat.inputTime(from), "to": ConsoleFormat.inputTime(to), "limit": String(limit),
            "pages": pages, "action": links.page("entity"),
            // The same page as JSON: the same window, position and size.
            "jsonLink": "\(links.base)/regulator/audit?" + [("entity", type), ("id", id), ("limit", String(limit)),
                                                              ("from", from.map(Timestamp.format(millis:))),
                                                              ("to", to.map(Timestamp.format(millis:))), ("cursor", cursor?.text)]
                .compactMap { name, value in value.map { name + "=" + ConsoleLinks.encode($0) } }.joined(separator: "&"),
        ]
        var chrome = chrome(context, title: "\(type) \(id)")
        let evidence = PageEvidence(trail, signedAt: try vault.checkpointSignedAt(size: Int64(trail.checkpoint.checkpoint.size)))
        chrome.show(evidence, items: trail.changes.map(\.item))
        return renderer.page("entity", view, chrome: chrome).counting(versions.count)
    }

    func player(_ request: Request, _ context: VaultRequestContext) throws -> Response {
        let vault = try vaults()
        let id = try context.parameters.require("id")
        let (cursor, limit) = try paging(request)
        let page = try vault.playerTimeline(playerId: id, cursor: cursor, limit: limit)
        return try listing(page, context, vault: vault, title: "Player \(id)", template: "player",
                           view: ["playerId": id, "unknown": page.items.isEmpty && cursor == nil],
                           next: page.nextCursor.map { links.page("player/" + ConsoleLinks.encode(id), [("cursor", $0)]) },
                           first: cursor == nil ? nil : links.player(id))
    }

    func streamLog(_ request: Request, _ context: VaultRequestContext) throws -> Response {
        let vault = try vaults()
        let stream = try knownStream(context)
        let query = FormQuery(request)
        let from = try ConsoleFormat.filterTime(query.get("from"), name: "from")
        let to = try ConsoleFormat.filterTime(query.get("to"), name: "to")
        let (cursor, limit) = try paging(request)
        let page = try vault.streamLog(stream: stream, from: from ?? .min, to: to ?? .max, cursor: cursor, limit: limit,
                                       entityId: ownAccessesOnly(type: stream, context))
        let filters: [(String, String?)] = [("from", query.get("from")), ("to", query.get("to"))]
        let view: [String: Any] = [
            "stream": stream, "from": ConsoleFormat.inputTime(from), "to": ConsoleFormat.inputTime(to),
            "action": links.page("logs/" + stream), "csv": links.page("logs/" + stream + "/csv", filters),
            "filtered": from != nil || to != nil,
        ]
        return try listing(page, context, vault: vault, title: "Stream \(stream)", template: "stream", view: view,
                           next: page.nextCursor.map { links.page("logs/" + stream, filters + [("cursor", $0)]) },
                           first: cursor == nil ? nil : links.page("logs/" + stream, filters))
    }

    /// A listing page: rows, paging links and the evidence of every row.
    func listing(_ page: RecordPage, _ context: VaultRequestContext, vault: Vault, title: String, template: String,
                 view: [String: Any], next: String?, first: String?) throws -> Response {
        let (chrome, evidence) = try chrome(context, title: title, vault: vault, items: page.items)
        let rows = page.items.map { RecordRow($0, links: links, proved: evidence.proofs[$0.record.seq] != nil) }
        var view = view
        view["rows"] = rows
        view["hasRows"] = !rows.isEmpty
        view["count"] = ConsoleFormat.count(rows.count)
        view["pages"] = [first.map { PageLink(label: "← First page", href: $0) }, next.map { PageLink(label: "Next page →", href: $0) }]
            .compactMap { $0 }
        return renderer.page(template, view, chrome: chrome).counting(rows.count)
    }

    /// The whole window of a stream as CSV, every page of it, written a page at a time.
    func streamCSV(_ request: Request, _ context: VaultRequestContext) throws -> Response {
        let vault = try vaults()
        let stream = try knownStream(context)
        let query = FormQuery(request)
        let from = try ConsoleFormat.filterTime(query.get("from"), name: "from") ?? .min
        let to = try ConsoleFormat.filterTime(query.get("to"), name: "to") ?? .max
        let own = ownAccessesOnly(type: stream, context)
        let content = ContentColumns.columns(streams: [stream])
        // The first page is read before answering, so a failure is still an error page.
        let first = try vault.streamLog(stream: stream, from: from, to: to, cursor: nil, limit: Vault.maxPageSize, entityId: own)
        var headers = ConsoleRenderer.securityHeaders
        headers[.contentType] = "text/csv; charset=utf-8; header=present"
        let window = [query.get("from"), query.get("to")].map { $0.map { String($0.prefix(16)).replacingOccurrences(of: ":", with: "") } ?? "" }
        let name = stream + (window == ["", ""] ? "" : "_" + window.joined(separator: "_"))
        headers[.contentDisposition] = "attachment; filename=\"\(name.filter { $0.isLetter || $0.isNumber || "._-T".contains($0) }).csv\""
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: (ListingFormat.csvColumns + content.map(\.column)).joined(separator: ",") + "\r\n"))
            var page = first
            while true {
                var text = ""
                for item in page.items { text += try ListingFormat.csvRow(item, content: content) + "\r\n" }
                try await writer.write(ByteBuffer(string: text))
                guard let next = page.nextCursor else { break }
                page = try vault.streamLog(stream: stream, from: from, to: to, cursor: try PageCursor(next),
                                           limit: Vault.maxPageSize, entityId: own)
            }
            try await writer.finish(nil)
        })
    }

    func reports(_ request: Request, _ context: VaultRequestContext) throws -> Response {
        let vault = try vaults()
        // Without a period: the newest month that reports cover, or this month.
        let text = try FormQuery(request).get("period") ?? vault.reportMonths().first?.label
            ?? ReportPeriod(.monthly, containing: GamingCalendar.utc.day(at: SystemClock().nowMillis())).label
        guard let period = try? ReportPeriod(parsing: text) else {
            throw APIError(.badRequest, "invalid_period",
                           "“\(text.prefix(32))” is not a period: write a day (2026-11-20), ISO week (2026-W47), month (2026-11) or quarter (2026-Q4)")
        }
        let (cursor, limit) = try paging(request)
        let page = try vault.reportRecords(covering: period, cursor: cursor, limit: limit)
        let filed = try (cursor == nil ? vault.filedReports(within: period) : []).map { report -> [String: Any] in
            let files = (report.state?["files"]?.arrayValue ?? []).map { file -> [String: Any] in
                ["name": ConsoleFormat.value(file["name"]), "size": ConsoleFormat.value(file["size"]),
                 "sha256": ConsoleFormat.value(file["sha256"]),
                 "href": links.page("reports/\(text)/file/" + ConsoleLinks.encode(ConsoleFormat.value(file["versionId"])))]
            }
            return ["report": report.entityId, "covers": report.period?.label ?? "", "filedAt": ConsoleFormat.time(report.recordedAt),
                    "version": ConsoleFormat.value(report.state?["reportVersion"]), "files": files, "erased": report.state == nil,
                    "entityLink": links.entity(ReportFiler.entityType, report.entityId)]
        }
        let objects = try (cursor == nil ? vault.objectVersions(period: text) : []).map { object -> [String: Any] in
            ["key": object.key, "size": ConsoleFormat.count(object.size), "sha256": object.sha256, "erased": object.erased,
             "storedAt": ConsoleFormat.time(object.recordedAt), "href": links.page("reports/\(text)/file/" + ConsoleLinks.encode(object.versionId))]
        }
        // The filed reports and stored files are listed in full on the first page; later pages page the records.
        let view: [String: Any] = ["period": text, "filed": filed, "hasFiled": !filed.isEmpty, "objects": objects,
                                   "hasObjects": !objects.isEmpty, "action": links.page("reports"), "firstPage": cursor == nil]
        return try listing(page, context, vault: vault, title: "Reports \(text)", template: "reports", view: view,
                           next: page.nextCursor.map { links.page("reports", [("period", text), ("cursor", $0)]) },
                           first: cursor == nil ? nil : links.page("reports", [("period", text)]))
    }

    /// A report file: a stored object listed under the period, or a file of a report filed for it.
    func reportFile(_ context: VaultRequestContext) throws -> Response {
        let vault = try vaults()
        let (text, period) = try reportingPeriod(context)
        let versionId = try context.parameters.require("versionId")
        var found = try vault.objectVersions(period: text).first { $0.versionId == versionId }
        var name = found.map { ($0.key as NSString).lastPathComponent }
        if found == nil {
            for report in try vault.filedReports(within: period) {
                for file in report.state?["files"]?.arrayValue ?? [] where file["versionId"]?.stringValue == versionId {
                    found = try vault.objectVersion(key: ConsoleFormat.value(file["objectKey"]), versionId: versionId)
                    name = ConsoleFormat.value(file["name"])
                }
            }
        }
        guard let version = found else { throw APIError(.notFound, "not_found", "no report file \(versionId.prefix(64)) in \(text)") }
        var headers = ConsoleRenderer.securityHeaders
        headers[.contentType] = version.contentType
        let safeName = (name ?? "report").filter { $0.isLetter || $0.isNumber || "._-".contains($0) }
        headers[.contentDisposition] = "attachment; filename=\"\(safeName)\""
        headers[.eTag] = "\"\(version.sha256)\""
        return Response(status: .ok, headers: headers, body: .pieces(try vault.objectBytes(version))).counting(1)
    }

    func accessJournal(_ request: Request, _ context: VaultRequestContext) throws -> Response {
        let vault = try vaults()
        let (cursor, limit) = try paging(request)
        let own = ownAccessesOnly(type: VaultStream.access.rawValue, context)
        let page = try vault.streamLog(stream: VaultStream.access.rawValue, from: .min, to: .max, cursor: cursor, limit: limit,
                                       entityId: own)
        return try listing(page, context, vault: vault, title: "Access journal", template: "access",
                           view: ["everyone": own == nil, "identity": own ?? ""],
                           next: page.nextCursor.map { links.page("access", [("cursor", $0)]) },
                           first: cursor == nil ? nil : links.page("access"))
    }

    func holds(_ context: VaultRequestContext) throws -> Response {
        guard context.identity?.roles.contains(.complianceOfficer) == true else {
            throw APIError(.forbidden, "role_not_allowed", "legal holds are the compliance officer's page")
        }
        let vault = try vaults()
        let holds = try vault.retention.holds().reversed().map { hold -> [String: Any] in
            ["id": hold.id, "scope": ConsoleFormat.scope(hold.scope), "caseReference": hold.caseReference,
             "reason": hold.reason, "placedBy": hold.placedBy, "placedAt": ConsoleFormat.time(hold.placedAt),
             "active": hold.isActive, "lifted": hold.lifted.map { "lifted by \($0.by) at \(ConsoleFormat.time($0.at)): \($0.reason)" } ?? ""]
        }
        return renderer.page("holds", ["holds": holds, "hasHolds": !holds.isEmpty], chrome: chrome(context, title: "Legal holds"))
            .counting(holds.count)
    }

    private func knownStream(_ context: VaultRequestContext) throws -> String {
        let stream = try context.parameters.require("stream")
        guard ConsoleRoutes.streams.contains(stream) else {
            throw APIError(.notFound, "unknown_stream", "there is no stream “\(stream.prefix(64))”; the streams are "
                + ConsoleRoutes.streams.joined(separator: ", "))
        }
        return stream
    }
}
