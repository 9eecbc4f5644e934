import Testing
import VaultS3

@Suite("Reading S3's request documents")
struct S3XMLDocumentsTests {
    static let ns = "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""

    static func lock(_ retention: String) -> [UInt8] {
        bytes("<ObjectLockConfiguration \(ns)><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>\(retention)</DefaultRetention></Rule></ObjectLockConfiguration>")
    }

    @Test("object lock configuration: enabled with a default retention in days or years")
    func objectLock() throws {
        let days = try S3XMLDocuments.objectLockConfiguration(Self.lock("<Mode>COMPLIANCE</Mode><Days>30</Days>"))
        #expect(days.enabled)
        #expect(days.defaultRetention == S3DefaultRetention(mode: .compliance, days: 30, years: nil))
        let years = try S3XMLDocuments.objectLockConfiguration(bytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ObjectLockConfiguration>\n  <ObjectLockEnabled>Enabled</ObjectLockEnabled>\n  <Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Years>7</Years></DefaultRetention></Rule>\n</ObjectLockConfiguration>"))
        #expect(years.defaultRetention == S3DefaultRetention(mode: .governance, days: nil, years: 7))
        let bare = try S3XMLDocuments.objectLockConfiguration(bytes("<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>"))
        #expect(bare.enabled && bare.defaultRetention == nil)
    }

    @Test("object lock configuration: Days and Years, neither, an unknown mode, a bad ObjectLockEnabled are MalformedXML; zero or negative periods InvalidRetentionPeriod")
    func objectLockErrors() {
        #expect(errorCode { try S3XMLDocuments.objectLockConfiguration(Self.lock("<Mode>COMPLIANCE</Mode><Days>30</Days><Years>1</Years>")) } == "MalformedXML")
        #expect(errorCode { try S3XMLDocuments.objectLockConfiguration(Self.lock("<Mode>COMPLIANCE</Mode>")) } == "MalformedXML")
        #expect(errorCode { try S3XMLDocuments.objectLockConfiguration(Self.lock("<Mode>compliance</Mode><Days>1</Days>")) } == "MalformedXML")
        #expect(errorCode { try S3XMLDocuments.objectLockConfiguration(Self.lock("<Days>1</Days>")) } == "MalformedXML")
        #expect(errorCode { try S3XMLDocuments.objectLockConfiguration(Self.lock("<Mode>COMPLIANCE</Mode><Days>ten</Days>")) } == "MalformedXML")
        for period in ["<Days>0</Days>", "<Days>-3</Days>", "<Years>0</Years>"] {
            let error = s3Error { try S3XMLDocuments.objectLockConfiguration(Self.lock("<Mode>GOVERNANCE</Mode>\(period)")) }
            #expect(error == .invalidRetentionPeriod("Default retention period must be a positive integer value"), "\(period)")
        }
        #expect(errorCode { try S3XMLDocuments.objectLockConfiguration(bytes("<ObjectLockConfiguration><ObjectLockEnabled>Disabled</ObjectLockEnabled></ObjectLockConfiguration>")) } == "MalformedXML")
        #expect(errorCode { try S3XMLDocuments.objectLockConfiguration(bytes("<ObjectLockConfiguration><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>")) } == "MalformedXML")
        #expect(errorCode { try S3XMLDocuments.objectLockConfiguration(bytes("<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Unknown/></ObjectLockConfiguration>")) } == "MalformedXML")
    }

    @Test("retention: mode and date, or neither (removal); one without the other, an unknown mode or a bad date are MalformedXML")
    func retention() throws {
        let set = try S3XMLDocuments.retention(bytes("<Retention \(Self.ns)><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>"))
        #expect(set.mode == .compliance)
        #expect(set.retainUntilMillis == 1_893_456_000_000)
        let millis = try S3XMLDocuments.retention(bytes("<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2030-01-01T01:00:00.250+01:00</RetainUntilDate></Retention>"))
        #expect(millis.retainUntilMillis == 1_893_456_000_250)
        let removed = try S3XMLDocuments.retention(bytes("<Retention/>"))
        #expect(removed.mode == nil && removed.retainUntilMillis == nil)
        for body in ["<Retention><Mode>COMPLIANCE</Mode></Retention>",
                     "<Retention><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>",
                     "<Retention><Mode>FOREVER</Mode><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>",
                     "<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-02-30T00:00:00Z</RetainUntilDate></Retention>",
                     "<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>tomorrow</RetainUntilDate></Retention>",
                     "<Retention><Mode>COMPLIANCE</Mode><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>"] {
            #expect(errorCode { try S3XMLDocuments.retention(bytes(body)) } == "MalformedXML", "\(body)")
        }
    }

    @Test("legal hold ON/OFF, versioning Enabled/Suspended, bucket location")
    func smallDocuments() throws {
        #expect(try S3XMLDocuments.legalHold(bytes("<LegalHold \(Self.ns)><Status>ON</Status></LegalHold>")))
        #expect(try !S3XMLDocuments.legalHold(bytes("<LegalHold><Status>OFF</Status></LegalHold>")))
        #expect(errorCode { try S3XMLDocuments.legalHold(bytes("<LegalHold><Status>on</Status></LegalHold>")) } == "MalformedXML")
        #expect(errorCode { try S3XMLDocuments.legalHold(bytes("<LegalHold></LegalHold>")) } == "MalformedXML")

        #expect(try S3XMLDocuments.versioning(bytes("<VersioningConfiguration \(Self.ns)><Status>Enabled</Status></VersioningConfiguration>")) == "Enabled")
        #expect(try S3XMLDocuments.versioning(bytes("<VersioningConfiguration><Status>Suspended</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>")) == "Suspended")
        #expect(errorCode { try S3XMLDocuments.versioning(bytes("<VersioningConfiguration><Status>Off</Status></VersioningConfiguration>")) } == "MalformedXML")

        #expect(try S3XMLDocuments.createBucketConfiguration([]) == nil)
        #expect(try S3XMLDocuments.createBucketConfiguration(bytes("\n")) == nil)
        #expect(try S3XMLDocuments.createBucketConfiguration(bytes("<CreateBucketConfiguration \(Self.ns)><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>")) == "eu-west-1")
        #expect(errorCode { try S3XMLDocuments.createBucketConfiguration(bytes("<CreateBucketConfig/>")) } == "MalformedXML")
    }

    @Test("delete: keys exactly as written (entities, spaces), version ids, quiet; empty, over 1,000 or keyless is refused")
    func delete() throws {
        let result = try S3XMLDocuments.delete(bytes("<Delete \(Self.ns)><Quiet>true</Quiet><Object><Key> a&amp;b &lt;c&gt; &#233;&#x1F642;</Key></Object><Object><Key>k</Key><VersionId>v1</VersionId><ETag>\"e\"</ETag></Object><Object><Key><![CDATA[x<y]]></Key></Object></Delete>"))
        #expect(result.quiet)
        #expect(result.objects.map(\.key) == [" a&b <c> é🙂", "k", "x<y"])
        #expect(result.objects.map(\.versionId) == [nil, "v1", nil])
        #expect(try !S3XMLDocuments.delete(bytes("<Delete><Object><Key>k</Key></Object></Delete>")).quiet)

        let thousand = "<Delete>" + String(repeating: "<Object><Key>k</Key></Object>", count: 1000) + "</Delete>"
        #expect(try S3XMLDocuments.delete(bytes(thousand)).objects.count == 1000)
        let tooMany = "<Delete>" + String(repeating: "<Object><Key>k</Key></Object>", count: 1001) + "</Delete>"
        #expect(errorCode { try S3XMLDocuments.delete(bytes(tooMany)) } == "MalformedXML")
        #expect(errorCode { try S3XMLDocuments.delete(bytes("<Delete></Delete>")) } == "MalformedXML")
        #expect(errorCode { try S3XMLDocuments.delete(bytes("<Delete><Object><VersionId>v</VersionId></Object></Delete>")) } == "UserKeyMustBeSpecified")
        #expect(errorCode { try S3XMLDocuments.delete(bytes("<Delete><Object><Key>k</Key><Other/></Object></Delete>")) } == "MalformedXML")
    }

    @Test("complete multipart upload: parts in ascending order with their ETags; out of order, bad numbers, none refused")
    func completeMultipartUpload() throws {
        let parts = try S3XMLDocuments.completeMultipartUpload(bytes("<CompleteMultipartUpload \(Self.ns)><Part><ETag>\"a1\"</ETag><PartNumber>1</PartNumber></Part><Part><PartNumber>3</PartNumber><ETag>&quot;b2&quot;</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>"))
        #expect(parts.map(\.partNumber) == [1, 3])
        #expect(parts.map(\.etag) == ["\"a1\"", "\"b2\""])
        #expect(errorCode { try S3XMLDocuments.completeMultipartUpload(bytes("<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>a</ETag></Part><Part><PartNumber>1</PartNumber><ETag>b</ETag></Part></CompleteMultipartUpload>")) } == "InvalidPartOrder")
        #expect(errorCode { try S3XMLDocuments.completeMultipartUpload(bytes("<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>")) } == "InvalidArgument")
        #expect(errorCode { try S3XMLDocuments.completeMultipartUpload(bytes("<CompleteMultipartUpload><Part><PartNumber>10001</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>")) } == "InvalidArgument")
        #expect(errorCode { try S3XMLDocuments.completeMultipartUpload(bytes("<CompleteMultipartUpload></CompleteMultipartUpload>")) } == "MalformedXML")
        #expect(errorCode { try S3XMLDocuments.completeMultipartUpload(bytes("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>")) } == "MalformedXML")
    }

    @Test("DOCTYPE, entity definitions, unknown entities, processing instructions and garbage are MalformedXML")
    func hostileAndGarbage() {
        let documents = [
            "<?xml version=\"1.0\"?><!DOCTYPE LegalHold [<!ENTITY x \"ON\">]><LegalHold><Status>&x;</Status></LegalHold>",
            "<!DOCTYPE LegalHold SYSTEM \"file:///etc/passwd\"><LegalHold><Status>ON</Status></LegalHold>",
            "<LegalHold><Status>&x;</Status></LegalHold>",
            "<LegalHold><?php echo 1 ?><Status>ON</Status></LegalHold>",
            "<LegalHold><Status>ON</Status>",
            "<LegalHold><Status>ON</Status></LegalHold><LegalHold/>",
            "<LegalHold><Status>ON</Stat></LegalHold>",
            "<LegalHold>text<Status>ON</Status></LegalHold>",
            "<LegalHold a='1' a='2'><Status>ON</Status></LegalHold>",
            "<LegalHold><Status>&#0;</Status></LegalHold>",
            "not xml at all",
            "",
            "<LegalHold><Status>ON</Status></LegalHold>\u{0}",
            String(repeating: "<a>", count: 40) + String(repeating: "</a>", count: 40),
        ]
        for document in documents {
            let error = s3Error { try S3XMLDocuments.legalHold(bytes(document)) }
            #expect(error?.code == "MalformedXML", "\(document.prefix(60))")
            #expect(error?.status == 400)
        }
        #expect(errorCode { try S3XMLDocuments.legalHold([0x3C, 0xFF, 0x3E]) } == "MalformedXML")
    }
}
