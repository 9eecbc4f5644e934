import Foundation
import Hummingbird
import VaultCore
import VaultFormat
import VaultS3

/// Buckets: create, delete, head, list; versioning (always on) and Object Lock configuration.
extension S3Operations {
    func listBuckets() throws -> Response {
        try identity.require(S3Endpoint.readers, "list buckets")
        var out = S3XMLWriter(root: "ListAllMyBucketsResult")
        out.open("Owner")
        out.element("ID", "regvault")
        out.element("DisplayName", "regvault")
        out.close("Owner")
        out.open("Buckets")
        for bucket in try vault.buckets() {
            out.open("Bucket")
            out.element("Name", bucket.name)
            out.element("CreationDate", S3Time.iso8601(millis: bucket.createdAt))
            out.close("Bucket")
        }
        out.close("Buckets")
        return xml(out)
    }

    /// CreateBucket: `x-amz-bucket-object-lock-enabled: true` enables Object Lock;
    /// `x-regvault-jurisdiction` binds the bucket to a jurisdiction's report rule as its floor.
    func createBucket(_ name: String) async throws -> Response {
        try identity.require(S3Endpoint.bucketAdmins, "create buckets")
        try S3Names.checkBucket(name)
        _ = try S3XMLDocuments.createBucketConfiguration(Array(try await readBody(limit: 64 * 1024).bytes))
        let lock = request.header("x-amz-bucket-object-lock-enabled")?.lowercased() == "true"
        _ = try await writer.createBucket(name: name, objectLockEnabled: lock,
                                          jurisdiction: request.header("x-regvault-jurisdiction") ?? "",
                                          actor: identity.actor)
        var response = empty()
        response.headers[.location] = "/" + name
        return response
    }

    func headBucket(_ name: String) throws -> Response {
        try identity.require(S3Endpoint.readers, "read buckets")
        let bucket = try existingBucket(name)
        var response = empty()
        response.headers[.init("x-amz-bucket-region")!] = "us-east-1"
        if !bucket.jurisdiction.isEmpty { response.headers[.init("x-regvault-jurisdiction")!] = bucket.jurisdiction }
        return response
    }

    func deleteBucket(_ name: String) async throws -> Response {
        try identity.require(S3Endpoint.bucketAdmins, "delete buckets")
        try await writer.deleteBucket(name: name, actor: identity.actor)
        return empty(.noContent)
    }

    func getBucketLocation(_ name: String) throws -> Response {
        try identity.require(S3Endpoint.readers, "read buckets")
        _ = try existingBucket(name)
        return xml(S3XMLWriter(root: "LocationConstraint"))
    }

    /// Every bucket is versioned: the vault keeps every version it was given.
    func getBucketVersioning(_ name: String) throws -> Response {
        try identity.require(S3Endpoint.readers, "read buckets")
        _ = try existingBucket(name)
        var out = S3XMLWriter(root: "VersioningConfiguration")
        out.element("Status", "Enabled")
        return xml(out)
    }

    /// Enabling is accepted (it is already on); suspending is refused, as S3 refuses it for a
    /// lock-enabled bucket: the vault never overwrites a version.
    func putBucketVersioning(_ name: String) async throws -> Response {
        try identity.require(S3Endpoint.bucketAdmins, "configure buckets")
        _ = try existingBucket(name)
        let status = try S3XMLDocuments.versioning(Array(try await readBody(limit: 64 * 1024).bytes))
        guard status != "Suspended" else {
            throw S3Error.invalidBucketState("An Object Lock configuration is present on this bucket, so the versioning state "
                + "cannot be changed: the vault keeps every version of every object")
        }
        return empty()
    }

    func getObjectLockConfiguration(_ name: String) throws -> Response {
        try identity.require(S3Endpoint.readers, "read buckets")
        let bucket = try existingBucket(name)
        guard bucket.objectLockEnabled else {
            throw S3Error.objectLockConfigurationNotFound("Object Lock configuration does not exist for this bucket")
        }
        var out = S3XMLWriter(root: "ObjectLockConfiguration")
        out.element("ObjectLockEnabled", "Enabled")
        if let rule = bucket.defaultRetention {
            out.open("Rule")
            out.open("DefaultRetention")
            out.element("Mode", rule.mode.name.uppercased())
            switch rule.period {
            case .days(let days): out.element("Days", String(days))
            case .years(let years): out.element("Years", String(years))
            }
            out.close("DefaultRetention")
            out.close("Rule")
        }
        return xml(out)
    }

    func putObjectLockConfiguration(_ name: String) async throws -> Response {
        try identity.require(S3Endpoint.bucketAdmins, "configure buckets")
        _ = try existingBucket(name)
        let document = try S3XMLDocuments.objectLockConfiguration(Array(try await readBody(limit: 64 * 1024).bytes))
        guard document.enabled else {
            throw S3Error.malformedXML("ObjectLockEnabled must be Enabled")
        }
        let rule = document.defaultRetention.map { rule in
            DefaultRetention(mode: rule.mode == .compliance ? .compliance : .governance,
                             period: rule.years.map { .years($0) } ?? .days(rule.days ?? 0))
        }
        _ = try await writer.setObjectLockConfiguration(bucket: name, defaultRetention: rule, actor: identity.actor)
        return empty()
    }
}
