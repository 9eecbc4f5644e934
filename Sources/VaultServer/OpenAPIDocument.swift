/// The OpenAPI 3.1 description of every route, served at `/openapi.yaml`. A test checks that every
/// route the server registers is described here, and the Python suite validates it against the
/// OpenAPI schema. The sandbox mirror's inspector routes are the production ones under
/// `/sandbox/regulator`, so their descriptions are derived from them (`sandboxMirror`).
enum OpenAPIDocument {
    static let yaml = base + sandboxMirror(of: base) + sandboxOwn + ConsoleOpenAPI.paths(base: "")
        + ConsoleOpenAPI.paths(base: "/sandbox")

    /// The production routes.
    private static let base = """
    openapi: 3.1.0
    info:
      title: RegVault API
      version: 0.1.0
      description: |
        Ingest and inspector API of a RegVault audit vault. Every request under /regulator is recorded
        in the log itself as an access entry (stream vault.access), durable before its answer is sent; when the entry
        cannot be written the answer is 503 access_not_journaled instead. A declared Content-Length over the limit is
        answered 413 body_too_large at once and the connection closed. Every connection uses mutual TLS (TLS 1.2 or
        later); the client certificate's common name must be a configured identity, connecting from one of
        its allowed address ranges, with a role the route allows. Refusals are 403 with an error code.
        An identity configured to accept bearer tokens may add "Authorization: Bearer <JWT>" (issuer, audience and
        keys from the configuration); the token's regulator_read or compliance_officer role then applies, and a bad
        token is refused with 401 invalid_token.
        Errors have the body {"error": {"code": "...", "message": "...", "line": N, "field": "..."}}.
        HEAD is answered wherever GET is, with the GET's status and headers (Content-Length included) and no body.
        A known path asked with a method it does not have is 405 method_not_allowed, with Allow listing its methods.
        On a vault kept in PostgreSQL, a node that is not the sequencer (a standby) answers GET /healthz/node and /healthz/sequencer itself and
        every other request with 307 standby and Location at the same path and query on the sequencer (repeat the
        request there, method and body unchanged), or, while no live sequencer has published its address, 503 standby
        with Retry-After.
    components:
      schemas:
        Error:
          type: object
          required: [error]
          properties:
            error:
              type: object
              required: [code, message]
              properties:
                code: {type: string}
                message: {type: string}
                line: {type: integer}
                field: {type: string}
        InclusionProof:
          type: object
          required: [index, treeSize, leafHash, hashes]
          properties:
            index: {type: integer}
            treeSize: {type: integer}
            leafHash: {type: string, description: base64 SHA-256(0x00 || entry)}
            hashes: {type: array, items: {type: string}}
        Version:
          type: object
          description: One record with its evidence (record and salt bytes, entry, leaf hash); erased records carry "erased":true.
          properties:
            seq: {type: integer}
            version: {type: integer}
            eventId: {type: string}
            stream: {type: string}
            entity: {type: object}
            recordedAt: {type: string, format: date-time}
            occurredAt: {type: string, format: date-time}
            actor: {type: object}
            action: {type: string}
            reason: {type: string}
            diff: {description: RFC 6902 JSON Patch from the previous version}
            record: {type: string, description: base64 of the exact canonical record bytes}
            salt: {type: string}
            entry: {type: string}
            leafHash: {type: string}
            erased: {type: boolean}
            retention: {type: object, description: 'class, mode and retainUntil as fixed in the entry at ingest'}
            commitment: {type: string, description: 'erased records: base64 of the commitment in the entry'}
            erasedBy: {type: [integer, "null"], description: 'erased records: seq of the erasure entry that lists it'}
        Retention:
          type: object
          properties:
            mode: {type: string, enum: [compliance, governance]}
            retainUntil: {type: string, description: RFC 3339 time, or "indefinite" for the vault's own evidence}
            legalHolds: {type: array, items: {type: string}}
            awaitingTrigger: {type: boolean, description: the period starts when the business relationship ends}
            erased: {type: boolean}
        Hold:
          type: object
          properties:
            holdId: {type: string}
            scope: {type: object, description: 'exactly one of playerId, entity {type,id}, objectKey, stream, seq'}
            caseRef: {type: string}
            reason: {type: string}
            placedBy: {type: string}
            placedAt: {type: string}
            status: {type: string, enum: [active, lifted]}
            liftedBy: {type: string}
            liftedAt: {type: string}
            liftReason: {type: string}
        Page:
          type: object
          properties:
            records: {type: array, items: {$ref: '#/components/schemas/Version'}}
            nextCursor: {type: [string, "null"]}
      parameters:
        cursor: {name: cursor, in: query, schema: {type: string}, description: 'opaque: the nextCursor of the previous page'}
        limit: {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 100}}
      responses:
        Error: {description: refused or failed, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
        BadRequest:
          description: 'a malformed or invalid parameter, header or body (codes such as invalid_parameter, missing_parameter, invalid_request, malformed_json)'
          content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
        Refused:
          description: 'refused before any handler ran: the identity, its address or its role does not allow this route (codes such as role_not_allowed, unknown_identity, address_not_allowed, sandbox_only); or a retention rule refused the change'
          content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
        NotFound:
          description: 'nothing by that name or number (codes such as not_found, no_such_tile)'
          content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
        Starting:
          description: 'the sandbox is loading or resetting its scenario (sandbox_starting), or the log has no checkpoint yet (no_checkpoint); try again shortly'
          content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
        Page:
          description: a page of records; also as application/x-ndjson or text/csv by Accept, with X-Next-Cursor
          content: {application/json: {schema: {$ref: '#/components/schemas/Page'}}}
    \(ConsoleOpenAPI.responses)paths:
      /v1/objects/{key}:
        parameters:
          - {name: key, in: path, required: true, schema: {type: string}, description: '/-separated segments of A-Z a-z 0-9 . _ -'}
        put:
          summary: 'Store a new write-once version (role ingest). Lock with x-amz-object-lock-mode (GOVERNANCE|COMPLIANCE), x-amz-object-lock-retain-until-date, x-amz-object-lock-legal-hold (ON|OFF) or x-regvault-object-lock (JSON); x-regvault-report-period lists it under /regulator/reports; x-regvault-jurisdiction picks the retention policy.'
          requestBody: {required: true, content: {application/octet-stream: {}}}
          responses:
            '200': {description: 'the version {key, versionId, seq, sha256, size, contentType, retention}, with x-amz-version-id and lock headers'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '409': {$ref: '#/components/responses/Error'}
            '413': {$ref: '#/components/responses/Error'}
        get:
          summary: 'The bytes of the latest version or ?versionId=, with lock headers; ?versions=true lists every version (roles ingest, compliance_officer, admin)'
          parameters:
            - {name: versionId, in: query, schema: {type: string}}
            - {name: versions, in: query, schema: {type: string, enum: ['true']}}
          responses:
            '200': {description: 'the bytes, or the version list as JSON'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
            '410': {$ref: '#/components/responses/Error'}
        head:
          summary: The lock state and digest of a version, without its bytes
          parameters:
            - {name: versionId, in: query, schema: {type: string}}
          responses:
            '200': {description: headers only}
            '400': {description: a malformed key or parameter (no body)}
            '403': {description: refused (no body)}
            '404': {description: no such object (no body)}
            '410': {description: the version was erased (no body)}
        delete:
          summary: 'Erase one version before its retention ends: governance mode only, role admin, x-amz-bypass-governance-retention: true and x-regvault-reason; never under a legal hold'
          parameters:
            - {name: versionId, in: query, required: true, schema: {type: string}}
          responses:
            '200': {description: '{key, versionId, erasedBy}'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
            '409': {$ref: '#/components/responses/Error'}
            '410': {$ref: '#/components/responses/Error'}
      /v1/records/{seq}/retention:
        parameters:
          - {name: seq, in: path, required: true, schema: {type: integer, minimum: 0}}
        get:
          summary: A record's retention (roles ingest, compliance_officer, admin)
          responses:
            '200': {description: the retention, content: {application/json: {schema: {$ref: '#/components/schemas/Retention'}}}}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
        put:
          summary: 'Extend retention ({"retainUntil","reason"}), lock governance into compliance ({"mode":"compliance"}), or with x-amz-bypass-governance-retention: true shorten governance-mode retention (role admin, with a reason). Every change is an entry.'
          requestBody: {required: true, content: {application/json: {}}}
          responses:
            '200': {description: '{"retention": Retention, "seq": the change entry}'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
            '409': {$ref: '#/components/responses/Error'}
            '413': {$ref: '#/components/responses/Error'}
      /v1/holds:
        get:
          summary: Active legal holds (all with ?all=true) (role compliance_officer)
          parameters:
            - {name: all, in: query, schema: {type: string, enum: ['true']}}
          responses:
            '200': {description: '{"holds":[Hold]}'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
        post:
          summary: 'Place a legal hold: {"scope":{...},"caseRef","reason"} (role compliance_officer); it blocks erasure until lifted'
          requestBody: {required: true, content: {application/json: {}}}
          responses:
            '201': {description: '{"hold": Hold, "seq": its entry}'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '413': {$ref: '#/components/responses/Error'}
      /v1/deliveries:
        get:
          summary: 'What the vault sent to regulators'' destinations, newest first: destination, subject, status (pending, retrying, delivered, dead), attempts, next attempt, and the last attempt''s HTTP status, answer digest, duration and error (role compliance_officer)'
          parameters:
            - {name: status, in: query, schema: {type: string, enum: [pending, retrying, delivered, dead]}}
            - {$ref: '#/components/parameters/cursor'}
            - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 1000}}
          responses:
            '200': {description: '{"deliveries":[Delivery],"nextCursor":"..."|null}, up to limit a page'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
      /v1/deliveries/{id}/retry:
        parameters:
          - {name: id, in: path, required: true, schema: {type: string}}
        post:
          summary: 'Send a dead delivery again: {"reason"}; recorded as an entry with who and why (role compliance_officer)'
          requestBody: {required: true, content: {application/json: {}}}
          responses:
            '200': {description: 'Delivery, now retrying'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
            '409': {$ref: '#/components/responses/Error'}
            '413': {$ref: '#/components/responses/Error'}
      /v1/incidents:
        get:
          summary: 'Every incident on the incident stream, newest first: its state, the regulatory deadlines of its jurisdiction and kind with met and missed, the notices sent to destinations, and its ticket (open, acknowledged, notified, closed) (role compliance_officer)'
          parameters:
            - {name: status, in: query, schema: {type: string, enum: [open, acknowledged, notified, closed]}}
            - {name: severity, in: query, schema: {type: string, enum: [P1, P2, P3, P4]}}
          responses:
            '200': {description: '{"incidents":[Incident]}'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
      /v1/incidents/{id}:
        parameters:
          - {name: id, in: path, required: true, schema: {type: string}}
        get:
          summary: 'One incident (entity incident/{id}): state, deadlines, notices and ticket (role compliance_officer)'
          responses:
            '200': {description: 'Incident'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
      /v1/incidents/{id}/acknowledge:
        parameters:
          - {name: id, in: path, required: true, schema: {type: string}}
        post:
          summary: 'Acknowledge the incident''s ticket: {"reason"?}, an entry on the incident with who and why; once, and not after close (role compliance_officer)'
          requestBody: {required: false, content: {application/json: {}}}
          responses:
            '200': {description: 'Incident'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
            '409': {$ref: '#/components/responses/Error'}
            '413': {$ref: '#/components/responses/Error'}
      /v1/incidents/{id}/notify:
        parameters:
          - {name: id, in: path, required: true, schema: {type: string}}
        post:
          summary: 'Record that the regulator was told another way: {"reason"} (a portal reference, a call), an entry on the incident; deadlines count it; once (role compliance_officer)'
          requestBody: {required: true, content: {application/json: {}}}
          responses:
            '200': {description: 'Incident'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
            '409': {$ref: '#/components/responses/Error'}
            '413': {$ref: '#/components/responses/Error'}
      /v1/incidents/{id}/close:
        parameters:
          - {name: id, in: path, required: true, schema: {type: string}}
        post:
          summary: 'Close the incident''s ticket: {"reason"} (what was done, what was found), an entry on the incident; nothing follows (role compliance_officer)'
          requestBody: {required: true, content: {application/json: {}}}
          responses:
            '200': {description: 'Incident'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
            '409': {$ref: '#/components/responses/Error'}
            '413': {$ref: '#/components/responses/Error'}
      /access/incident:
        get:
          summary: 'With the read access a P1 notice carries (Authorization: Bearer rvi_..., or ?access=rvi_...), besides a client certificate of a configured identity: the grant (players, window, expiry) and the incident (state, deadlines, ticket). The credential opens /access/ and nothing else.'
          parameters:
            - {name: access, in: query, schema: {type: string}}
          responses:
            '200': {description: '{"grant": Grant, "incident": Incident}'}
            '401': {$ref: '#/components/responses/Error'}
            '403': {$ref: '#/components/responses/Refused'}
      /access/incident/logs:
        get:
          summary: 'With a P1 notice''s read access: the incident''s players'' records (or one player''s) whose occurredAt is within the grant''s window (from and to may narrow it), in seq order, with proofs. Another player or a window outside the grant is refused 403; every use is an access entry naming the grant.'
          parameters:
            - {name: access, in: query, schema: {type: string}}
            - {name: player, in: query, schema: {type: string}}
            - {name: from, in: query, schema: {type: string, format: date-time}}
            - {name: to, in: query, schema: {type: string, format: date-time}}
            - {$ref: '#/components/parameters/cursor'}
            - {$ref: '#/components/parameters/limit'}
          responses:
            '200': {$ref: '#/components/responses/Page'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '401': {$ref: '#/components/responses/Error'}
            '403': {$ref: '#/components/responses/Refused'}
            '406': {$ref: '#/components/responses/Error'}
      /v1/deliveries/{id}:
        parameters:
          - {name: id, in: path, required: true, schema: {type: string}}
        get:
          summary: 'One delivery: its latest state and "entries", every state it was recorded in (enqueue, each attempt), with seqs (role compliance_officer)'
          responses:
            '200': {description: 'Delivery with "entries":[Delivery]'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
      /webhook/regulator/request:
        post:
          summary: 'Ask for evidence to be sent to a callback: {"requestId", "query": {"kind": "audit"|"player"|"logs"|"report"|"export", ...}, "format": "json"|"csv"|"archive", "callbackUrl": "https://..."}; an export (format archive) is sent as a download link. 202 with the job at once; the answer is POSTed to the callback, signed as Standard Webhooks. The same requestId again returns the same job (200); the callback host must be one of the identity''s callbackHosts (roles regulator_read, compliance_officer)'
          requestBody: {required: true, content: {application/json: {}}}
          responses:
            '200': {description: 'the job already accepted for this requestId'}
            '202': {description: '{"jobId", "requestId", "query", "format", "callbackUrl", "status", "delivery"}'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '409': {$ref: '#/components/responses/Error'}
            '413': {$ref: '#/components/responses/Error'}
      /webhook/regulator/request/{jobId}:
        parameters:
          - {name: jobId, in: path, required: true, schema: {type: string}}
        get:
          summary: 'One job: the request, its status and its answer''s delivery (the identity that asked, or a compliance officer)'
          responses:
            '200': {description: 'the job'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
      /webhook/regulator/request/{jobId}/answer:
        parameters:
          - {name: jobId, in: path, required: true, schema: {type: string}}
        get:
          summary: 'The job''s answer as it was kept (JSON, CSV, or the export archive a callback links to), with its SHA-256 as ETag (the identity that asked, or a compliance officer); 409 until it is ready'
          responses:
            '200': {description: 'the answer''s bytes'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
            '409': {$ref: '#/components/responses/Error'}
      /v1/holds/{id}/lift:
        parameters:
          - {name: id, in: path, required: true, schema: {type: string}}
        post:
          summary: 'Lift a legal hold: {"reason"} (role compliance_officer)'
          requestBody: {required: true, content: {application/json: {}}}
          responses:
            '200': {description: '{"hold": Hold, "seq": its entry}'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
            '409': {$ref: '#/components/responses/Error'}
            '413': {$ref: '#/components/responses/Error'}
      /v1/records:
        post:
          summary: Append records (role ingest). A JSON array or JSON lines; all validated before any is stored.
          requestBody: {required: true, content: {application/json: {}, application/x-ndjson: {}}}
          responses:
            '200': {description: 'each record''s seq once its batch is durable and signed: {"results":[{"eventId","seq","duplicate"}]}'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '409': {$ref: '#/components/responses/Error'}
            '413': {$ref: '#/components/responses/Error'}
      /regulator/audit:
        get:
          summary: 'An entity''s change history, oldest first and paged (100 versions unless limit says otherwise), with diffs, the value before and after of every path each version touched, evidence and inclusion proofs against one signed checkpoint. from and to filter on occurredAt (when the change happened), not on when the vault recorded it.'
          parameters:
            - {name: entity, in: query, required: true, schema: {type: string}}
            - {name: id, in: query, required: true, schema: {type: string}}
            - {name: from, in: query, description: 'versions whose occurredAt is at or after this time', schema: {type: string, format: date-time}}
            - {name: to, in: query, description: 'versions whose occurredAt is before this time', schema: {type: string, format: date-time}}
            - {$ref: '#/components/parameters/cursor'}
            - {$ref: '#/components/parameters/limit'}
          responses:
            '200': {description: '{"entity","checkpoint","changes":[Version + "inclusion" + "touched":[{"path","before","after"}]],"versions","window":{"time":"occurredAt","from","to","limit"},"nextCursor"}'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
            '503': {$ref: '#/components/responses/Error'}
      /regulator/logs/{type}:
        get:
          summary: 'One stream''s records recorded in a time window, oldest first: from and to filter on recordedAt (when the vault recorded each record), which the answer states as "window": {"time": "recordedAt"}.'
          parameters:
            - {name: type, in: path, required: true, schema: {type: string, enum: [audit.change, kyc, aml, payment, gaming, responsible_gambling, rng, incident, report, vault.access]}}
            - {name: from, in: query, schema: {type: string, format: date-time}}
            - {name: to, in: query, schema: {type: string, format: date-time}}
            - {$ref: '#/components/parameters/cursor'}
            - {$ref: '#/components/parameters/limit'}
          responses:
            '200': {$ref: '#/components/responses/Page'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '406': {$ref: '#/components/responses/Error'}
            '503': {$ref: '#/components/responses/Error'}
      /regulator/player/{id}:
        get:
          summary: Everything recorded about one player, across streams.
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
            - {$ref: '#/components/parameters/cursor'}
            - {$ref: '#/components/parameters/limit'}
          responses:
            '200': {$ref: '#/components/responses/Page'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '406': {$ref: '#/components/responses/Error'}
            '503': {$ref: '#/components/responses/Error'}
      /regulator/reports/{period}:
        get:
          summary: 'Reports covering a day (2026-11-20), ISO week (2026-W47), month (2026-11) or quarter (2026-Q4), or a period inside it: the report records in the page (each covers its state.period, or the UTC day it was recorded when it names none; recordedAt is when it was filed), the stored report files of that period in "objects", and the reports the vault filed (latest version of each) in "filed" (JSON only).'
          parameters:
            - {name: period, in: path, required: true, schema: {type: string}}
            - {$ref: '#/components/parameters/cursor'}
            - {$ref: '#/components/parameters/limit'}
          responses:
            '200': {$ref: '#/components/responses/Page'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '406': {$ref: '#/components/responses/Error'}
            '503': {$ref: '#/components/responses/Error'}
      /regulator/reports/{period}/{eventId}:
        get:
          summary: 'One report filed in the period, with its evidence; for a stored report file (eventId object:<versionId>), its bytes.'
          parameters:
            - {name: period, in: path, required: true, schema: {type: string}}
            - {name: eventId, in: path, required: true, schema: {type: string}}
          responses:
            '200': {description: 'a Version, or a stored report''s bytes', content: {application/json: {schema: {$ref: '#/components/schemas/Version'}}}}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
            '503': {$ref: '#/components/responses/Error'}
      /regulator/exports:
        post:
          summary: 'Start an export archive (docs/ARCHIVE.md): body {"from","to","entity":{"type","id"},"player","stream","compression"}, all optional; none for the full log'
          requestBody: {content: {application/json: {}}}
          responses:
            '202': {description: 'the job {id, state, progress}; Location names it'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '413': {$ref: '#/components/responses/Error'}
            '429': {$ref: '#/components/responses/Error'}
            '503': {$ref: '#/components/responses/Error'}
      /regulator/exports/{id}:
        get:
          summary: 'While running, the job''s progress (202); when done, the archive itself; verify it with regvault-verify'
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
          responses:
            '200': {description: the archive, content: {application/gzip: {}, application/x-tar: {}, application/zstd: {}}}
            '202': {description: 'the job {id, state, progress}'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
            '410': {$ref: '#/components/responses/Error'}
            '500': {description: 'the export failed: the job with its error'}
            '503': {$ref: '#/components/responses/Error'}
      /regulator/checkpoint:
        get:
          summary: The latest signed checkpoint (C2SP tlog-checkpoint in a C2SP signed note), exactly as signed.
          responses:
            '200': {description: the note, content: {text/plain: {}}}
            '403': {$ref: '#/components/responses/Refused'}
            '503': {$ref: '#/components/responses/Error'}
      /regulator/proof/inclusion:
        get:
          summary: 'RFC 9162 inclusion proof of entry seq in the tree of size (default the latest checkpoint''s); with format=tlog-proof, a C2SP tlog-proof file against that signed checkpoint.'
          parameters:
            - {name: seq, in: query, required: true, schema: {type: integer}}
            - {name: size, in: query, schema: {type: integer}}
            - {name: format, in: query, schema: {type: string, enum: [json, tlog-proof]}}
          responses:
            '200': {description: proof, content: {application/json: {schema: {$ref: '#/components/schemas/InclusionProof'}}, text/plain: {}}}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {description: 'with size: no checkpoint was signed at that tree size (format=tlog-proof needs one)', content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
            '503': {$ref: '#/components/responses/Error'}
      /regulator/proof/consistency:
        get:
          summary: RFC 9162 consistency proof between two tree sizes.
          parameters:
            - {name: from, in: query, required: true, schema: {type: integer, minimum: 1}}
            - {name: to, in: query, required: true, schema: {type: integer}}
          responses:
            '200': {description: '{"from","to","hashes"}'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '503': {$ref: '#/components/responses/Error'}
      /log/checkpoint:
        get:
          summary: C2SP tlog-tiles checkpoint (any identity).
          responses:
            '200': {description: the note, content: {text/plain: {}}}
            '403': {$ref: '#/components/responses/Refused'}
            '503': {$ref: '#/components/responses/Error'}
      /log/tile/{tilePath}:
        get:
          summary: 'C2SP tlog-tiles hash tile (<L>/<N>[.p/<W>]) or entry bundle (entries/<N>[.p/<W>]); full tiles are immutable.'
          parameters:
            - {name: tilePath, in: path, required: true, schema: {type: string}}
          responses:
            '200': {description: tile bytes, content: {application/octet-stream: {}}}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
      /healthz:
        get:
          summary: Liveness (any identity).
          responses:
            '200': {description: ok, content: {text/plain: {}}}
            '403': {$ref: '#/components/responses/Refused'}
      /healthz/node:
        get:
          summary: "This node: its storage, whether it is the sequencer (the one node that commits) and its lease token, the tree size (any identity)."
          responses:
            '200':
              description: the node's status
              content:
                application/json:
                  schema:
                    type: object
                    required: [storage, sequencer, treeSize]
                    properties:
                      storage: {type: string, enum: [sqlite, postgresql]}
                      sequencer: {type: boolean}
                      leaseToken: {type: integer, description: "the fencing token of the sequencer lease this node holds (PostgreSQL)"}
                      treeSize: {type: integer, minimum: 0}
            '403': {$ref: '#/components/responses/Refused'}
      /healthz/sequencer:
        get:
          summary: "The same as /healthz/node, with the answer in the status, for a load balancer that should send requests only to the sequencer (any identity)."
          responses:
            '200':
              description: this node is the sequencer (on SQLite, always)
              content: {application/json: {}}
            '503':
              description: this node is a standby (another node holds the sequencer lease)
              content: {application/json: {}}
            '403': {$ref: '#/components/responses/Refused'}
      /metrics:
        get:
          summary: Prometheus text metrics (any identity).
          responses:
            '200': {description: metrics, content: {text/plain: {}}}
            '403': {$ref: '#/components/responses/Refused'}
      /openapi.yaml:
        get:
          summary: This document (any identity).
          responses:
            '200': {description: the OpenAPI document, content: {application/yaml: {}}}
            '403': {$ref: '#/components/responses/Refused'}

    """

