import Foundation
import VaultCore
import VaultFormat

/// Writing results: JSON lines to standard output, human text to standard error.
enum Output {
    static func json(_ value: JSONValue) {
        var bytes = value.canonicalBytes
        bytes.append(0x0A)
        FileHandle.standardOutput.write(Data(bytes))
    }

    static func raw(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

extension JSONValue {
    static func int(_ value: Int64) -> JSONValue { .number(JSONNumber(Int(value))) }
    static func base64(_ bytes: some DataProtocol) -> JSONValue { .string(Data(bytes).base64EncodedString()) }
    static func hashes(_ hashes: [Hash]) -> JSONValue { .array(hashes.map { .string($0.base64) }) }
}

extension InclusionProof {
    var json: JSONValue {
        .object(["index": .int(index), "treeSize": .int(treeSize), "leafHash": .string(leafHash.base64),
                 "hashes": .hashes(hashes)])
    }
}

extension ConsistencyProof {
    var json: JSONValue {
        .object(["from": .int(from), "to": .int(to), "hashes": .hashes(hashes)])
    }
}
