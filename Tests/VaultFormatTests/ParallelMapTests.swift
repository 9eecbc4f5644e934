import Foundation
import Testing
import VaultFormat

/// `ParallelMap` is shared by the server (audit answers) and the offline verifier (hashing). Each
/// test writes from every worker at once, so ThreadSanitizer (`tools/tsan.sh`) reports any race.
@Suite("parallel map")
struct ParallelMapTests {
    @Test("results come back complete and in order, whatever the count", arguments: [0, 1, 2, 3, 17, 1000, 10_000])
    func inOrder(count: Int) {
        let results = ParallelMap.map(count) { index in [UInt8](repeating: UInt8(index % 251), count: index % 97) }
        #expect(results.count == count)
        for (index, bytes) in results.enumerated() {
            #expect(bytes == [UInt8](repeating: UInt8(index % 251), count: index % 97))
        }
        #expect(ParallelMap.mapItems(count) { $0 * 2 } == (0..<count).map { $0 * 2 })
    }

    @Test("errors travel as values, and every job runs exactly once")
    func everyJobOnce() {
        let counter = Counter()
        let results = ParallelMap.mapItems(5000) { index -> Result<Int, TestError> in
            counter.increment()
            return index % 7 == 0 ? .failure(TestError(index: index)) : .success(index)
        }
        #expect(counter.value == 5000)
        #expect(results.filter { if case .failure = $0 { true } else { false } }.count == (0..<5000).filter { $0 % 7 == 0 }.count)
    }

    @Test("split covers every item once, in consecutive ranges")
    func split() {
        for count in [0, 1, 5, 100, 101] {
            for parts in 1...8 {
                let ranges = ParallelMap.split(count, into: parts)
                #expect(ranges.count == parts)
                #expect(ranges.flatMap { Array($0) } == Array(0..<count))
            }
        }
    }

    struct TestError: Error { let index: Int }

    final class Counter: Sendable {
        private let count = Locked(0)
        func increment() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }
}
