import Foundation
import Hummingbird
import VaultCore
import VaultFormat
import VaultS3

/// ListObjects (V1 and V2), ListObjectVersions and DeleteObjects. Keys sort by their UTF-8 bytes,
/// as S3's do; `encoding-type=url` percent-encodes the keys in the answer (the AWS CLI asks for it).
extension S3Operations {
    func listObjects(_ bucketName: String) throws -> Response {
        try identity.require(S3Endpoint.readers, "list objects")
        _ = try existingBucket(bucketName)
        let v2 = request.query["list-type"] == "2"
        let prefix = request.query["prefix"] ?? ""
        let delimiter = request.query["delimiter"].flatMap { $0.isEmpty ? nil : $0 }
        let maxKeys = try self.maxKeys()
        let urlEncoded = try encodingIsURL()
        var after = request.query[v2 ? "start-after" : "marker"] ?? ""
        if v2, let token = request.query["continuation-token"] {
            guard let data = Data(base64Encoded: token), let key = String(data: data, encoding: .utf8) else {
                throw S3Error.invalidArgument("The continuation token provided is incorrect")
            }
            after = key
        }
        let bucketPrefix = bucketName + "/"
        var latest: [String: ObjectVersion] = [:]
        for version in try vault.bucketVersions(bucketName, prefix: prefix) {
            latest[String(version.key.dropFirst(bucketPrefix.count))] = version
        }
        let keys = latest.filter { !$0.value.isDeleteMarker && !$0.value.erased }.keys
            .filter { Array($0.utf8).lexicographicallyPrecedes(Array(after.utf8)) == false && $0 != after }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var contents: [String] = []
        var prefixes: [String] = []
        var truncated = false
        var lastReturned: String?
        for key in keys {
            var commonPrefix: String?
            if let delimiter, let range = key.dropFirst(prefix.count).range(of: delimiter) {
                commonPrefix = String(key[..<range.upperBound])
            }
            if let commonPrefix, prefixes.last == commonPrefix { continue }
            if contents.count + prefixes.count == maxKeys {
                truncated = true
                break
            }
            if let commonPrefix { prefixes.append(commonPrefix) } else { contents.append(key) }
            lastReturned = commonPrefix ?? key
        }
        func encode(_ text: String) -> String { urlEncoded ? S3URIEncoding.encode(text, keepSlash: true) : text }
        var out = S3XMLWriter(root: "ListBucketResult")
        out.element("Name", bucketName)
        out.element("Prefix", encode(prefix))
        if let delimiter { out.element("Delimiter", encode(delimiter)) }
        out.element("MaxKeys", String(maxKeys))
        if urlEncoded { out.element("EncodingType", "url") }
        out.element("IsTruncated", truncated ? "true" : "false")
        if v2 {
            out.element("KeyCount", String(contents.count + prefixes.count))
            if let token = request.query["continuation-token"] { out.element("ContinuationToken", token) }
            if let start = request.query["start-after"] { out.element("StartAfter", encode(start)) }
            if truncated, let lastReturned {
                out.element("NextContinuationToken", Data(lastReturned.utf8).base64EncodedString())
            }
        } else {
            out.element("Marker", encode(request.query["marker"] ?? ""))
            if truncated, let lastReturned { out.element("NextMarker", encode(lastReturned)) }
        }
        for key in contents {
            let version = latest[key]!
            out.open("Contents")
            out.element("Key", encode(key))
            out.element("LastModified", S3Time.iso8601(millis: version.recordedAt))
            out.element("ETag", "\"\(version.attributes["etag"]?.stringValue ?? version.sha256)\"")
            out.element("Size", String(version.size))
            out.element("StorageClass", "STANDARD")
            out.close("Contents")
        }
        for commonPrefix in prefixes {
            out.open("CommonPrefixes")
            out.element("Prefix", encode(commonPrefix))
            out.close("CommonPrefixes")
        }
        return xml(out)
    }

