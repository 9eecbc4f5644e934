/// An Object Lock retention mode.
public enum S3LockMode: String, Sendable {
    case governance = "GOVERNANCE", compliance = "COMPLIANCE"
}

/// A bucket's default retention: a mode and a period of either days or years (exactly one of them is set, positive).
public struct S3DefaultRetention: Sendable, Equatable {
    public var mode: S3LockMode
    public var days: Int?
    public var years: Int?

    public init(mode: S3LockMode, days: Int?, years: Int?) {
        self.mode = mode
        self.days = days
        self.years = years
    }
}

/// Readers of the request documents S3 takes. Each checks the root element, refuses unknown elements, and
/// throws `MalformedXML` saying what was wrong unless a more specific S3 error is named.
public enum S3XMLDocuments {
    /// `<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`;
    /// an empty body, no LocationConstraint or an empty one → nil.
    public static func createBucketConfiguration(_ body: [UInt8]) throws(S3Error) -> String? {
        guard !isBlank(body) else { return nil }
        let root = try S3XMLReader.parse(body)
        try root.expect(root: "CreateBucketConfiguration", children: ["LocationConstraint"])
        guard let location = try root.word("LocationConstraint"), !location.isEmpty else { return nil }
        return location
    }

    /// `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode>
    /// <Days>30</Days></DefaultRetention></Rule></ObjectLockConfiguration>`. `enabled` is whether ObjectLockEnabled is
    /// given (only `Enabled` is a valid value); a Rule needs it. DefaultRetention needs Mode and exactly one of Days or
    /// Years (MalformedXML otherwise); a period of zero or less → `InvalidRetentionPeriod`.
    public static func objectLockConfiguration(_ body: [UInt8]) throws(S3Error) -> (enabled: Bool, defaultRetention: S3DefaultRetention?) {
        let root = try S3XMLReader.parse(body)
        try root.expect(root: "ObjectLockConfiguration", children: ["ObjectLockEnabled", "Rule"])
        let enabled: Bool
        switch try root.word("ObjectLockEnabled") {
        case nil: enabled = false
        case "Enabled": enabled = true
        case let other?: throw S3XMLReader.malformed("ObjectLockEnabled must be Enabled, not \"\(other)\"")
        }
        guard let rule = try root.child("Rule") else { return (enabled, nil) }
        guard enabled else { throw S3XMLReader.malformed("a Rule needs <ObjectLockEnabled>Enabled</ObjectLockEnabled>") }
        try rule.expectChildren(["DefaultRetention"])
        guard let retention = try rule.child("DefaultRetention") else { throw S3XMLReader.malformed("the Rule has no DefaultRetention") }
        try retention.expectChildren(["Mode", "Days", "Years"])
        guard let modeText = try retention.word("Mode") else { throw S3XMLReader.malformed("DefaultRetention has no Mode") }
        let mode = try lockMode(modeText)
        let days = try retention.word("Days").map { text throws(S3Error) in try period(text) }
        let years = try retention.word("Years").map { text throws(S3Error) in try period(text) }
        switch (days, years) {
        case (nil, nil): throw S3XMLReader.malformed("DefaultRetention needs Days or Years")
        case (_?, _?): throw S3XMLReader.malformed("DefaultRetention takes Days or Years, not both")
        default: return (enabled, S3DefaultRetention(mode: mode, days: days, years: years))
        }
    }

    /// `<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>`; the date
    /// as ms since the epoch. An empty `<Retention/>` (removing a governance retention) → (nil, nil); Mode without the
    /// date or the date without Mode → MalformedXML.
    public static func retention(_ body: [UInt8]) throws(S3Error) -> (mode: S3LockMode?, retainUntilMillis: Int64?) {
        let root = try S3XMLReader.parse(body)
        try root.expect(root: "Retention", children: ["Mode", "RetainUntilDate"])
        switch (try root.word("Mode"), try root.word("RetainUntilDate")) {
        case (nil, nil):
            return (nil, nil)
        case let (modeText?, dateText?):
            guard let millis = S3Time.parseISO8601(dateText) else {
                throw S3XMLReader.malformed("RetainUntilDate \"\(dateText)\" is not an ISO 8601 date and time such as 2030-01-01T00:00:00Z")
            }
            return (try lockMode(modeText), millis)
        default:
            throw S3XMLReader.malformed("Retention needs both Mode and RetainUntilDate, or neither")
        }
    }

    /// `<LegalHold><Status>ON</Status></LegalHold>` → true; OFF → false.
    public static func legalHold(_ body: [UInt8]) throws(S3Error) -> Bool {
        let root = try S3XMLReader.parse(body)
        try root.expect(root: "LegalHold", children: ["Status"])
        switch try root.word("Status") {
        case "ON": return true
        case "OFF": return false
        case nil: throw S3XMLReader.malformed("LegalHold has no Status")
        case let other?: throw S3XMLReader.malformed("the legal hold Status must be ON or OFF, not \"\(other)\"")
        }
    }