    /// Every `/regulator/…` path of `document`, under `/sandbox/regulator/…`, each
    /// summary prefixed to say it answers from the sandbox log, and each operation answering 503
    /// `sandbox_starting` while the sandbox loads or resets its scenario.
    static func sandboxMirror(of document: String) -> String {
        var out = ""
        var copying = false
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /") {
                copying = line.hasPrefix("  /regulator/")
                if copying { out += "  /sandbox" + line.dropFirst(2) + "\n" }
            } else if copying, line.hasPrefix("            '503':") {
                continue  // the operation's own 503 gives way to the sandbox's, added below
            } else if copying, !line.isEmpty {
                out += sandboxSummary(String(line)) + "\n"
                if line == "          responses:" {
                    out += "            '503': {$ref: '#/components/responses/Starting'}\n"
                }
            }
        }
        return out
    }

    /// A `summary:` line said of the sandbox; other lines unchanged.
    private static func sandboxSummary(_ line: String) -> String {
        let prefix = "Sandbox (role sandbox, the sandbox log): "
        guard let key = line.range(of: "summary: ") else { return line }
        var value = String(line[key.upperBound...])
        if value.hasPrefix("'"), value.hasSuffix("'") {
            value = String(value.dropFirst().dropLast())
        } else {
            value = value.replacingOccurrences(of: "'", with: "''")
        }
        return line[..<key.upperBound] + "'" + prefix + value + "'"
    }

    /// The sandbox's own routes.
    private static let sandboxOwn = """
      /sandbox/regulator/key:
        get:
          summary: 'Sandbox: the sandbox log''s verifier key (C2SP note key name+keyid+base64), derived from public data and published in sandbox/keys/.'
          responses:
            '200': {description: one line, content: {text/plain: {}}}
            '403': {$ref: '#/components/responses/Refused'}
            '503': {$ref: '#/components/responses/Starting'}
      /sandbox/regulator/status:
        get:
          summary: 'Sandbox: the scenario being replayed, how far, and the tree size.'
          responses:
            '200': {description: '{"scenario","description","origin","seed","verifierKey","recordsReplayed","complete","treeSize","initialTreeSize","replay":{...},"builtInScenarios"}'}
            '403': {$ref: '#/components/responses/Refused'}
            '503': {$ref: '#/components/responses/Starting'}
      /sandbox/regulator/vectors:
        get:
          summary: 'Sandbox: test vectors a client must accept or reject, each with the reason (sandbox/README.md).'
          responses:
            '200': {description: '{"origin","verifierKey","scenario","reasons","vectors":[{"id","kind","description","input","expect","reason"}]}'}
            '403': {$ref: '#/components/responses/Refused'}
            '503': {$ref: '#/components/responses/Starting'}
      /sandbox/regulator/generated-reports/{period}:
        get:
          summary: 'Sandbox: the synthetic operator''s regulator reports for a day, month or quarter (every template of that cadence, development licences), rendered from the sandbox log below its latest checkpoint (docs/REPORTS.md).'
          parameters:
            - {name: period, in: path, required: true, schema: {type: string}}
          responses:
            '200': {description: '{"period","checkpoint":{"size","root"},"configuration","reports":[{"template","templateVersion","licence","files":[{"name","format","size","sha256","href"}]}]}'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '503': {$ref: '#/components/responses/Starting'}
      /sandbox/regulator/generated-reports/{period}/{file}:
        get:
          summary: 'Sandbox: one file of those reports (CSV, XML or PDF) at tree size `size` (the listing''s links carry it); its ETag is its SHA-256.'
          parameters:
            - {name: period, in: path, required: true, schema: {type: string}}
            - {name: file, in: path, required: true, schema: {type: string}}
            - {name: size, in: query, required: false, schema: {type: integer, minimum: 1}}
          responses:
            '200': {description: the file, content: {text/csv: {}, application/xml: {}, application/pdf: {}}}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '404': {$ref: '#/components/responses/NotFound'}
            '503': {$ref: '#/components/responses/Starting'}
      /sandbox/admin/reset:
        post:
          summary: 'Rebuild the sandbox from a built-in scenario (role admin): body {"scenario":"demo"}. The same scenario gives the same log.'
          requestBody: {content: {application/json: {}}}
          responses:
            '200': {description: '{"scenario","treeSize","verifierKey"}'}
            '400': {$ref: '#/components/responses/BadRequest'}
            '403': {$ref: '#/components/responses/Refused'}
            '409': {$ref: '#/components/responses/Error'}
            '413': {$ref: '#/components/responses/Error'}
            '503': {$ref: '#/components/responses/Starting'}

    """
}
