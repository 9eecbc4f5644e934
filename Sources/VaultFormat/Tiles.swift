/// C2SP tlog-tiles: the log's hashes and entries as static, cacheable files, so that standard
/// witnesses and monitors can follow the log.
///
/// A *hash tile* at level L and index N holds the hashes of the Merkle tree nodes at tree level
/// 8·L with indexes [256·N, 256·N + W), concatenated (W·32 bytes); W is 256 for a full tile and
/// 1...255 for the partial tile at the right edge of the tree. An *entry bundle* N holds entries
/// [256·N, 256·N + W), each as a 2-byte big-endian length followed by the entry's bytes.
///
/// Paths: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, where N is written in groups of
/// three digits, every group but the last prefixed with `x`: 1234067 is `x001/x234/067`.
public enum Tiles {
    /// Tree levels per tile.
    public static let height = 8
    /// Hashes or entries in a full tile.
    public static let fullWidth = 256
    /// The highest tile level a path may name.
    public static let maxLevel = 63

    /// One tile: its level (`entries` for entry bundles, which the API names separately), index and
    /// width.
    public struct ID: Equatable, Sendable {
        public let level: Int
        public let index: Int64
        public let width: Int

        public init(level: Int, index: Int64, width: Int) {
            self.level = level
            self.index = index
            self.width = width
        }
    }

    // MARK: paths

    /// `tile/<L>/<N>[.p/<W>]`.
    public static func hashTilePath(_ tile: ID) -> String {
        "tile/\(tile.level)/" + indexPath(tile.index, width: tile.width)
    }

    /// `tile/entries/<N>[.p/<W>]`.
    public static func entryBundlePath(index: Int64, width: Int) -> String {
        "tile/entries/" + indexPath(index, width: width)
    }

    /// The path of the entry bundle holding entry `entry` in a tree of `treeSize` entries.
    public static func entryBundlePath(containing entry: Int64, treeSize: Int64) -> String {
        let index = entry / Int64(fullWidth)
        return entryBundlePath(index: index, width: Int(min(Int64(fullWidth), treeSize - index * Int64(fullWidth))))
    }

    /// `N[.p/W]` for an index and width (256 means a full tile).
    public static func indexPath(_ index: Int64, width: Int) -> String {
        precondition(index >= 0 && (1...fullWidth).contains(width), "tile index or width out of range")
        var groups: [String] = []
        var n = index
        repeat {
            let group = String(n % 1000)
            groups.append(String(repeating: "0", count: 3 - group.count) + group)
            n /= 1000
        } while n > 0
        let path = groups.reversed().enumerated()
            .map { $0.offset == groups.count - 1 ? $0.element : "x" + $0.element }
            .joined(separator: "/")
        return width == fullWidth ? path : path + ".p/\(width)"
    }

    /// Parses a level (`0`...`63`, canonical decimal) and an index path (`x001/x234/067.p/89`) into a
    /// tile ID; nil for anything non-canonical or out of range.
    public static func parse(level levelText: Substring, indexPath: Substring) -> ID? {
        guard let level = Checkpoint.parseSize(levelText), level <= UInt64(maxLevel),
              let (index, width) = parseIndexPath(indexPath) else { return nil }
        return ID(level: Int(level), index: index, width: width)
    }

    /// Parses `x001/x234/067[.p/W]` into an index and width; nil for anything non-canonical. The
    /// index may lie beyond any tree: convert it with `nodeRange` or `entryRange`, never by
    /// multiplying.
    public static func parseIndexPath(_ text: Substring) -> (index: Int64, width: Int)? {
        var rest = text
        var width = fullWidth
        if let range = rest.range(of: ".p/") {
            guard let w = Checkpoint.parseSize(rest[range.upperBound...]), w >= 1, w < UInt64(fullWidth) else {
                return nil
            }
            width = Int(w)
            rest = rest[..<range.lowerBound]
        }
        let groups = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard !groups.isEmpty, groups.count <= 7 else { return nil }
        var index: UInt64 = 0
        for (position, group) in groups.enumerated() {
            let isLast = position == groups.count - 1
            let digits = isLast ? group : (group.first == "x" ? group.dropFirst() : "")
            guard digits.count == 3, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let value = UInt64(digits) else { return nil }
            let (shifted, overflow1) = index.multipliedReportingOverflow(by: 1000)
            let (sum, overflow2) = shifted.addingReportingOverflow(value)
            guard !overflow1, !overflow2 else { return nil }
            index = sum
        }
        guard index <= UInt64(Int64.max) else { return nil }
        return (Int64(index), width)
    }

