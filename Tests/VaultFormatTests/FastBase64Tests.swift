import Foundation
import Testing
import VaultFormat
import VaultSandbox

@Suite("fast canonical base64")
struct FastBase64Tests {
    @Test("decodes exactly what the canonical decoder decodes, and refuses what it refuses")
    func agreesWithCanonicalDecoder() {
        var rng = SplitMix64(seed: 99)
        var inputs: [String] = ["", "=", "==", "A===", "AA==", "AB==", "AAA=", "AAB=", "AAAA", "ab=c", "a+/b", "a-_b", "AA=A",
                                "QUJD", "QUJDRA==", "QUJDRA=", "QUJDRA", " QUJD", "QUJD\n"]
        for length in 0..<40 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var text = Data(bytes).base64EncodedString()
            inputs.append(text)
            if !text.isEmpty {
                // One changed symbol, anywhere, including the padding and the last data symbol.
                var chars = Array(text.utf8)
                let at = Int(rng.next() % UInt64(chars.count))
                chars[at] = Array("Aa0+/=-_ ".utf8)[Int(rng.next() % 9)]
                text = String(decoding: chars, as: UTF8.self)
                inputs.append(text)
            }
        }
        for input in inputs {
            #expect(FastBase64.decode(Array(input.utf8)) == CanonicalBase64.decode(input), "\(input)")
        }
    }
}
