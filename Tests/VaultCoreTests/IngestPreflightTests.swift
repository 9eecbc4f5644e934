import Foundation
import Testing
import VaultCore

/// The bulk append's check, over inputs longer than the chunk it validates on every core at once:
/// its report must be the one a line-by-line check gives.
@Suite("Ingest preflight")
struct IngestPreflightTests {
    /// `count` valid records, event ids `pre-1` … `pre-count`, one entity each.
    private func lines(_ count: Int) -> [String] {
        (1...count).map { record("pre-\($0)", stream: "audit.change", jurisdiction: "MT", entity: ("thing", "\($0)")) }
    }

    private func inputLines(_ texts: [String]) -> [InputLine] {
        texts.enumerated().map { InputLine(number: $0.offset + 1, bytes: Array($0.element.utf8)) }
    }

    @Test("refusals across many chunks keep input order and their lines; a conflict names the line it repeats")
    func refusalsAcrossChunks() throws {
        let fixture = try VaultFixture()
        var texts = lines(9_000)
        texts[1] = "{not json"
        texts[2_500] = texts[2_500].replacingOccurrences(of: #""jurisdiction":"MT""#, with: #""jurisdiction":7"#)
        // Line 6,001 reuses line 4's event id with other content; line 7,001 repeats line 5 exactly.
        texts[6_000] = record("pre-4", stream: "audit.change", jurisdiction: "MT", entity: ("thing", "4"), note: "changed")
        texts[7_000] = texts[4]
        var progress: [Int] = []
        let report = try IngestPreflight().check(lines: inputLines(texts), vault: fixture.vault, clock: fixture.clock) {
            progress.append($0)
        }
        #expect(report.records == 9_000)
        #expect(report.rejections.map(\.line) == [2, 2_501, 6_001])
        #expect(report.rejections[2].reason.contains("line 4"))
        #expect(!report.truncated)
        #expect(progress.isEmpty)
    }

    @Test("refusals past the limit are counted as truncated, and progress is told every 10,000 records")
    func truncatedAndProgress() throws {
        let fixture = try VaultFixture()
        var texts = lines(25_000)
        for index in stride(from: 0, to: 25_000, by: 1_000) { texts[index] = "[]" }
        var progress: [Int] = []
        let report = try IngestPreflight(maxRejections: 20).check(lines: inputLines(texts), vault: fixture.vault,
                                                                  clock: fixture.clock) { progress.append($0) }
        #expect(report.rejections.map(\.line) == Array(stride(from: 1, to: 20_000, by: 1_000)))
        #expect(report.truncated)
        #expect(progress == [10_000, 20_000])
    }

    @Test("event ids already in the vault are checked in every chunk: the same content passes, other content is refused")
    func againstTheVault() async throws {
        let fixture = try VaultFixture()
        let texts = lines(4_500)
        try await fixture.append([texts[3], texts[4_400]])
        var input = texts
        input[4_400] = record("pre-4401", stream: "audit.change", jurisdiction: "MT", entity: ("thing", "4401"), note: "other")
        let report = try IngestPreflight().check(lines: inputLines(input), vault: fixture.vault, clock: fixture.clock)
        #expect(report.records == 4_500)
        #expect(report.rejections.map(\.line) == [4_401])
        #expect(report.rejections.first?.reason.contains("already stored") == true)
    }
}
