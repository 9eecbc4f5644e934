import Foundation
import VaultCore
import VaultServer
import VaultStore

/// How `regvault serve` takes the writer role. On SQLite, at once or not at all (another process
/// holds the vault). On PostgreSQL, a node that finds another node holding the sequencer lease
/// waits as a standby (serving only `/healthz/node`, see `StandbyServer`), trying again every
/// second, and starts serving the moment the lease is its own (within the lease's length of the
/// sequencer's death); and a node that later loses its lease exits at once (status 75), since the
/// database refuses its writes from then on, so that its supervisor starts it again as a standby.
enum SequencerRole {
    /// The exit status of a node that lost its lease (EX_TEMPFAIL: start it again).
    static let lostLeaseStatus: Int32 = 75

    /// The writer, or nil when another node holds the sequencer lease (said once, on standard error).
    static func takeOver(_ vault: Vault, announced: Bool = false) throws -> LogWriter? {
        guard let store = vault.store as? PostgresStore else { return try vault.makeWriter() }
        do {
            let writer = try vault.makeWriter()
            store.whenSequencerLeaseLost {
                Output.note("this node lost the sequencer lease to another node and can no longer write; exiting "
                    + "(status \(lostLeaseStatus)) to come back as a standby")
                exit(lostLeaseStatus)
            }
            if announced { Output.note("took the sequencer lease (token \(store.sequencerToken.map(String.init) ?? "?")); serving") }
            return writer
        } catch let error as VaultError where error.code == .sequencerBusy {
            if !announced { Output.note("standby: \(error.reason); waiting to take over (trying every second)") }
            return nil
        }
    }

    /// Tries every second until this node holds the lease (after `takeOver` said it waits),
    /// recording the newest checkpoint the sequencer committed each time (`followNewestCheckpoint`),
    /// so that this node, once it takes over, refuses a log that lost what was signed before it.
    /// A log that no longer holds the checkpoint recorded before is said once, on standard error;
    /// taking over then fails with the same error.
    static func waitToTakeOver(_ vault: Vault) async throws -> LogWriter {
        var said: String?
        while true {
            try await Task.sleep(nanoseconds: 1_000_000_000)
            do {
                _ = try vault.followNewestCheckpoint()
            } catch {
                if said != "\(error)" { Output.note("standby: \(error)") }
                said = "\(error)"
            }
            if let writer = try takeOver(vault, announced: true) { return writer }
        }
    }

    /// Publishes `url` as where the standbys send clients, and says so in lines for the output
    /// (the standbys answer 503 rather than redirect when there is none, or it cannot be
    /// published), with a warning when the server certificate at `certificate` does not name the
    /// URL's host: clients that follow a redirect there would refuse the connection.
    static func advertise(_ vault: Vault, at url: String?, certificate: String) -> String {
        guard let url else {
            return "sequencer: no advertiseURL and a wildcard listen address, so standbys answer 503 rather than redirect here\n"
        }
        do {
            try vault.store.advertiseSequencer(url: url)
        } catch {
            return "sequencer: could not publish \(url) for the standbys' redirects (\(error)); they answer 503 instead\n"
        }
        var text = "sequencer: standbys redirect clients to \(url)\n"
        if let host = URLComponents(string: url)?.host, let names = try? CertificateNames(pemFile: certificate),
           !names.covers(host: host) {
            text += "sequencer: warning: the server certificate \(certificate) does not name \(host) (it names \(names)), so clients "
                + "that follow a standby's redirect to \(url) will refuse it; set advertiseURL to a name it has, or add the name\n"
        }
        return text
    }
}
