import Testing
import VaultS3

@Suite("Writing S3's XML answers")
struct S3XMLWriterTests {
    @Test("a document has the declaration, S3's namespace on the root, nested elements, and open elements closed")
    func document() {
        var writer = S3XMLWriter(root: "ListBucketResult")
        writer.element("Name", "audit")
        writer.open("Contents")
        writer.element("Key", "a&b <c> \"d\" 'e'\t\n")
        writer.close("Contents")
        writer.open("CommonPrefixes")
        writer.element("Prefix", "p/")
        let text = String(decoding: writer.bytes(), as: UTF8.self)
        #expect(text == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>audit</Name><Contents><Key>a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos;&#x9;&#xA;</Key></Contents><CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes></ListBucketResult>")
    }

    @Test("written text reads back the same through the reader (keys with markup and unicode)")
    func roundTrip() throws {
        let key = "x & <y> \"z\" 'é' 🙂 ]]>"
        var writer = S3XMLWriter(root: "Delete")
        writer.open("Object")
        writer.element("Key", key)
        writer.close("Object")
        #expect(try S3XMLDocuments.delete(writer.bytes()).objects.map(\.key) == [key])
    }

    @Test("an error body carries Code, Message, Resource and RequestId, without a namespace")
    func errorBody() {
        let body = S3Error.noSuchKey("The specified key does not exist.").xmlBody(resource: "/audit/a&b", requestId: "4442587FB7D0A2F9")
        #expect(String(decoding: body, as: UTF8.self) == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Resource>/audit/a&amp;b</Resource><RequestId>4442587FB7D0A2F9</RequestId></Error>")
    }
}
