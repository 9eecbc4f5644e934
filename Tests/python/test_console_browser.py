"""The inspector's console in a real browser: headless Chromium with a client certificate, against
`regvault serve --dev` on a loopback port.

What an inspector does: pin the verifier key they were given, search bonus rule 123, page its history,
read a before → after value, and trust the green mark only because the browser itself checked the
proofs and the checkpoint's signature. A page whose evidence was altered on the way (a test double
serving the real page with one proof hash changed) must show the red mark, and so must a checkpoint
checked against the wrong key. Without a certificate nothing opens; a regulator_read certificate
cannot open the compliance officer's pages; every page view is in the access journal.

Set REGVAULT_SCREENSHOTS=DIR to keep screenshots of the main pages (docs/ holds the published ones).
"""

import base64
import http.server
import json
import os
import re
import threading
import urllib.parse
from pathlib import Path

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By

from browser import browser, click_and_wait, install_certificate_policy, pin_key, proof_mark
from conftest import MutualTLSClient, dev_server


@pytest.fixture(scope="module")
def console(make_vault, generate):
    install_certificate_policy()
    vault = make_vault("console.regvault.test/log")
    vault.append_lines(generate(5000, 1), "records.jsonl")
    with dev_server(vault.data) as running:
        running["key"] = vault.keys_public().strip()
        running["client"] = MutualTLSClient(running)
        yield running


