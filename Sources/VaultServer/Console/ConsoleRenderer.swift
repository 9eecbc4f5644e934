import Foundation
import Hummingbird
import Mustache
import VaultCore
import VaultFormat

/// Renders the console's pages: a page template's view inside the layout, as HTML that loads
/// nothing from anywhere but the vault.
///
/// Contract: every value a view holds is escaped by Mustache's `{{name}}` (HTML); the only
/// unescaped values are the rendered body inside the layout and the evidence JSON, whose `<` are
/// written as `\u003c`, so no record content can close its `<script type="application/json">`.
/// Every page is answered with `ConsoleRenderer.securityHeaders`: a Content-Security-Policy that
/// allows scripts, styles and requests from the vault's own origin only, no framing, no caching.
struct ConsoleRenderer: Sendable {
    private let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        for (name, text) in ConsoleTemplates.all {
            // The templates are constants of this program: one that does not parse is a bug found by every test.
            try! library.register(text, named: name)
        }
        self.library = library
    }

    /// Headers of every console answer.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .init("X-Content-Type-Options")!: "nosniff",
        .init("Referrer-Policy")!: "no-referrer",
        .init("X-Frame-Options")!: "DENY",
        .cacheControl: "no-store",
    ]

    /// `template` rendered with `view`, inside the layout with `chrome`.
    func page(_ template: String, _ view: Any, chrome: ConsoleChrome, status: HTTPResponse.Status = .ok) -> Response {
        let body = library.render(view, withTemplate: template) ?? ""
        let html = library.render(ConsoleLayoutView(chrome: chrome, body: body), withTemplate: "layout") ?? ""
        var headers = ConsoleRenderer.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .pieces(html))
    }
}

/// What the layout shows around every page: where the console is mounted, who is looking, and the
/// evidence the browser checks.
struct ConsoleChrome {
    /// `""` for production, `/sandbox` for the sandbox's console.
    let base: String
    let title: String
    let identity: String
    let roles: String
    let isSandbox: Bool
    let showsComplianceLinks: Bool
    let homeLink: String
    /// The page's evidence as JSON for the browser's check; nil on pages that show no records.
    var evidence: String? = nil
    /// The checkpoint line shown beside the mark.
    var checkpoint: CheckpointSummary? = nil
}

/// The signed checkpoint as the page states it.
struct CheckpointSummary {
    let origin: String
    let size: String
    let rootHash: String
    let signedAt: String
    /// nil when the signing time is not recorded.
    let age: String?
}

extension ConsoleChrome {
    /// Shows `evidence` for `items`: the JSON the browser checks and the checkpoint line.
    mutating func show(_ evidence: PageEvidence, items: [HistoryItem]) {
        self.evidence = ConsoleEvidence.json(checkpoint: evidence.checkpoint, items: items, proofs: evidence.proofs)
        checkpoint = ConsoleEvidence.summary(evidence.checkpoint, signedAt: evidence.signedAt, now: SystemClock().nowMillis())
    }
}

private struct ConsoleLayoutView {
    let chrome: ConsoleChrome
    let body: String
}

/// The evidence a page embeds for the browser to check: the checkpoint note as signed and, per
/// record shown, its entry, its bytes and salt (absent once erased) and its inclusion proof.
enum ConsoleEvidence {
    /// `{"checkpoint": note, "items": [{"seq","eventId","entry","record","salt","proof":{"treeSize","hashes"}}]}`,
    /// with `<` escaped for embedding in HTML.
    static func json(checkpoint: SignedCheckpoint, items: [HistoryItem], proofs: [Int64: InclusionProof]) -> String {
        let entries: [JSONValue] = items.map { item in
            var object: [String: JSONValue] = [
                "seq": .int(item.record.seq), "eventId": .string(item.record.eventId), "entry": .base64(item.entry),
            ]
            if let body = item.record.body, let salt = item.record.salt {
                object["record"] = .base64(body)
                object["salt"] = .base64(salt)
            }
            if let proof = proofs[item.record.seq] {
                object["proof"] = .object(["treeSize": .int(proof.treeSize), "hashes": .hashes(proof.hashes)])
            }
            return .object(object)
        }
        let document = JSONValue.object(["checkpoint": .string(checkpoint.serialized), "items": .array(entries)])
        return String(decoding: document.canonicalBytes, as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
    }

    /// The checkpoint as the page states it, its age measured from `now`.
    static func summary(_ checkpoint: SignedCheckpoint, signedAt: Int64?, now: Int64) -> CheckpointSummary {
        CheckpointSummary(origin: checkpoint.checkpoint.origin, size: ConsoleFormat.count(Int(checkpoint.checkpoint.size)),
                          rootHash: checkpoint.checkpoint.rootHash.base64,
                          signedAt: signedAt.map(ConsoleFormat.time) ?? "not recorded",
                          age: signedAt.map { ConsoleFormat.age(millis: now - $0) })
    }
}
