import Testing
import VaultS3

@Suite("S3's time formats")
struct S3TimeTests {
    @Test("ISO 8601 with milliseconds and RFC 1123, at known instants")
    func formats() {
        let millis: Int64 = 1_796_360_767_089  // 2026-12-04T05:06:07.089Z, a Friday
        #expect(S3Time.iso8601(millis: millis) == "2026-12-04T05:06:07.089Z")
        #expect(S3Time.httpDate(millis: millis) == "Fri, 04 Dec 2026 05:06:07 GMT")
        #expect(S3Time.iso8601(millis: 0) == "1970-01-01T00:00:00.000Z")
        #expect(S3Time.httpDate(millis: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(S3Time.iso8601(millis: 951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(S3Time.httpDate(millis: 4_102_444_799_000) == "Thu, 31 Dec 2099 23:59:59 GMT")
        #expect(S3Time.iso8601(millis: -1) == "1969-12-31T23:59:59.999Z")
    }

    @Test("parsing reads back what iso8601 writes, every day for ten years")
    func roundTrip() {
        var millis: Int64 = 1_893_456_000_000 - 5 * 365 * 86_400_000 + 12_345
        for _ in 0..<3653 {
            #expect(S3Time.parseISO8601(S3Time.iso8601(millis: millis)) == millis)
            millis += 86_400_000 + 1001
        }
    }

    @Test("parsing accepts zones and fractions, refuses impossible dates and other forms")
    func parsing() {
        #expect(S3Time.parseISO8601("2030-01-01T00:00:00Z") == 1_893_456_000_000)
        #expect(S3Time.parseISO8601("2030-01-01T00:00:00.5Z") == 1_893_456_000_500)
        #expect(S3Time.parseISO8601("2030-01-01T00:00:00.123456Z") == 1_893_456_000_123)
        #expect(S3Time.parseISO8601("2030-01-01T02:30:00+02:30") == 1_893_456_000_000)
        #expect(S3Time.parseISO8601("2029-12-31T19:00:00-05:00") == 1_893_456_000_000)
        for bad in ["2030-02-29T00:00:00Z", "2030-01-01T24:00:00Z", "2030-01-01 00:00:00Z", "2030-01-01T00:00:00",
                    "2030-1-01T00:00:00Z", "2030-01-01T00:00:00.Z", "2030-01-01T00:00:00Zjunk", ""] {
            #expect(S3Time.parseISO8601(bad) == nil, "\(bad)")
        }
    }
}