    /// `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>` → "Enabled" or "Suspended";
    /// nil without Status. MfaDelete (Enabled or Disabled) is accepted and not returned.
    public static func versioning(_ body: [UInt8]) throws(S3Error) -> String? {
        let root = try S3XMLReader.parse(body)
        try root.expect(root: "VersioningConfiguration", children: ["Status", "MfaDelete"])
        if let mfa = try root.word("MfaDelete"), mfa != "Enabled" && mfa != "Disabled" {
            throw S3XMLReader.malformed("MfaDelete must be Enabled or Disabled, not \"\(mfa)\"")
        }
        switch try root.word("Status") {
        case nil: return nil
        case let status? where status == "Enabled" || status == "Suspended": return status
        case let other?: throw S3XMLReader.malformed("the versioning Status must be Enabled or Suspended, not \"\(other)\"")
        }
    }

    /// The most objects one DeleteObjects request may name (S3's limit).
    public static let maxDeleteObjects = 1000

    /// `<Delete><Quiet>true</Quiet><Object><Key>a</Key><VersionId>v</VersionId></Object>…</Delete>`: 1 to 1,000 objects,
    /// keys exactly as written (white space kept). ETag, LastModifiedTime and Size of an Object are accepted and not
    /// returned. An Object without a Key, or an empty one → `UserKeyMustBeSpecified`.
    public static func delete(_ body: [UInt8]) throws(S3Error) -> (objects: [(key: String, versionId: String?)], quiet: Bool) {
        let root = try S3XMLReader.parse(body)
        try root.expect(root: "Delete", children: ["Object", "Quiet"])
        let quiet: Bool
        switch try root.word("Quiet")?.lowercased() {
        case nil, "false": quiet = false
        case "true": quiet = true
        case let other?: throw S3XMLReader.malformed("Quiet must be true or false, not \"\(other)\"")
        }
        let elements = root.children.filter { $0.name == "Object" }
        guard !elements.isEmpty else { throw S3XMLReader.malformed("Delete names no Object") }
        guard elements.count <= maxDeleteObjects else {
            throw S3XMLReader.malformed("Delete names \(elements.count) objects; at most \(maxDeleteObjects) are allowed")
        }
        var objects: [(key: String, versionId: String?)] = []
        objects.reserveCapacity(elements.count)
        for element in elements {
            try element.expectChildren(["Key", "VersionId", "ETag", "LastModifiedTime", "Size"])
            guard let key = try element.leaf("Key"), !key.isEmpty else {
                throw .userKeyMustBeSpecified("The request specified an Object without a Key.")
            }
            objects.append((key, try element.leaf("VersionId")))
        }
        return (objects, quiet)
    }

    /// `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"…"</ETag></Part>…</CompleteMultipartUpload>`: 1 to
    /// 10,000 parts in ascending order of number (`InvalidPartOrder` otherwise), each number 1...10,000
    /// (`InvalidArgument` otherwise). ETags are returned as written, quotes included, surrounding white space removed.
    /// A Part's Checksum* elements are accepted and not returned.
    public static func completeMultipartUpload(_ body: [UInt8]) throws(S3Error) -> [(partNumber: Int, etag: String)] {
        let root = try S3XMLReader.parse(body)
        try root.expect(root: "CompleteMultipartUpload", children: ["Part"])
        guard !root.children.isEmpty else { throw S3XMLReader.malformed("CompleteMultipartUpload names no Part") }
        guard root.children.count <= 10_000 else { throw S3XMLReader.malformed("CompleteMultipartUpload names more than 10000 parts") }
        var parts: [(partNumber: Int, etag: String)] = []
        for element in root.children {
            try element.expectChildren(["PartNumber", "ETag", "ChecksumCRC32", "ChecksumCRC32C", "ChecksumCRC64NVME",
                                        "ChecksumSHA1", "ChecksumSHA256"])
            guard let numberText = try element.word("PartNumber"), let etag = try element.word("ETag") else {
                throw S3XMLReader.malformed("a Part needs PartNumber and ETag")
            }
            guard let number = decimal(numberText), (1...10_000).contains(number) else {
                throw .invalidArgument("Part number must be an integer between 1 and 10000, inclusive")
            }
            if let last = parts.last, number <= last.partNumber {
                throw .invalidPartOrder("The list of parts was not in ascending order. The parts list must be specified in order by part number.")
            }
            parts.append((number, etag))
        }
        return parts
    }

    private static func isBlank(_ body: [UInt8]) -> Bool {
        body.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }

    private static func lockMode(_ text: String) throws(S3Error) -> S3LockMode {
        guard let mode = S3LockMode(rawValue: text) else {
            throw S3XMLReader.malformed("the retention Mode must be GOVERNANCE or COMPLIANCE, not \"\(text)\"")
        }
        return mode
    }

    /// A retention period: an integer (MalformedXML otherwise) that is positive (`InvalidRetentionPeriod` otherwise).
    private static func period(_ text: String) throws(S3Error) -> Int {
        let negative = text.hasPrefix("-")
        guard let magnitude = decimal(negative ? String(text.dropFirst()) : text) else {
            throw S3XMLReader.malformed("the retention period \"\(text)\" is not an integer")
        }
        guard !negative, magnitude > 0 else {
            throw .invalidRetentionPeriod("Default retention period must be a positive integer value")
        }
        return magnitude
    }

    /// Decimal digits only, at most 9 of them (no sign, no overflow).
    private static func decimal(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 9, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return Int(text)
    }
}
