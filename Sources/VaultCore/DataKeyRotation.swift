import Foundation
import VaultFormat

extension Vault {
    /// Rotates the data key of the vault in `path`: creates the next key, which seals every record
    /// written from then on, and records the rotation as an entry (kind `keyRotation`, stream
    /// `vault.keys`). Older keys stay, because the records they sealed are read with them; a record
    /// is never re-encrypted, since records are written once. Needs the writer role, so the server
    /// must be stopped (it would go on sealing under the key it loaded).
    /// - Returns: the new key's id and the seq of the rotation entry.
    public static func rotateDataKey(at path: String, actor: VaultActor, clock: any VaultClock = SystemClock()) async throws
        -> (keyId: UInt32, seq: Int64) {
        let directory = VaultDirectory(path: path)
        guard directory.exists else { throw VaultError(.noVault, "no vault in \(path)") }
        let keyId: UInt32
        do {
            let lock = try WriterLock(path: directory.writerLockPath)
            keyId = try DataKeys.generate(in: directory)
            withExtendedLifetime(lock) {}
        }
        let vault = try Vault.open(at: path)
        let writer = try vault.makeWriter(clock: clock)
        let record = VaultRecord.make(stream: .keys, kind: .keyRotation, entityType: "data_key",
                                      entityId: DataKeys.fileName(keyId), action: "rotate", actor: actor,
                                      at: clock.nowMillis(),
                                      state: .object(["keyId": .int(Int64(keyId)), "algorithm": .string("AES-256-GCM")]))
        let seq = try await writer.append([record])[0].seq
        return (keyId, seq)
    }
}
