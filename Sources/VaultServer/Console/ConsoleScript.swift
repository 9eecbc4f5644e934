/// The console's only script: it checks, in the browser and with the browser's own cryptography
/// (WebCrypto SHA-256 and Ed25519), the evidence a page embeds, and keeps the pinned verifier key.
///
/// For each record shown: SHA-256(salt ‖ record) equals the commitment in the last 32 bytes of its
/// entry (RFC docs/ARCHIVE.md), the row's event id is the record's, and the RFC 9162 inclusion
/// proof from the leaf hash SHA-256(0x00 ‖ entry) leads to the checkpoint's root. Then the
/// checkpoint (a C2SP signed note) must carry a valid Ed25519 signature by the pinned key. The
/// mark says which of these held: `data-state` is `verified`, `failed`, `unpinned` (all held but
/// no key is pinned) or `unsupported` (no Ed25519 in this browser's WebCrypto).
enum ConsoleScript {
    static let text = #"""
    'use strict';
    (function () {
      const PINNED = 'regvault.verifierKey';
      const subtle = window.crypto && window.crypto.subtle;
      const utf8 = new TextEncoder();

      function bytes(base64) { return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)); }
      function concat(...parts) {
        const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) { out.set(p, at); at += p.length; }
        return out;
      }
      function equal(a, b) { return a.length === b.length && a.every((x, i) => x === b[i]); }
      async function sha256(data) { return new Uint8Array(await subtle.digest('SHA-256', data)); }

      // RFC 9162 section 2.1.3.2: the root an inclusion proof leads to, or null if it cannot.
      async function rootFromInclusion(index, size, leaf, proof) {
        let fn = BigInt(index), sn = BigInt(size) - 1n, r = leaf;
        if (fn > sn) return null;
        for (const p of proof) {
          if (sn === 0n) return null;
          if (fn % 2n === 1n || fn === sn) {
            r = await sha256(concat([1], p, r));
            if (fn % 2n === 0n) { while (fn % 2n === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; } }
          } else {
            r = await sha256(concat([1], r, p));
          }
          fn >>= 1n; sn >>= 1n;
        }
        return sn === 0n ? r : null;
      }

      // A C2SP signed note: the signed text and its signature lines.
      function parseNote(note) {
        const split = note.indexOf('\n\n');
        if (split < 0) throw new Error('the checkpoint is not a signed note');
        const text = note.slice(0, split + 1);
        const signatures = note.slice(split + 2).split('\n').filter((l) => l.length > 0).map((line) => {
          const m = /^\u2014 (\S+) (\S+)$/.exec(line);
          if (!m) throw new Error('a signature line of the checkpoint is malformed');
          const raw = bytes(m[2]);
          return { name: m[1], keyId: raw.slice(0, 4), signature: raw.slice(4) };
        });
        const lines = text.split('\n');
        if (lines.length < 4 || !/^[0-9]+$/.test(lines[1])) throw new Error('the checkpoint body is malformed');
        return { text, signatures, origin: lines[0], size: lines[1], root: bytes(lines[2]) };
      }

      // A note verifier key, name+hexkeyid+base64(0x01 || key), its key id checked.
      async function parseKey(text) {
        // The key's base64 may itself hold '+': split at the first two only.
        const m = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(text.trim());
        if (!m) throw new Error('a verifier key reads name+keyid+key');
        const parts = m.slice(1);
        let raw;
        try { raw = bytes(parts[2]); } catch (e) { throw new Error('the key part is not base64'); }
        if (raw.length !== 33 || raw[0] !== 1) throw new Error('this is not an Ed25519 verifier key');
        const id = (await sha256(concat(utf8.encode(parts[0] + '\n'), raw))).slice(0, 4);
        const hex = Array.from(id, (b) => b.toString(16).padStart(2, '0')).join('');
        if (hex !== parts[1]) throw new Error('the key id does not match the name and key: the key was mistyped');
        return { name: parts[0], keyId: id, publicKey: raw.slice(1), text: text.trim() };
      }

      function mark(state, message) {
        const el = document.getElementById('proof-mark');
        if (!el) return;
        el.dataset.state = state;
        el.dataset.checkedAt = String(Math.round(performance.now()));  // when the check ended, for the benchmark
        el.className = 'mark ' + state;
        el.textContent = message;
        if (state === 'unpinned') {
          const link = document.createElement('a');
          link.href = document.body.dataset.base + '/console/key';
          link.textContent = 'Pin the verifier key';
          el.append(' ', link);
        }
      }

      // Each row's own mark, set once the page's verdict is known: a row is green only when its
      // proofs held and the checkpoint's signature verified with the pinned key.
      function rowMarks(results, verified, pending) {
        for (const [seq, ok] of results) {
          for (const el of document.querySelectorAll('[data-seq="' + seq + '"] .row-mark')) {
            el.textContent = !ok ? '✗ not proved' : verified ? '✓ proved' : pending ? '○ not proved yet' : '○ not proved';
            el.classList.add(!ok ? 'bad' : verified ? 'ok' : 'warn');
          }
        }
      }

      async function checkItem(item, checkpoint, failures) {
        const entry = bytes(item.entry);
        if (item.record) {
          const commitment = await sha256(concat(bytes(item.salt), bytes(item.record)));
          if (!equal(commitment, entry.slice(entry.length - 32))) {
            failures.push('record ' + item.seq + ' does not match the commitment in its entry');
            return false;
          }
          let eventId = null;
          try { eventId = JSON.parse(new TextDecoder().decode(bytes(item.record))).eventId; } catch (e) { /* reported below */ }
          if (eventId !== item.eventId) {
            failures.push('record ' + item.seq + ' is not the event the page shows');
            return false;
          }
        }
        if (!item.proof) return null;
        if (String(item.proof.treeSize) !== checkpoint.size) {
          failures.push('the proof of record ' + item.seq + ' is for another tree size');
          return false;
        }
        const leaf = await sha256(concat([0], entry));
        const root = await rootFromInclusion(item.seq, item.proof.treeSize, leaf, item.proof.hashes.map(bytes));
        if (!root || !equal(root, checkpoint.root)) {
          failures.push('the inclusion proof of record ' + item.seq + ' does not lead to the checkpoint');
          return false;
        }
        return true;
      }

      async function checkSignature(checkpoint, key) {
        const signature = checkpoint.signatures.find((s) => s.name === key.name && equal(s.keyId, key.keyId));
        const pinned = key.name + '+' + Array.from(key.keyId, (b) => b.toString(16).padStart(2, '0')).join('');
        if (!signature) {
          const by = checkpoint.signatures.map((s) => s.name + '+' + Array.from(s.keyId, (b) => b.toString(16).padStart(2, '0')).join(''));
          return 'the checkpoint carries no signature by your pinned key ' + pinned + ' (it is signed by ' + by.join(', ') + ')';
        }
        const publicKey = await subtle.importKey('raw', key.publicKey, { name: 'Ed25519' }, false, ['verify']);
        const ok = await subtle.verify({ name: 'Ed25519' }, publicKey, signature.signature, utf8.encode(checkpoint.text));
        return ok ? null : 'the checkpoint signature does not verify with your pinned key ' + pinned;
      }

      async function checkPage() {
        const data = document.getElementById('evidence-data');
        if (!data) return;
        if (!subtle) { mark('failed', '✗ This page is not a secure context, so the browser cannot check its proofs.'); return; }
        const failures = [];
        const results = new Map();  // seq → whether its own checks held
        let checkpoint;
        try {
          const evidence = JSON.parse(data.textContent);
          checkpoint = parseNote(evidence.checkpoint);
          for (const item of evidence.items) {
            const result = await checkItem(item, checkpoint, failures);
            if (result !== null) results.set(item.seq, result);
          }
        } catch (error) {
          failures.push(error.message);
        }
        const proved = [...results.values()].filter((ok) => ok).length;
        if (failures.length > 0) {
          rowMarks(results, false);
          const more = failures.length > 1 ? ' (and ' + (failures.length - 1) + ' more problems)' : '';
          mark('failed', '✗ Not proved: ' + failures[0] + more + '. Do not rely on this page.');
          return;
        }
        const records = proved === 1 ? 'The 1 record on this page matches its entry and its inclusion proof leads'
          : 'The ' + proved + ' records on this page match their entries and their inclusion proofs lead';
        const pinned = localStorage.getItem(PINNED);
        if (!pinned) {
          rowMarks(results, false, true);
          mark('unpinned', (proved === 0 ? '' : records + ' to the root of the checkpoint of size ' + checkpoint.size + ', but ')
            + 'no verifier key is pinned in this browser, so the checkpoint\'s signature is unchecked and nothing here is proved yet.');
          return;
        }
        let problem, key;
        try {
          key = await parseKey(pinned);
          problem = await checkSignature(checkpoint, key);
        } catch (error) {
          rowMarks(results, false);
          if (error.name === 'NotSupportedError') {
            mark('unsupported', 'This browser cannot check Ed25519 signatures, so nothing here is proved. Use a current Chrome, Edge, Firefox or Safari, or check an export with regvault-verify.');
            return;
          }
          problem = error.message;
        }
        if (problem) { rowMarks(results, false); mark('failed', '✗ Not proved: ' + problem + '. Do not rely on this page.'); return; }
        rowMarks(results, true);
        const signer = key.name + '+' + Array.from(key.keyId, (b) => b.toString(16).padStart(2, '0')).join('');
        if (proved === 0) {
          mark('verified', '✓ Checked in this browser: the checkpoint of size ' + checkpoint.size + ' is signed by your pinned key ' + signer + '.');
          return;
        }
        mark('verified', '✓ Proofs checked in this browser. ' + records + ' to the checkpoint of size '
          + checkpoint.size + ', and its signature verifies with your pinned key ' + signer + '.');
      }

      function keyPage() {
        const form = document.getElementById('pin-form');
        if (!form) return;
        const input = document.getElementById('pin-input');
        const status = document.getElementById('pin-status');
        const shown = document.getElementById('pinned-key');
        shown.textContent = localStorage.getItem(PINNED) || 'none';
        form.addEventListener('submit', async (event) => {
          event.preventDefault();
          try {
            const key = await parseKey(input.value);
            localStorage.setItem(PINNED, key.text);
            shown.textContent = key.text;
            status.textContent = 'Pinned. Every page now checks its checkpoint against this key.';
            status.className = 'ok';
          } catch (error) {
            status.textContent = 'Not pinned: ' + error.message + '.';
            status.className = 'bad';
          }
        });
        document.getElementById('unpin').addEventListener('click', () => {
          localStorage.removeItem(PINNED);
          shown.textContent = 'none';
          status.textContent = 'No key is pinned now.';
          status.className = '';
        });
      }

      keyPage();
      checkPage().catch((error) => mark('failed', '✗ Not proved: ' + error.message));
    })();

    """#
}
