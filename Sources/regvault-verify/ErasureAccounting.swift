import Foundation
import VaultFormat

/// Accounts for every entry whose record is not in the archive: it must have been erased by an
/// erasure entry in the archive (whose own record is present and matches) that comes after it in
/// the log, after the retain-until that erasure lists, with that retain-until no earlier than the
/// entry's own (or an extension's) unless a governance bypass in the archive shortened it, and with
/// no legal hold in the archive active over it when it was erased. Order in the log (seq) decides
/// what was in force when: a bypass, extension or hold counts for an erasure only if it comes
/// before the erasure entry (a bypass recorded afterwards cannot excuse it).
///
/// An erased record is gone: an archive that holds a record an erasure entry lists is refused.
/// A record is erased once: the vault keeps one erasure per record, by an erasure entry later than
/// it. So the first erasure entry (lowest seq) that lists a record is the one that erased it, and
/// every rule is checked against that listing. A later entry listing the same record again is a
/// problem of its own, and never replaces the first: otherwise a forger could hide an erasure that
/// breaks a rule behind a second, well-formed listing.
struct ErasureAccounting {
    let scan: ArchiveScan
    let log: (String) -> Void

    /// One erased record, as an erasure entry lists it.
    struct Erased {
        let erasureSeq: Int64
        let erasedAt: Int64
        let retainUntil: Int64
        let stream: String?
        let entityType: String?
        let entityId: String?
        let playerId: String?
    }

    /// A retention record's change to one record's retain-until: a governance bypass shortening it,
    /// or an extension. Only changes recorded before an erasure entry bear on that erasure.
    struct RetentionChange {
        let seq: Int64
        let until: Int64
        let shortens: Bool
    }

    /// A legal hold's life in the log: the seq that placed it, the seq that lifted it, its scope.
    struct Hold {
        var placedSeq: Int64
        var liftedSeq: Int64?
        var scope: [String: Any]
    }

