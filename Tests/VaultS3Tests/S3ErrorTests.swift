import Testing
import VaultS3

@Suite("S3 errors")
struct S3ErrorTests {
    @Test("each error carries S3's code and status")
    func codes() {
        #expect(S3Error.signatureDoesNotMatch("x").status == 403)
        #expect(S3Error.invalidBucketState("x").code == "InvalidBucketState")
        #expect(S3Error.objectLockConfigurationNotFound("x").status == 404)
    }
}
