import Foundation
import VaultS3

/// The vectors of SigV4Vectors.swift (made by make_vectors.py with botocore), decoded.
struct VectorFile: Decodable {
    struct Request: Decodable {
        let name: String
        let method: String
        let rawPath: String
        let rawQuery: String
        let headers: [[String]]
        let nowMillis: Int64
        let presigned: Bool
        let expiresAtMillis: Int64?
        let payload: String
        let chunkedBody: String?
        let decodedSHA256: String?

        var signed: S3SignedRequest {
            S3SignedRequest(method: method, rawPath: rawPath, rawQuery: rawQuery, headers: headers.map { ($0[0], $0[1]) })
        }

        func header(_ name: String) -> String? {
            headers.first { $0[0].lowercased() == name.lowercased() }?[1]
        }
    }

    struct Checksums: Decodable {
        let length: Int
        let CRC32: String
        let CRC32C: String
        let CRC64NVME: String
        let SHA1: String
        let SHA256: String
    }

    let accessKeyId: String
    let secret: String
    let signedAtMillis: Int64
    let requests: [Request]
    let checksums: [Checksums]

    static let shared: VectorFile = try! JSONDecoder().decode(VectorFile.self, from: Data(sigV4VectorsJSON.utf8))

    func secretLookup(_ id: String) -> String? { id == accessKeyId ? secret : nil }

    func request(named name: String) -> Request { requests.first { $0.name == name }! }
}

/// The bytes the checksum vectors are computed over (as make_vectors.py makes them).
func checksumVectorData(_ length: Int) -> [UInt8] { (0..<length).map { UInt8(($0 * 31 + 7) % 251) } }

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Runs `body`, returning the S3 error code it threw ("not an S3Error" for another error), or nil if it threw nothing.
func errorCode<T>(_ body: () throws -> T) -> String? {
    do {
        _ = try body()
        return nil
    } catch let error as S3Error {
        return error.code
    } catch {
        return "not an S3Error: \(error)"
    }
}

/// Runs `body`, returning the S3 error it threw, or nil if it threw none.
func s3Error<T>(_ body: () throws -> T) -> S3Error? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? S3Error
    }
}
