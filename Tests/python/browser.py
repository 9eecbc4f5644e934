"""Headless Chromium (Debian's `chromium` and `chromium-driver`) driven by Selenium, holding one client
certificate, as an inspector's browser would.

Chromium on Linux reads client certificates and trusted CAs from the NSS database under $HOME, so each
browser gets a HOME of its own with the development CA trusted and at most one client certificate (or
none). A managed policy (`AutoSelectCertificateForUrls`, in /etc/chromium/policies/managed, which
needs root) lets it present that certificate to https://127.0.0.1 without asking, as a person would
by clicking it once in the certificate dialog.
"""

import json
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
POLICY = Path("/etc/chromium/policies/managed/regvault-tests.json")


def install_certificate_policy():
    """Lets Chromium present the one client certificate it has to any loopback HTTPS port."""
    policy = {"AutoSelectCertificateForUrls": [json.dumps({"pattern": "https://127.0.0.1:*", "filter": {}})]}
    try:
        POLICY.parent.mkdir(parents=True, exist_ok=True)
        POLICY.write_text(json.dumps(policy))
    except PermissionError as error:
        raise AssertionError(f"the browser tests need root to write {POLICY} (Chromium's managed policies): {error}")


def _nss_home(certs: Path, role):
    """A HOME whose NSS database trusts the development CA and holds `role`'s certificate and key."""
    home = Path(tempfile.mkdtemp(prefix="regvault-browser-"))
    db = home / ".pki" / "nssdb"
    db.mkdir(parents=True)
    run = lambda *args: subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
    run("certutil", "-N", "-d", f"sql:{db}", "--empty-password")
    run("certutil", "-A", "-d", f"sql:{db}", "-n", "regvault-dev-ca", "-t", "C,,", "-i", str(certs / "ca.pem"))
    if role is not None:
        bundle = home / f"{role}.p12"
        run("openssl", "pkcs12", "-export", "-in", str(certs / f"{role}.pem"), "-inkey", str(certs / f"{role}.key"),
            "-out", str(bundle), "-passout", "pass:", "-name", role)
        run("pk12util", "-i", str(bundle), "-d", f"sql:{db}", "-W", "")
    return home


@contextmanager
def browser(certs: Path, role, width=1280, height=1000):
    """A headless Chromium whose only client certificate is `role`'s (None: no certificate)."""
    home = _nss_home(certs, role)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={width},{height}", f"--user-data-dir={home / 'profile'}"):
        options.add_argument(argument)
    service = Service(executable_path=CHROMEDRIVER, env={**os.environ, "HOME": str(home)})
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.set_page_load_timeout(60)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(home, ignore_errors=True)


def proof_mark(driver, timeout=30):
    """Waits until the page's proof check has finished; returns (state, text) of its mark."""
    WebDriverWait(driver, timeout).until(
        lambda d: d.find_element(By.ID, "proof-mark").get_attribute("data-state") != "pending")
    element = driver.find_element(By.ID, "proof-mark")
    return element.get_attribute("data-state"), element.text


def pin_key(driver, base_url: str, key: str):
    """Pins `key` on the console's key page, as an inspector does by pasting it."""
    driver.get(base_url + "/console/key")
    field = driver.find_element(By.ID, "pin-input")
    field.clear()
    field.send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#pin-form button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "pin-status").text != "")
    return driver.find_element(By.ID, "pin-status").text


def click_and_wait(driver, element, timeout=30):
    """Clicks a link or button that opens another page, and waits until that page has loaded."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, timeout).until(expected_conditions.staleness_of(page))
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.readyState") == "complete")
