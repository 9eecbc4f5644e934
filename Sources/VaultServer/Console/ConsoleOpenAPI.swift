/// The console's pages in the OpenAPI document: HTML for people, listed so that the document names
/// every route the server has. `console(base:)` writes them for production (`""`) and the sandbox
/// (`"/sandbox"`); errors are pages too (`ConsoleErrorPages`), except a refusal before any handler
/// ran, which is the API's JSON.
enum ConsoleOpenAPI {
    /// The responses the pages share (under `components/responses`).
    static let responses = """
        HTML:
          description: a console page (text/html; Content-Security-Policy allows the vault's own origin only)
          content: {text/html: {}}
        HTMLError:
          description: 'a page saying what was wrong: a bad filter or period (400), nothing by that name (404)'
          content: {text/html: {}}
        HTMLRefused:
          description: 'refused: a page for a certificate without the role, or the API''s JSON when refused before any handler ran'
          content: {text/html: {}, application/json: {schema: {$ref: '#/components/schemas/Error'}}}

    """

    /// The `cursor` and `limit` query parameters of a paged page.
    /// (Its second line is indented as the first will be where it is interpolated.)
    private static let paging = "- {name: cursor, in: query, schema: {type: string}}\n"
        + "        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000}}"

    static func paths(base: String) -> String {
        let who = base.isEmpty ? "roles regulator_read, compliance_officer; every view journaled" : "role sandbox, the sandbox log"
        let home = base.isEmpty ? "/" : base + "/console"
        var text = """
          \(home):
            get:
              summary: 'The console''s home: search an entity or a player, the signed checkpoint, streams, report periods (\(who)).'
              responses:
                '200': {$ref: '#/components/responses/HTML'}
                '403': {$ref: '#/components/responses/HTMLRefused'}
          \(base)/console/entity:
            get:
              summary: 'One entity''s change history, paged: before → after per field, who, why, when, with proofs the browser checks (\(who)).'
              parameters:
                - {name: type, in: query, required: true, schema: {type: string}}
                - {name: id, in: query, required: true, schema: {type: string}}
                - {name: from, in: query, schema: {type: string}, description: 'occurredAt from: a day, a UTC datetime-local or RFC 3339'}
                - {name: to, in: query, schema: {type: string}}
                \(paging)
              responses:
                '200': {$ref: '#/components/responses/HTML'}
                '400': {$ref: '#/components/responses/HTMLError'}
                '403': {$ref: '#/components/responses/HTMLRefused'}
                '404': {$ref: '#/components/responses/HTMLError'}
          \(base)/console/player:
            get:
              summary: 'The player search form''s target: redirects to the player''s page (\(who)).'
              parameters:
                - {name: id, in: query, required: true, schema: {type: string}}
              responses:
                '303': {description: 'to console/player/{id}'}
                '400': {$ref: '#/components/responses/HTMLError'}
                '403': {$ref: '#/components/responses/HTMLRefused'}
          \(base)/console/player/{id}:
            get:
              summary: 'Everything about one player, across streams, paged (\(who)).'
              parameters:
                - {name: id, in: path, required: true, schema: {type: string}}
                \(paging)
              responses:
                '200': {$ref: '#/components/responses/HTML'}
                '400': {$ref: '#/components/responses/HTMLError'}
                '403': {$ref: '#/components/responses/HTMLRefused'}
          \(base)/console/logs:
            get:
              summary: 'The streams (\(who)).'
              responses:
                '200': {$ref: '#/components/responses/HTML'}
                '403': {$ref: '#/components/responses/HTMLRefused'}
          \(base)/console/logs/{stream}:
            get:
              summary: 'One stream by recorded time, paged, with its content columns (\(who)).'
              parameters:
                - {name: stream, in: path, required: true, schema: {type: string}}
                - {name: from, in: query, schema: {type: string}, description: 'recordedAt from: a day, a UTC datetime-local or RFC 3339'}
                - {name: to, in: query, schema: {type: string}}
                \(paging)
              responses:
                '200': {$ref: '#/components/responses/HTML'}
                '400': {$ref: '#/components/responses/HTMLError'}
                '403': {$ref: '#/components/responses/HTMLRefused'}
                '404': {$ref: '#/components/responses/HTMLError'}
          \(base)/console/logs/{stream}/csv:
            get:
              summary: 'The whole window of a stream as one CSV download, every page of it (\(who)).'
              parameters:
                - {name: stream, in: path, required: true, schema: {type: string}}
                - {name: from, in: query, schema: {type: string}}
                - {name: to, in: query, schema: {type: string}}
              responses:
                '200': {description: 'RFC 4180 CSV with a header row', content: {text/csv: {}}}
                '400': {$ref: '#/components/responses/HTMLError'}
                '403': {$ref: '#/components/responses/HTMLRefused'}
                '404': {$ref: '#/components/responses/HTMLError'}
          \(base)/console/reports:
            get:
              summary: 'Reports by the period they cover (default this month), with the filing time; report records paged (\(who)).'
              parameters:
                - {name: period, in: query, schema: {type: string}}
                \(paging)
              responses:
                '200': {$ref: '#/components/responses/HTML'}
                '400': {$ref: '#/components/responses/HTMLError'}
                '403': {$ref: '#/components/responses/HTMLRefused'}
          \(base)/console/reports/{period}/file/{versionId}:
            get:
              summary: 'One report file listed under the period: a stored object, or a file of a report filed for it; its bytes checked against the log (\(who)).'
              parameters:
                - {name: period, in: path, required: true, schema: {type: string}}
                - {name: versionId, in: path, required: true, schema: {type: string}}
              responses:
                '200': {description: 'the file, as an attachment'}
                '400': {$ref: '#/components/responses/HTMLError'}
                '403': {$ref: '#/components/responses/HTMLRefused'}
                '404': {$ref: '#/components/responses/HTMLError'}
          \(base)/console/key:
            get:
              summary: 'The verifier key page: pin the key the browser checks checkpoint signatures with (\(who)).'
              responses:
                '200': {$ref: '#/components/responses/HTML'}
                '403': {$ref: '#/components/responses/HTMLRefused'}

        """
        for (asset, type) in [("console.css", "text/css"), ("console.js", "text/javascript"), ("icon.svg", "image/svg+xml")] {
            text += """
              \(base)/console/assets/\(asset):
                get:
                  summary: 'The console''s \(asset), served by the vault (no CDN); any identity\(base.isEmpty ? "" : " of the sandbox").'
                  responses:
                    '200': {description: '\(asset)', content: {\(type): {}}}
                    '403': {$ref: '#/components/responses/HTMLRefused'}

            """
        }
        guard base.isEmpty else {
            return text + """
              /sandbox:
                get:
                  summary: 'Leads a sandbox certificate to the sandbox''s console.'
                  responses:
                    '303': {description: to /sandbox/console}
                    '403': {$ref: '#/components/responses/Refused'}

            """
        }
        return text + """
          /console/access:
            get:
              summary: 'The access journal: a compliance officer''s all of it, anyone else''s own requests (roles regulator_read, compliance_officer).'
              parameters:
                \(paging)
              responses:
                '200': {$ref: '#/components/responses/HTML'}
                '400': {$ref: '#/components/responses/HTMLError'}
                '403': {$ref: '#/components/responses/HTMLRefused'}
          /console/holds:
            get:
              summary: 'Legal holds, active and lifted (role compliance_officer only).'
              responses:
                '200': {$ref: '#/components/responses/HTML'}
                '403': {$ref: '#/components/responses/HTMLRefused'}

        """
    }
}
