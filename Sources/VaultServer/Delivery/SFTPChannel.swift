import AsyncHTTPClient
import Foundation
import VaultConfiguration
import VaultCore
import VaultFormat

/// One configured SFTP directory, reached with the system's OpenSSH `sftp` in batch mode: the
/// client regulators' own SFTP drops are tested with, patched with the operating system, and the
/// one an SRE already knows how to debug. The server's host key is pinned (a known-hosts file of
/// that one key, strict checking, no user or system SSH configuration read); login is by key only.
///
/// What lands in `directory`, for delivery `msg_…`: each report file as `msg_…-<n>-<file name>`, then
/// the delivery's payload (the same canonical JSON a webhook carries, with every file's digest) as
/// `msg_….json`. Each is written under a hidden temporary name and renamed into place (an
/// overwriting POSIX rename, OpenSSH's `posix-rename@openssh.com`, so a repeat after a crash
/// replaces a file with the same bytes; a server without it fails the repeat), and the JSON comes
/// last: a receiver that sees `msg_….json` has the whole delivery.
struct SFTPChannel: DeliveryChannel {
    let name = "sftp"
    let destination: String
    let settings: ServerConfiguration.Deliveries.SFTP
    let sftp: String
    /// Where a report's files are read from (nil only in tests of the commands).
    let vault: Vault?

    init(destination: String, settings: ServerConfiguration.Deliveries.SFTP, vault: Vault) throws {
        guard let sftp = ExternalCommand.locate("sftp") else {
            throw ServerError.configuration("delivery destination \(destination): SFTP uses OpenSSH's sftp, which is not installed "
                + "(Debian: openssh-client)")
        }
        _ = try OwnerOnlyFile.read(settings.privateKey, what: "SSH key of delivery destination \(destination)")
        self.init(destination: destination, settings: settings, sftp: sftp, vault: vault)
    }

    init(destination: String, settings: ServerConfiguration.Deliveries.SFTP, sftp: String, vault: Vault?) {
        (self.destination, self.settings, self.sftp, self.vault) = (destination, settings, sftp, vault)
    }

    func send(_ delivery: Delivery, body: [UInt8], client: HTTPClient) async -> DeliveryOutcome {
        let timer = AttemptTimer()
        let place = "\(settings.host):\(settings.port)"
        do {
            if !settings.allowPrivateAddress { try await OutboundAddress.requirePublic(host: settings.host, port: settings.port) }
            let folder = try PrivateFolder()
            defer { folder.remove() }
            var uploads: [(local: String, remote: String)] = []
            for (index, file) in try reportFiles(in: body).enumerated() {
                // The index keeps two files whose names clean to the same one apart.
                uploads.append((try folder.write("file\(index)", file.bytes), "\(delivery.id)-\(index + 1)-\(file.name)"))
            }
            uploads.append((try folder.write("payload.json", body), "\(delivery.id).json"))
            let batch = try folder.write("batch", Array(batchCommands(uploads).utf8))
            let knownHosts = try folder.write("known_hosts", Array(knownHostsLine().utf8))
            let result = try await ExternalCommand.run(sftp, arguments(batch: batch, knownHosts: knownHosts), home: folder.path,
                                                       timeout: .seconds(Int64(settings.timeoutSeconds)))
            if result.status == 0 { return timer.outcome(accepted: true, responseSha256: Hash.sha256(body).hex) }
            return timer.outcome(accepted: false, error: Self.describe(result, place: place))
        } catch {
            return timer.outcome(accepted: false, permanent: error is DeliveryPayloadError, error: WebhookChannel.describe(error, place: place))
        }
    }

    /// A filed report's files, read from the vault and checked against the digests the payload names.
    private func reportFiles(in body: [UInt8]) throws -> [(name: String, bytes: [UInt8])] {
        guard let vault, let data = try JSONParser.parse(body).objectValue?["data"]?.objectValue else { return [] }
        return try (data["files"]?.arrayValue ?? []).compactMap { file in
            guard let file = file.objectValue, let key = file["objectKey"]?.stringValue,
                  let versionId = file["versionId"]?.stringValue else { return nil }
            let bytes = [UInt8](try vault.objectBytes(vault.objectVersion(key: key, versionId: versionId)))
            guard Hash.sha256(bytes).hex == file["sha256"]?.stringValue else {
                throw DeliveryPayloadError("the stored bytes of \(key) do not match their digest")
            }
            return (Self.safeName(file["name"]?.stringValue ?? key), bytes)
        }
    }

    /// A file name the receiver's file system and sftp's batch syntax take as is.
    static func safeName(_ name: String) -> String {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        return String(base.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" }.prefix(150))
    }

    /// `put` under a hidden name, then `rename` into place, each file in turn, the payload last.
    func batchCommands(_ uploads: [(local: String, remote: String)]) -> String {
        let directory = settings.directory.hasSuffix("/") ? String(settings.directory.dropLast()) : settings.directory
        return uploads.map { upload in
            let partial = "\(directory)/.\(upload.remote).partial"
            return "put \"\(upload.local)\" \"\(partial)\"\nrename \"\(partial)\" \"\(directory)/\(upload.remote)\"\n"
        }.joined()
    }

    /// The pinned key as a known-hosts line (`[host]:port` when the port is not 22).
    func knownHostsLine() -> String {
        let host = settings.port == 22 ? settings.host : "[\(settings.host)]:\(settings.port)"
        return host + " " + settings.hostKey.split(separator: " ").prefix(2).joined(separator: " ") + "\n"
    }

    private func arguments(batch: String, knownHosts: String) -> [String] {
        let options = ["BatchMode=yes", "StrictHostKeyChecking=yes", "UserKnownHostsFile=\(knownHosts)", "GlobalKnownHostsFile=/dev/null",
                       "CheckHostIP=no", "UpdateHostKeys=no", "IdentitiesOnly=yes", "PasswordAuthentication=no",
                       "KbdInteractiveAuthentication=no", "ConnectTimeout=10", "ServerAliveInterval=15", "ServerAliveCountMax=2",
                       "LogLevel=ERROR", "User=\(settings.user)"]
        let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
        return ["-F", "/dev/null", "-b", batch, "-P", String(settings.port), "-i", settings.privateKey]
            + options.flatMap { ["-o", $0] } + ["--", host]
    }

    /// sftp's failure in words a compliance officer can act on.
    static func describe(_ result: ExternalCommand.Result, place: String) -> String {
        if result.timedOut { return "the SFTP server \(place) did not finish in time" }
        let text = result.standardError
        if text.contains("Host key verification failed") || text.contains("REMOTE HOST IDENTIFICATION HAS CHANGED")
            || text.contains("No ED25519 host key is known") || text.contains("host key for") {
            return "the SFTP server \(place) did not show the pinned host key: nothing was sent"
        }
        if text.contains("Permission denied") { return "the SFTP server \(place) refused the login (key not authorised?)" }
        if text.contains("Connection refused") { return "connection refused by \(place): no SFTP server listens there" }
        if text.contains("timed out") { return "no connection to \(place) within 10 seconds" }
        let detail = text.split(separator: "\n").filter { !$0.hasPrefix("sftp>") }.suffix(2).joined(separator: "; ")
        return "the upload to \(place) failed (sftp exit \(result.status)): \(detail.prefix(240))"
    }
}
