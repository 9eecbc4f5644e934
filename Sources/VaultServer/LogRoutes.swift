import Foundation
import Hummingbird
import NIOCore
import VaultCore
import VaultFormat

/// C2SP tlog-tiles under `/log/`: the checkpoint, hash tiles and entry bundles, so that standard
/// witnesses and monitors can follow the log. Full tiles never change and are served as immutable.
struct LogRoutes {
    let vault: Vault

    func register(on group: CatalogedRoutes) {
        group.get("checkpoint") { _, _ in try checkpoint(vault) }
        group.get("tile/**") { _, context in try tile(context.parameters.getCatchAll()) }
    }

    private func tile(_ parts: [Substring]) throws -> Response {
        guard let first = parts.first, parts.count >= 2 else { throw notFound() }
        let size = try vault.checkpointSize()
        let rest = Substring(parts.dropFirst().joined(separator: "/"))
        if first == "entries" {
            guard let (index, width) = Tiles.parseIndexPath(rest),
                  let entries = Tiles.entryRange(index: index, width: width, treeSize: size) else { throw notFound() }
            let leaves = try vault.store.leaves(from: entries.lowerBound, to: entries.upperBound)
            return binary(Tiles.entryBundle(leaves.map { Array($0.entry) }), full: width == Tiles.fullWidth)
        }
        guard let tile = Tiles.parse(level: first, indexPath: rest),
              tile.width <= Tiles.width(level: tile.level, index: tile.index, treeSize: size) else { throw notFound() }
        return binary(try Tiles.hashTile(tile, treeSize: size, reader: vault.store), full: tile.width == Tiles.fullWidth)
    }

    private func binary(_ bytes: [UInt8], full: Bool) -> Response {
        Response(status: .ok,
                 headers: [.contentType: "application/octet-stream",
                           .cacheControl: full ? "public, max-age=31536000, immutable" : "no-cache"],
                 body: .pieces(bytes))
    }

    private func notFound() -> APIError {
        APIError(.notFound, "no_such_tile", "no such tile in the tree of the latest checkpoint")
    }
}
