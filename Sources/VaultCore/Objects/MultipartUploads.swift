import Crypto
public import Foundation
import VaultStore

/// S3 multipart uploads in progress: `objects/uploads/<upload id>/`, holding `upload.json` (what
/// the upload will store: bucket, key, content type, metadata, lock request) and one file per part,
/// sealed with the data key like object versions. Uploads are transient, as in S3: nothing is in
/// the log until CompleteMultipartUpload stores the assembled bytes as one version; an aborted
/// upload's files are removed. Upload ids are 32 random hex digits, so keys never name files.
public struct MultipartUploads: Sendable {
    /// What CreateMultipartUpload asked for, applied when the upload completes.
    public struct Upload: Codable, Sendable {
        public var bucket: String
        public var key: String
        public var contentType: String
        public var metadata: [String: String]
        public var period: String?
        public var lockMode: String?
        public var retainUntil: Int64?
        public var legalHold: Bool
        public var initiator: String
        public var initiatedAt: Int64

        public init(bucket: String, key: String, contentType: String, metadata: [String: String], period: String?,
                    lockMode: String?, retainUntil: Int64?, legalHold: Bool, initiator: String, initiatedAt: Int64) {
            (self.bucket, self.key, self.contentType, self.metadata, self.period) = (bucket, key, contentType, metadata, period)
            (self.lockMode, self.retainUntil, self.legalHold) = (lockMode, retainUntil, legalHold)
            (self.initiator, self.initiatedAt) = (initiator, initiatedAt)
        }
    }

    /// One stored part.
    public struct Part: Sendable {
        public let number: Int
        public let size: Int
        /// MD5 of the part's bytes, lower-case hex: its ETag.
        public let md5: String
    }

    /// S3's limits: parts 1 to 10,000; every part but the last at least 5 MiB.
    public static let maxPartNumber = 10_000
    public static let minPartBytes = 5 * 1024 * 1024

    let directory: String
    let cipher: RecordCipher

    public init(vault: Vault) {
        directory = vault.directory.objectsPath + "/uploads"
        cipher = vault.cipher
    }

    /// Starts an upload; returns its id.
    public func create(_ upload: Upload) throws -> String {
        let id = SecureRandom.bytes(16).map { String(format: "%02x", $0) }.joined()
        try FileManager.default.createDirectory(atPath: folder(id), withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let json = try JSONEncoder().encode(upload)
        guard FileManager.default.createFile(atPath: folder(id) + "/upload.json", contents: json,
                                             attributes: [.posixPermissions: 0o600]) else {
            throw VaultError(.io, "cannot write the upload's description in \(folder(id))")
        }
        return id
    }

    /// The upload `id`, if it is in progress.
    public func upload(_ id: String) throws -> Upload {
        guard MultipartUploads.isUploadId(id), let data = FileManager.default.contents(atPath: folder(id) + "/upload.json") else {
            throw BucketRefusal(.noSuchUpload, "The specified upload does not exist: it was completed, aborted or never started")
        }
        return try JSONDecoder().decode(Upload.self, from: data)
    }

    /// Stores (or replaces) part `number`; returns its MD5, the part's ETag.
    public func putPart(_ id: String, number: Int, bytes: Data) throws -> String {
        _ = try upload(id)
        guard (1...MultipartUploads.maxPartNumber).contains(number) else {
            throw BucketRefusal(.invalidArgument, "Part number must be an integer between 1 and \(MultipartUploads.maxPartNumber)")
        }
        let sealed = try cipher.seal(object: bytes, versionId: partName(id, number))
        let path = folder(id) + "/" + partName(id, number)
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: sealed, attributes: [.posixPermissions: 0o600]),
              rename(temporary, path) == 0 else {
            throw VaultError(.io, "cannot write part \(number) of upload \(id)")
        }
        return Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// The parts stored so far, by number.
    public func parts(_ id: String) throws -> [Part] {
        _ = try upload(id)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder(id))) ?? []
        return try names.compactMap { name -> Part? in
            guard name.hasPrefix("part-"), !name.hasSuffix(".tmp"), let number = Int(name.dropFirst(5).prefix(5)) else { return nil }
            let bytes = try read(id, number)
            return Part(number: number, size: bytes.count, md5: Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
        }.sorted { $0.number < $1.number }
    }

    /// The object's bytes from the listed parts, checked as S3 checks CompleteMultipartUpload:
    /// ascending part numbers, each stored with the ETag given, every part but the last at least
    /// 5 MiB, and the total at most `maxBytes`. Returns the bytes and the multipart ETag
    /// (MD5 of the parts' MD5s, "-" and the part count).
    public func assemble(_ id: String, parts listed: [(partNumber: Int, etag: String)], maxBytes: Int) throws
        -> (bytes: Data, etag: String) {
        _ = try upload(id)
        guard !listed.isEmpty else { throw BucketRefusal(.invalidRequest, "You must specify at least one part") }
        var bytes = Data()
        var digests = Data()
        var previous = 0
        for (index, part) in listed.enumerated() {
            guard part.partNumber > previous else {
                throw BucketRefusal(.invalidPartOrder, "The list of parts was not in ascending order: part \(part.partNumber) "
                    + "follows part \(previous)")
            }
            previous = part.partNumber
            guard let data = try? read(id, part.partNumber) else {
                throw BucketRefusal(.invalidPart, "Part \(part.partNumber) was not uploaded")
            }
            let md5 = Insecure.MD5.hash(data: data)
            let hex = md5.map { String(format: "%02x", $0) }.joined()
            guard part.etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")).lowercased() == hex else {
                throw BucketRefusal(.invalidPart, "Part \(part.partNumber)'s ETag is \"\(hex)\", not \(part.etag)")
            }
            if index < listed.count - 1 && data.count < MultipartUploads.minPartBytes {
                throw BucketRefusal(.entityTooSmall, "Part \(part.partNumber) is \(data.count) bytes; every part but the last "
                    + "must be at least 5 MiB")
            }
            guard bytes.count + data.count <= maxBytes else {
                throw BucketRefusal(.entityTooLarge, "the object would exceed \(maxBytes) bytes, the largest this vault stores")
            }
            bytes.append(data)
            digests.append(contentsOf: Array(md5))
        }
        let etag = Insecure.MD5.hash(data: digests).map { String(format: "%02x", $0) }.joined() + "-\(listed.count)"
        return (bytes, etag)
    }

    /// Removes an upload and its parts (after completion, or when aborted).
    public func remove(_ id: String) throws {
        _ = try upload(id)
        try FileManager.default.removeItem(atPath: folder(id))
    }

    /// Uploads in progress in `bucket`, oldest first, as (id, upload).
    public func inProgress(bucket: String) -> [(id: String, upload: Upload)] {
        let ids = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return ids.compactMap { id in (try? upload(id)).map { (id, $0) } }
            .filter { $0.upload.bucket == bucket }.sorted { $0.upload.initiatedAt < $1.upload.initiatedAt }
    }

    static func isUploadId(_ id: String) -> Bool {
        id.utf8.count == 32 && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    private func folder(_ id: String) -> String { directory + "/" + id }

    private func partName(_ id: String, _ number: Int) -> String { "part-" + String(format: "%05d", number) }

    private func read(_ id: String, _ number: Int) throws -> Data {
        guard let sealed = FileManager.default.contents(atPath: folder(id) + "/" + partName(id, number)) else {
            throw BucketRefusal(.invalidPart, "Part \(number) was not uploaded")
        }
        return try cipher.open(object: sealed, versionId: partName(id, number))
    }
}
