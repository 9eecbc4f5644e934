import Hummingbird
import NIOCore

extension ResponseBody {
    /// The largest piece of an answer handed to the connection at once: four TLS records.
    static var pieceBytes: Int { 64 * 1024 }

    /// A body that sends `buffer` in pieces of at most `pieceBytes`, each written (and so
    /// encrypted and flushed) before the next. The pieces share the buffer's storage; nothing is
    /// copied.
    ///
    /// Why: NIOSSL keeps each connection's ciphertext buffer as large as the most it ever
    /// encrypted between two flushes, for as long as the connection stays open (swift-nio-ssl
    /// 2.37.6 sets `maximumPreservedOutboundBufferCapacity` to unbounded when the handler is added,
    /// whatever its configuration says). An answer written at once would leave every kept-alive
    /// inspector connection holding a buffer the size of the largest audit trail, stored report or
    /// object it was ever sent; in pieces, each holds at most about one piece.
    static func pieces(_ buffer: ByteBuffer) -> ResponseBody {
        guard buffer.readableBytes > pieceBytes else { return ResponseBody(byteBuffer: buffer) }
        return ResponseBody(contentLength: buffer.readableBytes) { writer in
            var rest = buffer
            while let piece = rest.readSlice(length: min(pieceBytes, rest.readableBytes)), piece.readableBytes > 0 {
                try await writer.write(piece)
            }
            try await writer.finish(nil)
        }
    }

    /// `pieces` of the bytes.
    static func pieces(_ bytes: some Sequence<UInt8>) -> ResponseBody {
        pieces(ByteBuffer(bytes: bytes))
    }

    /// `pieces` of the text's UTF-8.
    static func pieces(_ text: String) -> ResponseBody {
        pieces(ByteBuffer(string: text))
    }
}
