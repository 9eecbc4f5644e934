import Foundation
import Testing
import VaultStore
@testable import VaultCore

/// The writer's entity-head cache stays bounded however busy the commit queue is, and never loses
/// the heads of a batch that has not committed (storage would answer with older ones).
@Suite("entity head cache")
struct EntityHeadCacheTests {
    /// An empty SQLite store: any head the cache does not hold comes back as none.
    func emptyStore() throws -> SQLiteStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("heads-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try SQLiteStore(path: directory.path + "/vault.sqlite", cipher: nil)
    }

    func batch(_ number: Int, size: Int) -> [EntityKey: EntityHead] {
        Dictionary(uniqueKeysWithValues: (0..<size).map { index in
            (EntityKey(type: "bonusRule", id: "\(number)-\(index)"), EntityHead(version: Int64(number + 1), state: .string("state \(index)")))
        })
    }

    @Test("with another batch always committing, the cache still starts over at its capacity")
    func boundedWhileBusy() {
        var cache = EntityHeadCache()
        var previous: CommitTicket?
        for number in 0..<40 {
            let ticket = CommitTicket()
            cache.adopt(batch(number, size: 1000), until: ticket)
            // The previous batch commits only after this one was sequenced: one is always in flight.
            previous?.complete(.success(()))
            previous = ticket
            #expect(cache.count.cached <= EntityHeadCache.capacity)
            #expect(cache.count.uncommitted <= 2000)
        }
    }

    @Test("the heads of a batch still committing survive the cache starting over, and go once it commits")
    func uncommittedHeadsSurvive() throws {
        let store = try emptyStore()
        var cache = EntityHeadCache()
        let key = EntityKey(type: "bonusRule", id: "123")
        let pending = CommitTicket()
        cache.adopt([key: EntityHead(version: 7, state: .string("latest"))], until: pending)
        // Enough other heads, from committed batches, to make the cache start over twice.
        for number in 0..<25 {
            let committed = CommitTicket()
            committed.complete(.success(()))
            cache.adopt(batch(number, size: 1000), until: committed)
        }
        #expect(cache.count.cached <= EntityHeadCache.capacity)
        let head = try cache.head(for: key, store: store)
        #expect(head.version == 7)
        #expect(head.state == .string("latest"))
        try cache.prefetch([key], store: store)
        #expect(try cache.head(for: key, store: store).version == 7)

        // Once its batch has committed, storage holds the head; the cache no longer keeps it aside.
        pending.complete(.success(()))
        cache.adopt([:], until: CommitTicket())
        #expect(cache.count.uncommitted == 0)
    }

    @Test("forgetting an entity (its records are being erased) forgets its uncommitted head too")
    func forgetReachesUncommitted() throws {
        let store = try emptyStore()
        var cache = EntityHeadCache()
        let key = EntityKey(type: "player", id: "p-1")
        cache.adopt([key: EntityHead(version: 3, state: .string("s"))], until: CommitTicket())
        cache.forget([key])
        #expect(try cache.head(for: key, store: store).version == 0)
    }
}
