import Crypto
import Foundation
import Hummingbird

/// The console's style sheet and script, served by the vault itself (no CDN, no build step) at
/// `console/assets/console.css` and `console/assets/console.js`, cached by the browser for a day
/// under a name that changes with their content (`version`).
enum ConsoleAssets {
    /// The first 12 hex digits of SHA-256 over both assets: the `?v=` of their links.
    static let version: String = {
        let digest = SHA256.hash(data: Data((style + ConsoleScript.text).utf8))
        return digest.prefix(6).map { String(format: "%02x", $0) }.joined()
    }()

    /// Registers both assets on `group` (`console/assets/…`).
    static func register(on group: CatalogedRoutes) {
        group.get("assets/console.css") { _, _ in asset(style, contentType: "text/css; charset=utf-8") }
        group.get("assets/console.js") { _, _ in asset(ConsoleScript.text, contentType: "text/javascript; charset=utf-8") }
        group.get("assets/icon.svg") { _, _ in asset(icon, contentType: "image/svg+xml") }
    }

    private static func asset(_ text: String, contentType: String) -> Response {
        var headers = ConsoleRenderer.securityHeaders
        headers[.contentType] = contentType
        headers[.cacheControl] = "private, max-age=86400"
        return Response(status: .ok, headers: headers, body: .pieces(text))
    }

    /// A shield, for the browser's tab.
    static let icon = """
    <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M16 2 4 7v8c0 8 5 13 12 15 7-2 12-7 12-15V7z" fill="#1f4e8c"/>\
    <path d="m10 16 4 4 8-9" stroke="#fff" stroke-width="3" fill="none"/></svg>

    """

    static let style = """
    :root { --ink: #1d2430; --muted: #5b6575; --line: #d8dde5; --paper: #ffffff; --wash: #f4f6f9; --accent: #1f4e8c;
            --ok: #136b3a; --ok-wash: #e3f4ea; --bad: #a31b1b; --bad-wash: #fbe6e6; --warn: #7a5200; --warn-wash: #fff3d6; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--wash); }
    body.sandbox { border-top: 6px solid #c77d00; }
    header.top { background: var(--paper); border-bottom: 1px solid var(--line); padding: 0.6rem 1.5rem; display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.5rem 1.5rem; }
    .brand { font-weight: 700; font-size: 1.15rem; color: var(--ink); text-decoration: none; }
    .badge { font-size: 0.75rem; font-weight: 600; background: #fff0cc; color: #6b4500; padding: 0.1rem 0.4rem; border-radius: 3px; }
    nav a { margin-right: 1rem; }
    .who { margin: 0; color: var(--muted); font-size: 0.85rem; flex-basis: 100%; }
    a { color: var(--accent); }
    main { padding: 1rem 1.5rem 3rem; max-width: 1200px; }
    h1 { font-size: 1.5rem; margin: 0.5rem 0; }
    h2 { font-size: 1.1rem; margin: 1.2rem 0 0.4rem; }
    .lead, .hint { color: var(--muted); }
    .hint { font-size: 0.9rem; }
    .evidence { padding: 0.6rem 1.5rem; background: var(--paper); border-bottom: 1px solid var(--line); }
    .mark { padding: 0.5rem 0.8rem; border-radius: 4px; font-weight: 600; border: 1px solid var(--line); }
    .mark.pending { background: var(--wash); color: var(--muted); }
    .mark.verified { background: var(--ok-wash); color: var(--ok); border-color: var(--ok); }
    .mark.failed { background: var(--bad-wash); color: var(--bad); border-color: var(--bad); }
    .mark.unpinned, .mark.unsupported { background: var(--warn-wash); color: var(--warn); border-color: var(--warn); }
    .checkpoint { margin: 0.4rem 0 0; font-size: 0.85rem; color: var(--muted); overflow-wrap: anywhere; }
    .cards { display: flex; flex-wrap: wrap; gap: 1rem; }
    .card { background: var(--paper); border: 1px solid var(--line); border-radius: 6px; padding: 1rem; min-width: 280px; flex: 1; }
    label { display: block; font-size: 0.85rem; color: var(--muted); margin-top: 0.5rem; }
    .filters label { display: inline; margin: 0 0.3rem 0 0.8rem; }
    input, textarea, button { font: inherit; padding: 0.35rem 0.5rem; border: 1px solid var(--line); border-radius: 4px; }
    .card input, textarea { width: 100%; }
    button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; margin-top: 0.6rem; }
    button#unpin { background: var(--paper); color: var(--accent); }
    .download { margin-left: 1rem; }
    ul.inline { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; }
    .timeline { list-style: none; padding: 0; }
    .version { background: var(--paper); border: 1px solid var(--line); border-radius: 6px; padding: 0.8rem 1rem; margin: 0.8rem 0; }
    .version-head { display: flex; gap: 0.8rem; align-items: baseline; }
    .version-head h2 { margin: 0; }
    .action { background: var(--wash); padding: 0.05rem 0.4rem; border-radius: 3px; font-size: 0.85rem; }
    .facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; margin: 0.5rem 0; }
    .facts dt { color: var(--muted); }
    .facts dd { margin: 0; }
    table { border-collapse: collapse; width: 100%; background: var(--paper); }
    th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); font-size: 0.9rem; }
    th { background: var(--wash); font-weight: 600; }
    td.before, td.after, td.summary { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 0.85rem; overflow-wrap: anywhere; }
    td.before { background: #fdf1f1; }
    td.after { background: #eef8f1; }
    td.path { font-weight: 600; }
    .absent { color: var(--muted); font-style: italic; font-family: system-ui, sans-serif; }
    tr.erased td, .erased { color: var(--muted); }
    .row-mark { font-size: 0.8rem; white-space: nowrap; color: var(--muted); }
    .row-mark.ok, .ok { color: var(--ok); }
    .row-mark.bad, .bad { color: var(--bad); font-weight: 600; }
    .row-mark.warn { color: var(--warn); }
    .pages { margin-top: 1rem; display: flex; gap: 1.5rem; }
    .count { color: var(--muted); }
    .problem { background: var(--bad-wash); color: var(--bad); padding: 0.6rem 0.8rem; border-radius: 4px; }
    .notice { background: var(--warn-wash); color: var(--warn); padding: 0.6rem 0.8rem; border-radius: 4px; }
    code { font-family: ui-monospace, Menlo, monospace; font-size: 0.85em; overflow-wrap: anywhere; }
    details summary { cursor: pointer; color: var(--muted); font-size: 0.85rem; }
    a.file { margin-right: 0.6rem; }

    """
}
