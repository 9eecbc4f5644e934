import Foundation
import Testing
@testable import VaultStore

@Suite("Secure random bytes from a buffer")
struct SecureRandomTests {
    @Test("draws have the length asked for and never repeat, across refills, large draws and threads")
    func drawsNeverRepeat() async {
        // 8 tasks × 2,000 draws of 32 bytes: 512,000 bytes, over a hundred refills of the 4 KiB buffer.
        let draws = await withTaskGroup(of: [[UInt8]].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<2_000).map { _ in SecureRandom.bytes(32) } }
            }
            var all: [[UInt8]] = []
            for await drawn in group { all += drawn }
            return all
        }
        #expect(draws.count == 16_000 && draws.allSatisfy { $0.count == 32 })
        #expect(Set(draws).count == draws.count, "a slice of the buffer was handed out twice")

        // Sizes that straddle a refill, and one larger than the buffer, drawn directly.
        let mixed = (1...300).map { SecureRandom.bytes($0 % 37 + 12) } + [SecureRandom.bytes(3 * SecureRandom.refillBytes)]
        #expect(zip(mixed.dropLast(), 1...300).allSatisfy { $0.0.count == $0.1 % 37 + 12 })
        #expect(Set(mixed.map { Array($0.prefix(12)) }).count == mixed.count)
        #expect(SecureRandom.bytes(0).isEmpty)
        // Not all zeros (what the buffer keeps where it handed bytes out).
        #expect(draws.allSatisfy { $0.contains { $0 != 0 } })
    }
}
