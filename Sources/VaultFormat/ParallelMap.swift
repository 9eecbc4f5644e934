import Dispatch
import Foundation

/// Independent pieces of work run on every core, their results returned in order. The server
/// (audit answers) and the offline verifier (hashing) share this one implementation.
public enum ParallelMap {
    /// How many workers to use: the active cores, at most 16.
    public static let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 16))

    /// `[job(0), …, job(count - 1)]`, the jobs run concurrently.
    ///
    /// Contract: `job` may be called from any thread, at most once per index; it must only read
    /// what it captured. The results are complete and visible when this returns.
    ///
    /// Why this is free of data races: the results live in one buffer allocated before the
    /// workers start, and the workers receive only its base address, never the array. Each worker
    /// writes exactly the slots of its own indexes (disjoint memory), no Swift exclusivity check or
    /// copy-on-write touches the shared array while they run, and `concurrentPerform` returns only
    /// after every worker has finished, which orders every write before the reads below. (Calling
    /// `withUnsafeMutableBufferPointer` on a shared array from each worker would instead claim
    /// exclusive access to the whole array from many threads at once: a race.)
    public static func map<T>(_ count: Int, _ job: (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let slots = UnsafeMutablePointer<T?>.allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
        defer {
            slots.deinitialize(count: count)
            slots.deallocate()
        }
        withoutActuallyEscaping(job) { job in
            nonisolated(unsafe) let job = job
            nonisolated(unsafe) let base = slots
            DispatchQueue.concurrentPerform(iterations: count) { index in
                (base + index).pointee = job(index)
            }
        }
        return (0..<count).map { slots[$0]! }
    }

    /// `map` over `count` items grouped into at most `workers` consecutive chunks: `job` is called
    /// once per item, and the results come back in item order.
    public static func mapItems<T>(_ count: Int, _ job: (Int) -> T) -> [T] {
        let chunks = split(count, into: min(workers, max(count, 1)))
        return map(chunks.count) { chunk in chunks[chunk].map(job) }.flatMap { $0 }
    }

    /// The bounds of `count` items split into `parts` nearly equal consecutive ranges.
    public static func split(_ count: Int, into parts: Int) -> [Range<Int>] {
        precondition(parts > 0, "split needs at least one part")
        return (0..<parts).map { part in (count * part / parts)..<(count * (part + 1) / parts) }
    }
}
