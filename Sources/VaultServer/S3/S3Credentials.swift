import Foundation
import VaultConfiguration

/// The S3 endpoint's access keys, read from an AWS shared-credentials file whose sections are
/// named after the configuration's identities. The file must be readable by its owner only: a
/// secret access key is a password.
struct S3Credentials: Sendable {
    struct Key: Sendable {
        let identity: ServerConfiguration.Identity
        let secret: String
    }

    /// By access key id.
    let keys: [String: Key]

    init(file path: String, identities: [ServerConfiguration.Identity]) throws {
        let text = try OwnerOnlyFile.read(path, what: "S3 credentials file")
        let byName = Dictionary(identities.map { ($0.commonName, $0) }, uniquingKeysWith: { first, _ in first })
        var keys: [String: Key] = [:]
        for (section, values) in try S3Credentials.sections(text, path: path) {
            guard let identity = byName[section] else {
                throw ServerError.configuration("\(path): [\(section)] is not an identity of the configuration")
            }
            guard let id = values["aws_access_key_id"], let secret = values["aws_secret_access_key"], !id.isEmpty,
                  secret.count >= 16 else {
                throw ServerError.configuration("\(path): [\(section)] needs aws_access_key_id and an aws_secret_access_key "
                    + "of at least 16 characters")
            }
            guard keys[id] == nil else { throw ServerError.configuration("\(path): access key \(id) appears twice") }
            keys[id] = Key(identity: identity, secret: secret)
        }
        self.keys = keys
    }

    /// `[name]` sections of `key = value` lines; `#` and `;` start comments.
    static func sections(_ text: String, path: String) throws -> [(String, [String: String])] {
        var sections: [(String, [String: String])] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                sections.append((String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces), [:]))
            } else if let equals = line.firstIndex(of: "="), !sections.isEmpty {
                let name = line[..<equals].trimmingCharacters(in: .whitespaces)
                sections[sections.count - 1].1[name] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            } else {
                throw ServerError.configuration("\(path) line \(number + 1) is neither [section] nor key = value")
            }
        }
        return sections
    }
}
