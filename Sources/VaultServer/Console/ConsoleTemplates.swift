/// The console's Mustache templates, by name. They are part of the program (not files beside it),
/// so a copied binary serves the same pages. `{{x}}` escapes HTML; `{{{x}}}` appears only for the
/// rendered page body and the evidence JSON (`ConsoleRenderer`).
enum ConsoleTemplates {
    static let all: [String: String] = [
        "layout": layout, "home": home, "entity": entity, "rows": rows, "player": player, "stream": stream,
        "streams": streams, "reports": reports, "access": access, "holds": holds, "key": key, "error": error,
    ]

    static let layout = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{chrome.title}} · RegVault{{#chrome.isSandbox}} sandbox{{/chrome.isSandbox}}</title>
    <link rel="icon" href="{{chrome.base}}/console/assets/icon.svg?v=\(ConsoleAssets.version)" type="image/svg+xml">
    <link rel="stylesheet" href="{{chrome.base}}/console/assets/console.css?v=\(ConsoleAssets.version)">
    <script src="{{chrome.base}}/console/assets/console.js?v=\(ConsoleAssets.version)" defer></script>
    </head>
    <body{{#chrome.isSandbox}} class="sandbox"{{/chrome.isSandbox}} data-base="{{chrome.base}}">
    <header class="top">
    <a class="brand" href="{{chrome.homeLink}}">RegVault{{#chrome.isSandbox}} <span class="badge">sandbox · synthetic data</span>{{/chrome.isSandbox}}</a>
    <nav>
    <a href="{{chrome.homeLink}}">Search</a>
    <a href="{{chrome.base}}/console/logs">Streams</a>
    <a href="{{chrome.base}}/console/reports">Reports</a>
    {{^chrome.isSandbox}}<a href="/console/access">Access journal</a>{{/chrome.isSandbox}}
    {{#chrome.showsComplianceLinks}}<a href="/console/holds">Legal holds</a>{{/chrome.showsComplianceLinks}}
    <a href="{{chrome.base}}/console/key">Verifier key</a>
    </nav>
    <p class="who">Certificate <strong>{{chrome.identity}}</strong> ({{chrome.roles}}){{^chrome.isSandbox}} · every page you open is recorded in the vault's access journal{{/chrome.isSandbox}}</p>
    </header>
    {{#chrome.evidence}}
    <section class="evidence" aria-label="Evidence">
    <div id="proof-mark" class="mark pending" data-state="pending" role="status" aria-live="polite">Checking the proofs in this browser…</div>
    <noscript><div class="mark failed">Scripts are off, so this browser has checked nothing. An export checked with regvault-verify proves the same records offline.</div></noscript>
    {{#chrome.checkpoint}}<p class="checkpoint">Signed checkpoint of <strong>{{origin}}</strong>: {{size}} entries, signed {{signedAt}}{{#age}} ({{age}}){{/age}}. Root hash <code>{{rootHash}}</code></p>{{/chrome.checkpoint}}
    </section>
    <script type="application/json" id="evidence-data">{{{chrome.evidence}}}</script>
    {{/chrome.evidence}}
    <main>
    {{{body}}}
    </main>
    </body>
    </html>

    """

    static let home = """
    <h1>Search the vault</h1>
    <p class="lead">The records of <strong>{{origin}}</strong>: every change, payment, decision and report, each proved to be in the signed log.</p>
    <div class="cards">
    <form class="card" method="get" action="{{entityAction}}">
    <h2>An entity's change history</h2>
    <label for="type">Entity type</label>
    <input id="type" name="type" list="entity-types" required value="bonusRule">
    <datalist id="entity-types">{{#entityTypes}}<option value="{{.}}">{{/entityTypes}}</datalist>
    <label for="id">Entity id</label>
    <input id="id" name="id" required placeholder="123">
    <button type="submit">Show history</button>
    </form>
    <form class="card" method="get" action="{{playerAction}}" id="player-search">
    <h2>A player's timeline</h2>
    <label for="player">Player id</label>
    <input id="player" name="id" required placeholder="as on a payment: p-…">
    <button type="submit">Show timeline</button>
    </form>
    </div>
    <h2>Streams</h2>
    <ul class="inline">{{#streams}}<li><a href="{{href}}">{{name}}</a></li>{{/streams}}</ul>
    <h2>Reports</h2>
    <ul class="inline">{{#months}}<li><a href="{{href}}">{{name}}</a></li>{{/months}}</ul>

    """

    static let entity = """
    <h1>{{type}} {{id}}</h1>
    <form class="filters" method="get" action="{{action}}">
    <input type="hidden" name="type" value="{{type}}"><input type="hidden" name="id" value="{{id}}">
    <label for="from">Changed from</label><input id="from" name="from" value="{{from}}" placeholder="2026-01-05 10:00" size="18">
    <label for="to">until</label><input id="to" name="to" value="{{to}}" placeholder="2026-01-06" size="18">
    <label for="limit">per page</label><input id="limit" name="limit" type="number" min="1" max="1000" value="{{limit}}">
    <button type="submit">Filter</button>
    </form>
    <p class="hint">Times are UTC: a day, or a day and a time. The filter is on when each change happened (occurred), as the platform reported it, not when the vault recorded it; "until" is not included.</p>
    {{#hasVersions}}<p class="count">Versions {{first}} to {{last}} of {{versionCount}}. <a href="{{jsonLink}}">The same as JSON</a></p>{{/hasVersions}}
    {{^hasVersions}}<p class="count">No version of the {{versionCount}} in this window.</p>{{/hasVersions}}
    <ol class="timeline">
    {{#versions}}
    <li class="version" data-seq="{{seq}}" data-event-id="{{eventId}}">
    <div class="version-head"><h2>Version {{version}}</h2> <span class="action">{{action}}</span>{{#isFirst}} <span class="action">first version: every field is new</span>{{/isFirst}} <span class="row-mark" aria-label="proof"></span></div>
    <dl class="facts">
    <dt>Occurred</dt><dd>{{occurredAt}}</dd>
    <dt>Recorded</dt><dd>{{recordedAt}}</dd>
    <dt>By</dt><dd>{{actor}}{{#actorRole}} ({{actorRole}}){{/actorRole}}{{#actorIp}} from {{actorIp}}{{/actorIp}}</dd>
    {{#reason}}<dt>Reason</dt><dd>{{reason}}</dd>{{/reason}}
    {{#details}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/details}}
    </dl>
    {{#hasTouched}}
    <table class="changes"><thead><tr><th>Field</th><th>Before</th><th>After</th></tr></thead><tbody>
    {{#touched}}<tr><td class="path">{{path}}</td><td class="before">{{#beforeAbsent}}<span class="absent">(absent)</span>{{/beforeAbsent}}{{^beforeAbsent}}{{before}}{{/beforeAbsent}}</td><td class="after">{{#afterAbsent}}<span class="absent">(removed)</span>{{/afterAbsent}}{{^afterAbsent}}{{after}}{{/afterAbsent}}</td></tr>{{/touched}}
    </tbody></table>
    {{/hasTouched}}
    {{#erased}}<p class="erased">This version was erased at the end of its retention by entry {{erasedBy}}. Its entry and proof remain, so the log still proves it existed.</p>{{/erased}}
    <details><summary>Evidence</summary><p>Entry {{seq}}, event <code>{{eventId}}</code>. Leaf hash <code>{{leafHash}}</code>. Retention: {{retention}}.</p></details>
    </li>
    {{/versions}}
    </ol>
    <nav class="pages">{{#pages}}<a href="{{href}}">{{label}}</a>{{/pages}}</nav>

    """

    static let rows = """
    {{#hasRows}}
    <table class="records"><thead><tr><th>Occurred</th><th>Recorded</th><th>Stream</th><th>Entity</th><th>Action</th><th>By</th><th>Content</th><th>Proof</th></tr></thead><tbody>
    {{#rows}}
    <tr data-seq="{{seq}}" data-event-id="{{eventId}}"{{#erased}} class="erased"{{/erased}}>
    <td>{{occurredAt}}</td><td>{{recordedAt}}</td><td>{{stream}}</td>
    <td><a href="{{entityLink}}">{{entity}}</a>{{#playerId}}<br>player <a class="player" href="{{playerLink}}">{{playerId}}</a>{{/playerId}}</td>
    <td>{{action}}</td><td>{{actor}}</td>
    <td class="summary">{{#erased}}erased by entry {{erasedBy}}{{/erased}}{{^erased}}{{summary}}{{/erased}}</td>
    <td class="row-mark">{{#pending}}not yet in a checkpoint{{/pending}}</td>
    </tr>
    {{/rows}}
    </tbody></table>
    {{/hasRows}}
    {{^hasRows}}<p class="count">Nothing here.</p>{{/hasRows}}
    <nav class="pages">{{#pages}}<a href="{{href}}">{{label}}</a>{{/pages}}</nav>

    """

    static let player = """
    <h1>Player {{playerId}}</h1>
    {{#unknown}}<p class="notice">The vault holds no record about a player {{playerId}}. Player ids are the platform's own, as shown on payments and gaming days.</p>{{/unknown}}
    <p class="hint">Everything the vault holds about this player, across streams, in the order it was recorded. Times are UTC.</p>
    {{> rows}}

    """

    static let stream = """
    <h1>Stream {{stream}}</h1>
    <form class="filters" method="get" action="{{action}}">
    <label for="from">Recorded from</label><input id="from" name="from" value="{{from}}" placeholder="2026-01-05 10:00" size="18">
    <label for="to">until</label><input id="to" name="to" value="{{to}}" placeholder="2026-01-06" size="18">
    <button type="submit">Filter</button>
    <a class="download" href="{{csv}}">Download this window as CSV</a>
    </form>
    <p class="hint">Times are UTC: a day, or a day and a time; "until" is not included. This filter is on when the vault recorded each record, which can be later than when it happened (records loaded afterwards); an entity's history filters on when each change happened.</p>
    <p class="hint">The CSV holds every record of the window, as shown here; the mark above covers the records on this page. An export (POST /regulator/exports) carries the proofs of a whole window for regvault-verify.</p>
    {{^hasRows}}{{#filtered}}<p class="notice">Nothing was recorded in this window. If you are looking for what happened on these days, records of those days may have been loaded later: widen the window, or open an entity's or a player's history, which go by when things happened.</p>{{/filtered}}{{/hasRows}}
    {{> rows}}

    """

    static let streams = """
    <h1>Streams</h1>
    <ul class="inline">{{#streams}}<li><a href="{{href}}">{{name}}</a></li>{{/streams}}</ul>

    """

    static let reports = """
    <h1>Reports covering {{period}}</h1>
    <form class="filters" method="get" action="{{action}}">
    <label for="period">Period</label><input id="period" name="period" value="{{period}}" placeholder="2026-11, 2026-W47, 2026-Q4 or 2026-11-20">
    <button type="submit">Show</button>
    </form>
    <p class="hint">Reports are listed under the period they cover, with the time each was filed beside it. A report's own "generated at" is the close of its period, so that recomputing it from an export gives the same bytes; "Filed" is when the vault filed it.</p>
    {{#firstPage}}
    <h2>Reports the vault filed</h2>
    {{#hasFiled}}
    <table class="records"><thead><tr><th>Report</th><th>Covers</th><th>Filed</th><th>Version</th><th>Files</th></tr></thead><tbody>
    {{#filed}}<tr><td><a href="{{entityLink}}">{{report}}</a></td><td>{{covers}}</td><td>{{filedAt}}</td><td>{{version}}</td>
    <td>{{#erased}}erased at the end of its retention{{/erased}}{{#files}}<a class="file" href="{{href}}">{{name}}</a> {{/files}}</td></tr>{{/filed}}
    </tbody></table>
    {{/hasFiled}}
    {{^hasFiled}}<p class="count">None filed for this period.</p>{{/hasFiled}}
    <h2>Other report files stored for this period</h2>
    <p class="hint">Files the operator's systems stored with this period (PUT /v1/objects with x-regvault-report-period); the vault's own filings are above.</p>
    {{#hasObjects}}
    <table class="records"><thead><tr><th>Key</th><th>Stored</th><th>Size</th><th>SHA-256</th></tr></thead><tbody>
    {{#objects}}<tr><td>{{^erased}}<a class="file" href="{{href}}">{{key}}</a>{{/erased}}{{#erased}}{{key}} (erased){{/erased}}</td><td>{{storedAt}}</td><td>{{size}} bytes</td><td><code>{{sha256}}</code></td></tr>{{/objects}}
    </tbody></table>
    {{/hasObjects}}
    {{^hasObjects}}<p class="count">None stored for this period.</p>{{/hasObjects}}
    {{/firstPage}}
    <h2>Report records</h2>
    {{> rows}}

    """

    static let access = """
    <h1>Access journal</h1>
    <p class="hint">{{#everyone}}Every inspector request, as the vault recorded it before answering.{{/everyone}}{{^everyone}}Your own requests as {{identity}}, as the vault recorded them before answering. Other inspectors' requests are the compliance officer's to read.{{/everyone}}</p>
    {{> rows}}

    """

    static let holds = """
    <h1>Legal holds</h1>
    <p class="hint">Records under an active hold are kept whatever their retention says. Holds are placed and lifted with regvault hold or POST /v1/holds; each is an entry in the log.</p>
    {{#hasHolds}}
    <table class="records"><thead><tr><th>Hold</th><th>Covers</th><th>Case</th><th>Reason</th><th>Placed</th><th>Status</th></tr></thead><tbody>
    {{#holds}}<tr><td><code>{{id}}</code></td><td><code>{{scope}}</code></td><td>{{caseReference}}</td><td>{{reason}}</td><td>{{placedBy}}, {{placedAt}}</td><td>{{#active}}active{{/active}}{{^active}}{{lifted}}{{/active}}</td></tr>{{/holds}}
    </tbody></table>
    {{/hasHolds}}
    {{^hasHolds}}<p class="count">No legal hold has been placed.</p>{{/hasHolds}}

    """

    static let key = """
    <h1>Verifier key</h1>
    <p>This browser checks each page's checkpoint signature against the verifier key you pin here, kept in this browser only. Pin the key you were given by the operator or your regulator, through a channel other than this server: a key taken from the server you are checking proves nothing about that server.</p>
    <p>Pinned in this browser: <code id="pinned-key">none</code></p>
    <form id="pin-form" class="card">
    <label for="pin-input">Verifier key (name+keyid+key)</label>
    <textarea id="pin-input" rows="2" spellcheck="false" required></textarea>
    <button type="submit">Pin this key</button> <button type="button" id="unpin">Forget the pinned key</button>
    <p id="pin-status" role="status"></p>
    </form>
    <p>The key this vault serves for <strong>{{origin}}</strong>, to compare with yours: <code id="served-key">{{servedKey}}</code></p>

    """

    static let error = """
    <h1>{{title}}</h1>
    <p class="problem">{{message}}</p>
    <p><a href="{{home}}">Back to search</a></p>

    """
}