    func listObjectVersions(_ bucketName: String) throws -> Response {
        try identity.require(S3Endpoint.readers, "list object versions")
        _ = try existingBucket(bucketName)
        let prefix = request.query["prefix"] ?? ""
        let maxKeys = try self.maxKeys()
        let urlEncoded = try encodingIsURL()
        let keyMarker = request.query["key-marker"] ?? ""
        let versionMarker = request.query["version-id-marker"]
        let bucketPrefix = bucketName + "/"
        var byKey: [String: [ObjectVersion]] = [:]
        for version in try vault.bucketVersions(bucketName, prefix: prefix) where !version.erased {
            byKey[String(version.key.dropFirst(bucketPrefix.count)), default: []].append(version)
        }
        let keys = byKey.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var listed: [(key: String, version: ObjectVersion, isLatest: Bool)] = []
        var truncated = false
        outer: for key in keys {
            if !keyMarker.isEmpty && Array(key.utf8).lexicographicallyPrecedes(Array(keyMarker.utf8)) { continue }
            let versions = Array(byKey[key]!.reversed())
            var skipping = key == keyMarker
            if key == keyMarker && versionMarker == nil { continue }
            for (index, version) in versions.enumerated() {
                if skipping {
                    if version.versionId == versionMarker { skipping = false }
                    continue
                }
                if listed.count == maxKeys {
                    truncated = true
                    break outer
                }
                listed.append((key, version, index == 0))
            }
        }
        func encode(_ text: String) -> String { urlEncoded ? S3URIEncoding.encode(text, keepSlash: true) : text }
        var out = S3XMLWriter(root: "ListVersionsResult")
        out.element("Name", bucketName)
        out.element("Prefix", encode(prefix))
        out.element("KeyMarker", encode(keyMarker))
        out.element("VersionIdMarker", versionMarker ?? "")
        out.element("MaxKeys", String(maxKeys))
        if urlEncoded { out.element("EncodingType", "url") }
        out.element("IsTruncated", truncated ? "true" : "false")
        if truncated, let last = listed.last {
            out.element("NextKeyMarker", encode(last.key))
            out.element("NextVersionIdMarker", last.version.versionId)
        }
        for item in listed {
            out.open(item.version.isDeleteMarker ? "DeleteMarker" : "Version")
            out.element("Key", encode(item.key))
            out.element("VersionId", item.version.versionId)
            out.element("IsLatest", item.isLatest ? "true" : "false")
            out.element("LastModified", S3Time.iso8601(millis: item.version.recordedAt))
            if !item.version.isDeleteMarker {
                out.element("ETag", "\"\(item.version.attributes["etag"]?.stringValue ?? item.version.sha256)\"")
                out.element("Size", String(item.version.size))
                out.element("StorageClass", "STANDARD")
            }
            out.open("Owner")
            out.element("ID", item.version.attributes["owner"]?.stringValue ?? "regvault")
            out.close("Owner")
            out.close(item.version.isDeleteMarker ? "DeleteMarker" : "Version")
        }
        return xml(out)
    }

    /// DeleteObjects: each key as DeleteObject would (a marker, or a version's permanent deletion),
    /// each answered on its own; refusals are listed as errors and change nothing else.
    func deleteObjects(_ bucketName: String) async throws -> Response {
        try identity.require(S3Endpoint.writers, "delete objects")
        let bucket = try existingBucket(bucketName)
        let document = try S3XMLDocuments.delete(Array(try await readBody(limit: 2 * 1024 * 1024).bytes))
        var out = S3XMLWriter(root: "DeleteResult")
        for item in document.objects {
            do {
                try S3Names.checkKey(item.key)
                var markerId: String?
                if let versionId = item.versionId {
                    let version = try findVersion(bucket.name, item.key, versionId)
                    if version.isDeleteMarker || version.erased {
                        try await writer.eraseDeleteMarkerOrGone(version)
                    } else {
                        _ = try await writer.deleteObjectVersion(version, authority: authority(), actor: identity.actor)
                    }
                } else {
                    markerId = try await writer.putDeleteMarker(bucket: bucket.name, key: item.key, actor: identity.actor).versionId
                }
                guard !document.quiet else { continue }
                out.open("Deleted")
                out.element("Key", item.key)
                if let versionId = item.versionId { out.element("VersionId", versionId) }
                if let markerId {
                    out.element("DeleteMarker", "true")
                    out.element("DeleteMarkerVersionId", markerId)
                }
                out.close("Deleted")
            } catch {
                let s3Error = S3Endpoint.s3Error(error)
                out.open("Error")
                out.element("Key", item.key)
                if let versionId = item.versionId { out.element("VersionId", versionId) }
                out.element("Code", s3Error.code)
                out.element("Message", s3Error.message)
                out.close("Error")
            }
        }
        return xml(out)
    }

    func maxKeys() throws -> Int {
        guard let text = request.query["max-keys"] else { return 1000 }
        guard let value = Int(text), value >= 0 else {
            throw S3Error.invalidArgument("max-keys must be a whole number from 0")
        }
        return min(value, 1000)
    }

    func encodingIsURL() throws -> Bool {
        guard let type = request.query["encoding-type"] else { return false }
        guard type == "url" else { throw S3Error.invalidArgument("Invalid Encoding Method specified in Request") }
        return true
    }
}
