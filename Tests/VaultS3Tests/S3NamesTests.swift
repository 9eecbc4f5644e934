import Testing
import VaultS3

@Suite("Bucket names and object keys")
struct S3NamesTests {
    @Test("valid bucket names pass")
    func validBuckets() throws {
        for name in ["abc", "audit-2026", "my.vault.bucket", "a1b", String(repeating: "a", count: 63), "192.168.5", "1-2.3-4"] {
            try S3Names.checkBucket(name)
        }
    }

    @Test("invalid bucket names are InvalidBucketName, for each rule")
    func invalidBuckets() {
        let names = ["ab", String(repeating: "a", count: 64), "Audit", "audit_log", "-audit", "audit-", ".audit", "audit.",
                     "a..b", "192.168.5.4", "10.0.0.255", "xn--audit", "sthree-audit", "amzn-s3-demo-x", "audit-s3alias",
                     "audit--ol-s3", "audit.mrap", "audit--x-s3", "audit--table-s3", "aud it", "audité", ""]
        for name in names {
            let error = s3Error { try S3Names.checkBucket(name) }
            #expect(error?.code == "InvalidBucketName", "\(name)")
            #expect(error?.status == 400)
        }
    }

    @Test("keys up to 1,024 bytes of UTF-8 pass, longer is KeyTooLongError, empty or with C0 controls InvalidArgument")
    func keys() throws {
        try S3Names.checkKey("records/2026/a b+c=d~e.json")
        try S3Names.checkKey(String(repeating: "k", count: 1024))
        try S3Names.checkKey(String(repeating: "é", count: 512))  // 1,024 bytes
        try S3Names.checkKey("tab-less \u{7F} \u{85} 🙂")
        #expect(errorCode { try S3Names.checkKey(String(repeating: "k", count: 1025)) } == "KeyTooLongError")
        #expect(errorCode { try S3Names.checkKey(String(repeating: "é", count: 512) + "k") } == "KeyTooLongError")
        #expect(errorCode { try S3Names.checkKey("") } == "InvalidArgument")
        for control in ["a\u{0}b", "a\tb", "a\nb", "a\u{1F}b"] {
            #expect(errorCode { try S3Names.checkKey(control) } == "InvalidArgument", "\(control.debugDescription)")
        }
    }

    @Test("percent-decoding keys: strict escapes, UTF-8 only, + stays +")
    func decoding() throws {
        #expect(try S3URIEncoding.decode("a%20b+c%2Fd%C3%A9") == "a b+c/dé")
        #expect(errorCode { try S3URIEncoding.decode("a%2") } == "InvalidURI")
        #expect(errorCode { try S3URIEncoding.decode("a%zz") } == "InvalidURI")
        #expect(errorCode { try S3URIEncoding.decode("a%FFb") } == "InvalidURI")
        #expect(S3URIEncoding.encode("a b+c/dé~", keepSlash: true) == "a%20b%2Bc/d%C3%A9~")
        let parameters = try S3URIEncoding.queryParameters("list-type=2&prefix=a%2Fb&&uploads&x=1=2")
        #expect(parameters.map(\.name) == ["list-type", "prefix", "uploads", "x"])
        #expect(parameters.map(\.value) == ["2", "a/b", "", "1=2"])
    }
}
