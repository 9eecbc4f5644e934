import Foundation
import NIOCore
public import Hummingbird
import VaultCore

/// An error meant for the client: an HTTP status and a JSON body
/// `{"error":{"code":"...","message":"...","line":N,"field":"..."}}` with a machine-readable code.
public struct APIError: HTTPResponseError {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public var line: Int?
    public var field: String?
    /// Close the connection once the answer is written, reading nothing more of the request (for a
    /// body refused before it was read: waiting for it would hand the connection to the sender).
    public var closesConnection = false

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, line: Int? = nil, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.line = line
        self.field = field
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let line { error["line"] = .number(JSONNumber(line)) }
        if let field { error["field"] = .string(field) }
        let answer = Response.json(.object(["error": .object(error)]), status: status)
        guard closesConnection, let channel = (context as? VaultRequestContext)?.channel else { return answer }
        let bytes = ByteBuffer(bytes: JSONValue.object(["error": .object(error)]).canonicalBytes)
        return Response(status: status, headers: [.contentType: "application/json", .connection: "close",
                                                  .contentLength: String(bytes.readableBytes)],
                        body: ResponseBody { writer in
                            try await writer.write(bytes)
                            try await writer.finish(nil)
                            // Stop reading the refused request: the server's loop then ends and closes.
                            channel.close(mode: .input, promise: nil)
                        })
    }

    /// The same error, answered with `Connection: close` and the connection closed after it.
    func closingConnection() -> APIError {
        var error = self
        error.closesConnection = true
        return error
    }

    /// The API error for a refused record.
    static func from(_ rejection: RecordRejection) -> APIError {
        let status: HTTPResponse.Status = rejection.code == .conflict || rejection.code == .erased ? .conflict : .badRequest
        return APIError(status, rejection.code.rawValue, rejection.reason, line: rejection.line, field: rejection.field)
    }

    /// The API error for a refused retention change: 403 with the rule that refused it.
    static func from(_ refusal: RetentionRefusal) -> APIError {
        APIError(.forbidden, refusal.code.rawValue, refusal.reason)
    }

    /// The API error for a failed vault operation.
    static func from(_ error: VaultError) -> APIError {
        switch error.code {
        case .notFound: return APIError(.notFound, error.code.rawValue, error.reason)
        case .invalidRequest: return APIError(.badRequest, error.code.rawValue, error.reason)
        case .forbidden, .retentionLocked: return APIError(.forbidden, error.code.rawValue, error.reason)
        case .conflict: return APIError(.conflict, error.code.rawValue, error.reason)
        default: return APIError(.internalServerError, error.code.rawValue, "the vault could not answer; see its log")
        }
    }
}

extension Response {
    /// A JSON response with the value's canonical bytes.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .pieces(value.canonicalBytes))
    }

    /// A JSON response whose canonical bytes are already made.
    static func json(bytes: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .pieces(bytes))
    }

    /// The response with an `X-Result-Count` header, which the access journal records.
    func counting(_ count: Int) -> Response {
        var response = self
        response.headers[.init("X-Result-Count")!] = String(count)
        return response
    }

    /// A plain-text response.
    static func text(_ text: String, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: .pieces(text))
    }
}
