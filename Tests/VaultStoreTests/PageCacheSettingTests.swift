import Foundation
import Testing
import VaultStore

/// `REGVAULT_SQLITE_CACHE_MIB` sizes each connection's page cache; anything but a number of MiB
/// from 1 to 65536 is refused with the variable's name.
@Suite("page cache setting")
struct PageCacheSettingTests {
    @Test("unset is 256 MiB; a number of MiB is taken as it is")
    func accepted() throws {
        #expect(try SQLiteStore.pageCacheMiB(environment: [:]) == 256)
        #expect(try SQLiteStore.pageCacheMiB(environment: [SQLiteStore.pageCacheVariable: "8"]) == 8)
        #expect(try SQLiteStore.pageCacheMiB(environment: [SQLiteStore.pageCacheVariable: "65536"]) == 65536)
    }

    @Test("anything else is refused, naming the variable", arguments: ["", "0", "-8", "08", "8MiB", " 8", "65537", "99999999999999999999"])
    func refused(text: String) {
        do {
            _ = try SQLiteStore.pageCacheMiB(environment: [SQLiteStore.pageCacheVariable: text])
            Issue.record("accepted '\(text)'")
        } catch {
            #expect("\(error)".contains(SQLiteStore.pageCacheVariable), "\(error)")
        }
    }
}