    /// The largest tile index whose first node index, `256·index`, fits in an `Int64`. No tree can
    /// have a tile beyond it. The parser still accepts larger canonical indexes (as C2SP's test
    /// vectors require); `nodeRange` refuses them.
    public static let maxIndex = Int64.max / Int64(fullWidth)

    /// The node indexes, at the tile's own level, that tile `index` of `width` nodes covers:
    /// `[256·index, 256·index + width)`; nil when the index is negative or beyond `maxIndex`, or the
    /// width is not 1...256. The one checked conversion from a parsed tile index to node indexes:
    /// it never traps, whatever the input.
    public static func nodeRange(index: Int64, width: Int) -> Range<Int64>? {
        guard index >= 0, index <= maxIndex, (1...fullWidth).contains(width) else { return nil }
        let first = index * Int64(fullWidth)
        let (end, overflow) = first.addingReportingOverflow(Int64(width))
        return overflow ? nil : first..<end
    }

    /// The entries an entry bundle covers in a tree of `treeSize` leaves, or nil when the bundle
    /// is not complete in that tree (beyond its right edge, or wider than what the tree has there).
    public static func entryRange(index: Int64, width: Int, treeSize: Int64) -> Range<Int64>? {
        guard let range = nodeRange(index: index, width: width), range.upperBound <= treeSize else { return nil }
        return range
    }

    // MARK: contents

    /// How many nodes of tile (level, index) are complete in a tree of `treeSize` leaves (0 if none,
    /// 256 for a full tile).
    public static func width(level: Int, index: Int64, treeSize: Int64) -> Int {
        let nodeLevel = level * height
        guard level >= 0, nodeLevel < 63, treeSize >= 0,
              let first = nodeRange(index: index, width: 1)?.lowerBound else { return 0 }
        let completeNodes = treeSize >> nodeLevel
        return Int(max(0, min(Int64(fullWidth), completeNodes - first)))
    }

    /// The bytes of a hash tile, read with one batched read. The tile's width must not exceed what
    /// the tree of `treeSize` leaves has completed.
    public static func hashTile(_ tile: ID, treeSize: Int64, reader: some HashReader) throws -> [UInt8] {
        guard tile.width >= 1, tile.width <= width(level: tile.level, index: tile.index, treeSize: treeSize) else {
            throw VaultFormatError(.invalidTreeSize, "tile \(hashTilePath(tile)) is not complete in a tree of size \(treeSize)")
        }
        guard let nodes = nodeRange(index: tile.index, width: tile.width) else {
            throw VaultFormatError(.invalidTreeSize, "tile index \(tile.index) is beyond any tree")
        }
        let nodeLevel = tile.level * height
        let indexes = nodes.map { StoredHashes.index(level: nodeLevel, $0) }
        let hashes = try reader.readHashes(indexes)
        guard hashes.count == indexes.count else { throw VaultFormatError.missingHash(index: indexes.last ?? 0) }
        var out: [UInt8] = []
        out.reserveCapacity(hashes.count * Hash.byteCount)
        for hash in hashes { hash.withUnsafeBytes { out.append(contentsOf: $0) } }
        return out
    }

    /// An entry bundle: each entry as a 2-byte big-endian length and its bytes.
    public static func entryBundle(_ entries: [some Collection<UInt8>]) -> [UInt8] {
        var out: [UInt8] = []
        for entry in entries {
            precondition(entry.count <= Int(UInt16.max), "a bundled entry is at most 65535 bytes")
            out.append(UInt8(entry.count >> 8))
            out.append(UInt8(entry.count & 0xFF))
            out.append(contentsOf: entry)
        }
        return out
    }

    /// The tiles at the right edge of a tree of `treeSize` leaves: for each level that has any
    /// complete node, the last tile, full or partial (width 0 when the level's last tile is empty).
    public static func rightEdge(treeSize: Int64) -> [ID] {
        var tiles: [ID] = []
        var level = 0
        while level * height < 63, treeSize >> (level * height) > 0 {
            let nodes = treeSize >> (level * height)
            let index = nodes / Int64(fullWidth)
            tiles.append(ID(level: level, index: index, width: Int(nodes - index * Int64(fullWidth))))
            level += 1
        }
        return tiles
    }
}
