import Foundation
import Hummingbird
import VaultConfiguration
import VaultCore
import VaultFormat

/// The regulator request webhook:
///
/// | route | roles | what |
/// |---|---|---|
/// | `POST /webhook/regulator/request` | regulator_read, compliance_officer | `{"requestId", "query": {...}, "format": "json"\|"csv", "callbackUrl": "https://..."}` → 202 `{"jobId", "status", ...}` |
/// | `GET /webhook/regulator/request/{jobId}` | the identity that asked | the job: the request and its answer's delivery |
///
/// The answer is prepared and POSTed to `callbackUrl` by the delivery worker, signed as Standard
/// Webhooks with the identity's `callbackSecretFile`, retried like every delivery. The callback's
/// host must be one of the identity's `callbackHosts`; any other is refused with 403
/// `callback_not_allowed` before anything is stored or any connection made. The same `requestId`
/// from the same identity returns the same job (200 instead of 202); with a different request it
/// is refused with 409.
struct RequestRoutes {
    let vault: Vault
    let writer: LogWriter
    let identities: [String: ServerConfiguration.Identity]

    func register(on group: CatalogedRoutes) {
        group.post("request") { request, context in
            guard let caller = context.identity else { throw APIError(.forbidden, "forbidden", "no identity") }
            let body = try await jsonBody(request)
            guard let requestId = body["requestId"]?.stringValue, RequestRoutes.isRequestId(requestId) else {
                throw APIError(.badRequest, "invalid_request", "requestId is 1 to 128 of letters, digits and . _ : - (your reference)")
            }
            let format = body["format"]?.stringValue ?? "json"
            guard let query = body["query"], let callbackUrl = body["callbackUrl"]?.stringValue else {
                throw APIError(.badRequest, "invalid_request",
                               "the body is {\"requestId\",\"query\":{\"kind\",...},\"format\":\"json\"|\"csv\",\"callbackUrl\":\"https://...\"}")
            }
            do { _ = try RequestQuery(query: query, format: format) } catch let error as RequestQueryError {
                throw APIError(.badRequest, "invalid_query", error.description)
            }
            try checkCallback(callbackUrl, for: caller.commonName)
            return try await answering {
                let asked = RegulatorRequest(requestId: requestId, identity: caller.commonName, query: query, format: format,
                                             callbackUrl: callbackUrl, receivedAt: 0)
                let (accepted, delivery, isNew) = try await writer.acceptRegulatorRequest(asked, actor: actor(context))
                return .json(RequestRoutes.job(accepted, delivery), status: isNew ? .accepted : .ok)
            }
        }
        group.get("request/:jobId/answer") { request, context in
            let jobId = try context.parameters.require("jobId")
            return try answer {
                let (asked, _) = try ownJob(jobId, context)
                let query = try RequestQuery(query: asked.query, format: asked.format)
                guard let version = try vault.objectVersions(key: RequestQuery.answerKey(jobId: jobId, query: query)).last else {
                    throw APIError(.conflict, "not_ready", "the answer to \(jobId) is not ready yet; it is sent to the callback when it is")
                }
                var response = Response(status: .ok, headers: [.contentType: version.contentType],
                                        body: .pieces(try vault.objectBytes(version)))
                response.headers[.eTag] = "\"\(version.sha256)\""
                response.headers[.init("x-regvault-seq")!] = String(version.seq)
                return response.counting(1)
            }
        }
        group.get("request/:jobId") { _, context in
            let jobId = try context.parameters.require("jobId")
            return try answer {
                let (request, delivery) = try ownJob(jobId, context)
                return .json(RequestRoutes.job(request, delivery))
            }
        }
    }

    /// The job and its delivery, when the request's identity asked for it or is a compliance officer.
    private func ownJob(_ jobId: String, _ context: VaultRequestContext) throws -> (RegulatorRequest, Delivery?) {
        guard let (request, delivery) = try vault.regulatorRequest(jobId: jobId),
              request.identity == context.identity?.commonName || context.identity?.roles.contains(.complianceOfficer) == true
        else { throw VaultError(.notFound, "no job \(jobId) of yours") }
        return (request, delivery)
    }

    /// Refuses a callback that is not `https://` on one of the caller's `callbackHosts`.
    private func checkCallback(_ text: String, for commonName: String) throws {
        guard let url = URLComponents(string: text), url.scheme == "https", let host = url.host, !host.isEmpty,
              url.user == nil, url.password == nil else {
            throw APIError(.badRequest, "invalid_callback", "callbackUrl must be https://HOST[:PORT]/PATH without a user or password")
        }
        let allowed = identities[commonName]?.callbackHosts ?? []
        guard CallbackSettings.allows(host: host, in: allowed) else {
            throw APIError(.forbidden, "callback_not_allowed", allowed.isEmpty
                ? "no callback hosts are configured for \(commonName); ask the operator to add yours (callbackHosts)"
                : "\(host) is not a callback host of \(commonName); allowed: " + allowed.joined(separator: ", "))
        }
    }

    static func isRequestId(_ text: String) -> Bool {
        (1...128).contains(text.utf8.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._:-".contains($0)) }
    }

    /// A job as the API shows it: the request, and where its answer is.
    static func job(_ request: RegulatorRequest, _ delivery: Delivery?) -> JSONValue {
        var object = request.state.objectValue ?? [:]
        object["seq"] = .int(request.seq)
        object["status"] = .string(delivery?.status.rawValue ?? "pending")
        if let delivery { object["delivery"] = delivery.json }
        return .object(object)
    }
}