    /// Returns the number of erased records accounted for; adds a problem for each that is not.
    func check(_ problems: inout Problems) -> Int {
        let records = vaultRecords()
        var erased: [Int64: Erased] = [:]
        var retentionChanges: [Int64: [RetentionChange]] = [:]
        var holds: [String: Hold] = [:]
        for (seq, body) in records.sorted(by: { $0.key < $1.key }) {
            guard let entry = scan.entries[seq]?.entry else { continue }
            switch entry.kind {
            case .erasure:
                for item in body["erased"] as? [[String: Any]] ?? [] {
                    guard let target = (item["seq"] as? NSNumber)?.int64Value,
                          let until = (item["retainUntil"] as? String).flatMap(Self.millis) else {
                        problems.add(scan.records[seq]!.member, "erasure record \(seq) lists an item without seq or retainUntil")
                        continue
                    }
                    if let first = erased[target] {
                        problems.add(scan.records[seq]!.member, "erasure record \(seq) lists record \(target) again: entry "
                            + "\(first.erasureSeq) already erased it, and a record is erased once")
                        continue
                    }
                    let entity = item["entity"] as? [String: Any]
                    erased[target] = Erased(erasureSeq: seq, erasedAt: entry.recordedAt, retainUntil: until,
                                            stream: item["stream"] as? String, entityType: entity?["type"] as? String,
                                            entityId: entity?["id"] as? String, playerId: item["playerId"] as? String)
                }
            case .retention:
                let state = body["state"] as? [String: Any]
                guard let target = (state?["seq"] as? NSNumber)?.int64Value,
                      let until = (state?["retainUntil"] as? String).flatMap(Self.millis) else { continue }
                switch body["action"] as? String {
                case "governance_bypass": retentionChanges[target, default: []].append(RetentionChange(seq: seq, until: until, shortens: true))
                case "extend": retentionChanges[target, default: []].append(RetentionChange(seq: seq, until: until, shortens: false))
                default: break
                }
            case .legalHold:
                guard let state = body["state"] as? [String: Any], let id = state["holdId"] as? String else { continue }
                if body["action"] as? String == "lift" {
                    holds[id]?.liftedSeq = seq
                } else if holds[id] == nil {
                    holds[id] = Hold(placedSeq: seq, liftedSeq: nil, scope: state["scope"] as? [String: Any] ?? [:])
                }
            default:
                break
            }
        }

        var accounted = 0
        for seq in scan.entries.seqs where scan.records[seq] == nil {
            let entry = scan.entries[seq]!
            let location = entry.member
            guard let item = erased[seq] else {
                problems.add(location, "record \(seq) is missing and no erasure entry in the archive accounts for it")
                continue
            }
            // The vault itself never stores such an erasure; only a forged or faulty archive lists one.
            guard item.erasureSeq > seq else {
                problems.add(location, "record \(seq) was erased by entry \(item.erasureSeq), which comes before it in the log")
                continue
            }
            guard item.erasedAt >= item.retainUntil else {
                problems.add(location, "record \(seq) was erased by entry \(item.erasureSeq) before the end of its retention")
                continue
            }
            let changes = (retentionChanges[seq] ?? []).filter { $0.seq < item.erasureSeq }
            let owed = changes.filter { !$0.shortens }.map(\.until).reduce(entry.entry.retainUntil, max)
            if item.retainUntil < owed {
                guard entry.entry.retentionMode == .governance,
                      let shortened = changes.filter(\.shortens).map(\.until).min(), shortened <= item.retainUntil else {
                    problems.add(location, "record \(seq) was erased by entry \(item.erasureSeq) before the retain-until its "
                        + "entry and extensions set, and no governance bypass before that entry allows it")
                    continue
                }
            }
            let inForce = holds.filter { _, hold in
                hold.placedSeq < item.erasureSeq && (hold.liftedSeq.map { $0 > item.erasureSeq } ?? true)
            }.sorted { $0.key < $1.key }
            if let (id, _) = inForce.first(where: { covers($0.value.scope, seq: seq, item) == true }) {
                problems.add(location, "record \(seq) was erased by entry \(item.erasureSeq) while legal hold \(id) covered it")
                continue
            }
            if let (id, hold) = inForce.first(where: { covers($0.value.scope, seq: seq, item) == nil }) {
                let members = hold.scope.isEmpty ? "it has none" : "members " + hold.scope.keys.sorted().joined(separator: ", ")
                problems.add(location, "record \(seq) was erased by entry \(item.erasureSeq) while legal hold \(id) was in force, "
                    + "whose scope this verifier does not know (\(members)): it may cover the record")
                continue
            }
            accounted += 1
        }
        for (seq, item) in erased.sorted(by: { $0.key < $1.key }) {
            guard let record = scan.records[seq] else { continue }
            problems.add(record.member, "record \(seq) is in the archive, but erasure entry \(item.erasureSeq) lists it as erased")
        }
        log("erasures: \(accounted) missing records accounted for by erasure entries")
        return accounted
    }

    /// The JSON of the vault's own records present in the archive (erasures, holds, retention changes).
    private func vaultRecords() -> [Int64: [String: Any]] {
        var out: [Int64: [String: Any]] = [:]
        scan.records.forEach { seq, record in
            guard let bytes = record.vaultRecord, scan.entries[seq]?.entry.commitment == record.commitment,
                  let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return }
            out[seq] = object
        }
        return out
    }

    /// Whether a hold of `scope` covers the erased record `seq`; nil when the scope is not one the
    /// vault writes (exactly one of `seq`, `playerId`, `stream`, `entity` `{type, id}`): such a
    /// hold could cover anything, so an erasure made while it was in force is not accounted for.
    private func covers(_ scope: [String: Any], seq: Int64, _ item: Erased) -> Bool? {
        guard scope.count == 1 else { return nil }
        if let target = (scope["seq"] as? NSNumber)?.int64Value { return target == seq }
        if let player = scope["playerId"] as? String { return item.playerId == player }
        if let stream = scope["stream"] as? String { return item.stream == stream }
        if let entity = scope["entity"] as? [String: Any], let type = entity["type"] as? String, let id = entity["id"] as? String {
            return item.entityType == type && item.entityId == id
        }
        return nil
    }

    /// Milliseconds from an RFC 3339 UTC time as the vault writes it (`2026-11-20T10:00:00.000Z`).
    static func millis(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = formatter.date(from: text) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}