def screenshot(driver, name):
    folder = os.environ.get("REGVAULT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"console-{name}.png"))


def test_an_inspector_searches_pages_and_sees_the_browser_check_the_proofs(console):
    url = console["url"]
    with browser(console["certs"], "regulator_read") as driver:
        driver.get(url + "/console/entity?type=bonusRule&id=123&limit=5")
        assert proof_mark(driver)[0] == "unpinned", "with no key pinned the mark must not be green"
        marks = [el.text for el in driver.find_elements(By.CSS_SELECTOR, "li.version .row-mark")]
        assert marks == ["○ not proved yet"] * 5, "no row is green before the signature is checked"
        assert "Pinned" in pin_key(driver, url, console["key"])

        driver.get(url + "/")
        screenshot(driver, "home")
        state, text = proof_mark(driver)
        assert state == "verified", text
        type_field = driver.find_element(By.ID, "type")
        type_field.clear()
        type_field.send_keys("bonusRule")
        driver.find_element(By.ID, "id").send_keys("123 ")  # a space, as pasted from a document
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/console/entity'] button"))

        assert driver.find_element(By.TAG_NAME, "h1").text == "bonusRule 123"
        state, text = proof_mark(driver)
        assert state == "verified", text
        assert "Proofs checked in this browser" in text and "pinned key console.regvault.test/log" in text
        versions = driver.find_elements(By.CSS_SELECTOR, "li.version")
        assert len(versions) == 100, "a page holds 100 versions"
        assert all(v.find_element(By.CLASS_NAME, "row-mark").text == "✓ proved" for v in versions)
        assert driver.find_element(By.CSS_SELECTOR, "li.version h2").text == "Version 1"
        # Version 2 changed fields of version 1: the table shows each touched field before and after.
        second = versions[1].find_elements(By.CSS_SELECTOR, "table.changes tbody tr")
        assert second, "version 2 lists the fields it touched"
        before = second[0].find_element(By.CLASS_NAME, "before").text
        after = second[0].find_element(By.CLASS_NAME, "after").text
        assert before != after, (before, after)
        first_rows = {row.find_element(By.CLASS_NAME, "path").text: row.find_element(By.CLASS_NAME, "after").text
                      for row in versions[0].find_elements(By.CSS_SELECTOR, "table.changes tbody tr")}
        assert "maxBonus" in first_rows and first_rows["maxBonus"].isdigit(), first_rows
        screenshot(driver, "entity")

        click_and_wait(driver, driver.find_element(By.LINK_TEXT, "Next page →"))
        assert driver.find_element(By.CSS_SELECTOR, "li.version h2").text == "Version 101"
        assert proof_mark(driver)[0] == "verified"
        assert "Versions 101 to" in driver.find_element(By.CLASS_NAME, "count").text
        # "The same as JSON" is this page: the same position in the trail.
        page_json = driver.find_element(By.LINK_TEXT, "The same as JSON").get_attribute("href")
        status, body = console["client"].json("regulator_read", "GET", page_json[len(url):])
        assert status == 200 and body["changes"][0]["version"] == 101, page_json

        # A stream, filtered by recorded time, and its CSV download link.
        driver.get(url + "/console/logs/payment?limit=20")
        assert proof_mark(driver)[0] == "verified"
        rows = driver.find_elements(By.CSS_SELECTOR, "table.records tbody tr")
        assert len(rows) == 20
        assert "amount: " in rows[0].find_element(By.CLASS_NAME, "summary").text
        assert "when the vault recorded each record" in driver.find_element(By.CLASS_NAME, "hint").text
        screenshot(driver, "stream")
        csv_link = driver.find_element(By.LINK_TEXT, "Download this window as CSV").get_attribute("href")
        assert csv_link.endswith("/console/logs/payment/csv")

        driver.get(url + "/console/player/" + rows[0].find_element(By.CLASS_NAME, "player").text)
        assert proof_mark(driver)[0] == "verified"
        assert driver.find_elements(By.CSS_SELECTOR, "table.records tbody tr")


def test_what_a_person_types_is_understood_or_explained(console):
    client = console["client"]
    # Form encoding: a space is '+', and stray spaces around a value are not part of it.
    status, _, page = client.request("regulator_read", "GET", "/console/reports?period=2026-01+")
    assert status == 200 and b"Reports covering 2026-01" in page
    status, _, page = client.request("regulator_read", "GET", "/console/logs/payment?from=2001-01-01&to=2001-01-02+10%3A00")
    assert status == 200 and b"Nothing was recorded in this window" in page and b'value="2001-01-02 10:00"' in page
    status, _, page = client.request("regulator_read", "GET", "/console/logs/payment?from=yesterday")
    assert status == 400 and b"is not a time for from" in page
    status, _, page = client.request("regulator_read", "GET", "/console/player/p-nobody")
    assert status == 200 and b"The vault holds no record about a player p-nobody" in page
    status, _, page = client.request("regulator_read", "GET", "/console/entity?type=bonusRule&id=123&limit=abc")
    assert status == 400 and b"limit must be a whole number from 1 to 1000" in page


def test_every_page_view_is_in_the_access_journal(console):
    client = console["client"]
    status, _, _ = client.request("regulator_read", "GET", "/console/entity?type=bonusRule&id=123&limit=3")
    assert status == 200
    status, body = client.json("compliance_officer", "GET", "/regulator/logs/vault.access?limit=1000")
    assert status == 200
    views = [json.loads(base64.b64decode(r["record"]))["request"] for r in body["records"]
             if r["entity"]["id"] == "regulator_read"]
    assert any(v["path"] == "/console/entity" and "limit=3" in v["query"] and v["status"] == 200 for v in views), views


def test_the_csv_download_holds_every_record_of_the_window(console):
    client = console["client"]
    status, headers, body = client.request("regulator_read", "GET", "/console/logs/payment/csv")
    assert status == 200
    assert dict(headers)["Content-Disposition"] == 'attachment; filename="payment.csv"'
    lines = body.decode().split("\r\n")
    assert lines[0].startswith("seq,recordedAt,occurredAt,stream") and ",amount,currency," in lines[0]
    _, listing = client.json("regulator_read", "GET", "/regulator/logs/payment?limit=1000")
    count = len(listing["records"])
    while listing["nextCursor"]:
        _, listing = client.json("regulator_read", "GET", "/regulator/logs/payment?limit=1000&cursor=" + listing["nextCursor"])
        count += len(listing["records"])
    assert len([line for line in lines[1:] if line]) == count > 1000, "more than one page, all of it"


def test_a_tampered_proof_shows_the_red_mark(console):
    """A test double serves the console's real entity page with one inclusion-proof hash changed."""
    client = console["client"]
    status, headers, page = client.request("regulator_read", "GET", "/console/entity?type=bonusRule&id=123&limit=10")
    assert status == 200
    html = page.decode()
    match = re.search(r'(<script type="application/json" id="evidence-data">)(.*?)(</script>)', html, re.S)
    evidence = json.loads(match.group(2))
    proof = base64.b64decode(evidence["items"][3]["proof"]["hashes"][0])
    evidence["items"][3]["proof"]["hashes"][0] = base64.b64encode(bytes([proof[0] ^ 1]) + proof[1:]).decode()
    tampered = html.replace(match.group(2), json.dumps(evidence, separators=(",", ":")).replace("<", "\\u003c"))
    assets = {path: client.request("regulator_read", "GET", path)[2] for path in
              ("/console/assets/console.js", "/console/assets/console.css")}
    csp = dict(headers)["Content-Security-Policy"]

    class Double(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            path = urllib.parse.urlsplit(self.path).path
            body, kind = (tampered.encode(), "text/html; charset=utf-8") if path == "/console/entity" else \
                (assets.get(path, b""), "text/javascript" if path.endswith(".js") else "text/css")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Security-Policy", csp)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Double)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    double = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with browser(console["certs"], None) as driver:
            driver.get(double + "/console/entity")
            driver.execute_script("localStorage.setItem('regvault.verifierKey', arguments[0])", console["key"])
            driver.get(double + "/console/entity?again")
            state, text = proof_mark(driver)
            assert state == "failed", text
            assert f"the inclusion proof of record {evidence['items'][3]['seq']} does not lead to the checkpoint" in text
            marks = [el.text for el in driver.find_elements(By.CSS_SELECTOR, "li.version .row-mark")]
            # No row is green on a page that failed: the altered one is red, the others not proved.
            assert marks.count("✗ not proved") == 1 and marks.count("○ not proved") == 9, marks
            screenshot(driver, "tampered")
    finally:
        server.shutdown()


def test_a_checkpoint_checked_against_another_key_is_red(console):
    other = "other.example/log+" + "00000000+" + base64.b64encode(b"\x01" + bytes(32)).decode()
    with browser(console["certs"], "regulator_read") as driver:
        status = pin_key(driver, console["url"], other)
        assert status.startswith("Not pinned: the key id does not match"), status
        # A well-formed key of someone else: the signature is not theirs.
        pinned = pin_key(driver, console["url"], "demo.sandbox/log+" + _key_id("demo.sandbox/log", bytes(range(32))) + "+"
                         + base64.b64encode(b"\x01" + bytes(range(32))).decode())
        assert pinned.startswith("Pinned"), pinned
        driver.get(console["url"] + "/console/entity?type=bonusRule&id=123&limit=5")
        state, text = proof_mark(driver)
        assert state == "failed" and "no signature by your pinned key demo.sandbox/log+" in text, text
        assert "(it is signed by console.regvault.test/log+" in text, text


def _key_id(name: str, key: bytes) -> str:
    import hashlib
    return hashlib.sha256(name.encode() + b"\n\x01" + key).digest()[:4].hex()


def test_without_a_certificate_no_page_opens(console):
    with browser(console["certs"], None) as driver:
        for path in ("/", "/console/entity?type=bonusRule&id=123", "/console/assets/console.js"):
            try:
                driver.get(console["url"] + path)
            except WebDriverException as error:  # Chromium reports the refused handshake on a first visit
                assert "ERR_BAD_SSL_CLIENT_AUTH_CERT" in str(error)
            # and otherwise shows its own error page, never the vault's.
            assert driver.execute_script("return document.documentURI").startswith("chrome-error://"), path
            assert "RegVault" not in driver.page_source


def test_compliance_pages_are_the_compliance_officers(console):
    with browser(console["certs"], "regulator_read") as driver:
        driver.get(console["url"] + "/console/holds")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Not for this certificate"
        assert not driver.find_elements(By.LINK_TEXT, "Legal holds")
        driver.get(console["url"] + "/console/access")
        assert "Your own requests as regulator_read" in driver.find_element(By.CLASS_NAME, "hint").text
    with browser(console["certs"], "compliance_officer") as driver:
        driver.get(console["url"] + "/console/holds")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Legal holds"
        driver.get(console["url"] + "/console/access")
        assert "Every inspector request" in driver.find_element(By.CLASS_NAME, "hint").text
        identities = {row.find_element(By.CSS_SELECTOR, "td:nth-child(4)").text
                      for row in driver.find_elements(By.CSS_SELECTOR, "table.records tbody tr")}
        assert "inspector regulator_read" in identities, identities
    with browser(console["certs"], "ingest") as driver:
        driver.get(console["url"] + "/")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Not for this certificate"


def test_the_sandbox_has_the_same_console(console):
    served = console["client"].request("sandbox", "GET", "/sandbox/regulator/key")[2].decode().strip()
    with browser(console["certs"], "sandbox") as driver:
        driver.get(console["url"] + "/sandbox")
        assert "sandbox" in driver.find_element(By.CLASS_NAME, "badge").text
        driver.get(console["url"] + "/sandbox/console/key")
        assert driver.find_element(By.ID, "served-key").text == served
        assert pin_key(driver, console["url"] + "/sandbox", served).startswith("Pinned")
        driver.get(console["url"] + "/sandbox/console/logs/payment?limit=10")
        state, text = proof_mark(driver)
        assert state == "verified", text
        assert len(driver.find_elements(By.CSS_SELECTOR, "table.records tbody tr")) == 10
        screenshot(driver, "sandbox")
        # A sandbox certificate opens the sandbox and nothing else.
        driver.get(console["url"] + "/")
        assert "sandbox_only" in driver.page_source
