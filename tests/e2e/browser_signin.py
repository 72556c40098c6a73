#!/usr/bin/python3
"""A real browser for the tests: headless Chromium (Debian chromium,
chromium-driver, python3-selenium) signs in on the test provider's own pages.

    browser_signin.py [--wait] URL

Usable as $BROWSER: pam-jwt-login runs it with the authorization URL and goes
on waiting on its loopback listener.  It opens URL, and on each page of the
provider (tests/e2e/idp.mjs):
  - the device flow's code form (/device): types $BROWSER_SIGNIN_USER_CODE if
    the field is empty, then the confirm page's Continue (or [ Abort ] with
    BROWSER_SIGNIN_ACTION=deny);
  - the login page: types the user and the password, submits;
  - the consent page: Continue (or [ Cancel ] with BROWSER_SIGNIN_ACTION=deny);
until the browser lands outside the provider (the redirect to the client's
loopback listener: http://127.0.0.1:PORT/...) or on the device flow's
"Sign-in Success" page.  It never prints the code, state, password or a
token: one line on success ("browser_signin: signed in as alice, landed on
http://127.0.0.1:PORT/callback (title ...), 1234 ms, chromium start 456 ms"),
one line saying why on failure.

Without --wait (and BROWSER_SIGNIN_WAIT unset or 0) it detaches at once and
exits 0, as xdg-open does, so a client that waits for $BROWSER to exit before
it accepts the redirect does not deadlock; its outcome then goes to
$BROWSER_SIGNIN_LOG (appended) and to $BROWSER_SIGNIN_RESULT (written: "ok"
or "fail REASON").  With --wait it runs in the foreground: exit 0 on success,
1 on failure, 2 on bad usage.

Environment:
  BROWSER_SIGNIN_USER       login name (default alice)
  BROWSER_SIGNIN_PASSWORD   its password, or BROWSER_SIGNIN_PASSWORD_FILE (first
                            line); default "<user>-password" (idp.mjs's test users)
  BROWSER_SIGNIN_CA         the provider's CA certificate (tests/tls/mkca.sh
                            ca.pem): the one CA of a private NSS database
                            (certutil, Debian libnss3-tools) under a temporary
                            HOME that Chromium runs with
  BROWSER_SIGNIN_ACTION     approve (default) or deny
  BROWSER_SIGNIN_USER_CODE  the device flow's user code, for a bare /device URL
  BROWSER_SIGNIN_TIMEOUT    seconds for the whole sign-in (default 60)
  BROWSER_SIGNIN_PROFILE    a Chromium profile directory kept across runs (the
                            provider's session cookie: a second sign-in is then
                            silent, with no login page); default a new one each run
  BROWSER_SIGNIN_SCREENSHOT a PNG of the last page (to look at)
  BROWSER_SIGNIN_LOG, BROWSER_SIGNIN_RESULT  see above
Chromium resolves no host name but localhost (--host-resolver-rules), so it
reaches nothing outside the machine.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


def log(msg):
    print(f"browser_signin: {msg}", file=sys.stderr, flush=True)
    path = os.environ.get("BROWSER_SIGNIN_LOG")
    if path:
        with open(path, "a") as f:
            f.write(f"browser_signin: {msg}\n")


def result(ok, reason=""):
    path = os.environ.get("BROWSER_SIGNIN_RESULT")
    if path:
        with open(path + ".tmp", "w") as f:
            f.write("ok\n" if ok else f"fail {reason}\n")
        os.replace(path + ".tmp", path)


def trust_ca(home, ca_file):
    """HOME/.pki/nssdb: a new NSS database whose one trusted CA is ca_file."""
    db = os.path.join(home, ".pki", "nssdb")
    if os.path.exists(os.path.join(db, "cert9.db")):
        return
    os.makedirs(db, mode=0o700)
    for cmd in (["certutil", "-d", f"sql:{db}", "-N", "--empty-password"],
                ["certutil", "-d", f"sql:{db}", "-A", "-n", "pam_jwt test CA", "-t", "C,,", "-i", ca_file]):
        subprocess.run(cmd, check=True, capture_output=True, timeout=20)


def password():
    if os.environ.get("BROWSER_SIGNIN_PASSWORD") is not None:
        return os.environ["BROWSER_SIGNIN_PASSWORD"]
    path = os.environ.get("BROWSER_SIGNIN_PASSWORD_FILE")
    if path:
        with open(path) as f:
            return f.readline().rstrip("\n")
    return os.environ.get("BROWSER_SIGNIN_USER", "alice") + "-password"


def start_browser(profile):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    opts.page_load_strategy = "eager"  # the provider's pages @import web fonts
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check",
              "--disable-extensions", "--disable-sync", "--disable-background-networking",
              "--disable-component-update", "--disable-default-apps", "--no-proxy-server",
              "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
              "--window-size=1000,800"):
        opts.add_argument(a)
    env = dict(os.environ, HOME=profile)
    ca = os.environ.get("BROWSER_SIGNIN_CA")
    if ca:
        trust_ca(profile, ca)
    service = Service("/usr/bin/chromedriver", log_output=subprocess.DEVNULL, env=env)
    return webdriver.Chrome(options=opts, service=service)


def outside_provider(url, provider):
    """Whether the browser left the provider for the client (loopback redirect)."""
    u = urllib.parse.urlsplit(url)
    if u.scheme == "chrome-error":
        return True
    return (u.scheme, u.netloc) != (provider.scheme, provider.netloc) and u.scheme in ("http", "https")


def sign_in(url):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    user = os.environ.get("BROWSER_SIGNIN_USER", "alice")
    action = os.environ.get("BROWSER_SIGNIN_ACTION", "approve")
    deadline = time.monotonic() + float(os.environ.get("BROWSER_SIGNIN_TIMEOUT", "60"))
    provider = urllib.parse.urlsplit(url)
    if provider.scheme != "https":
        return False, "not an https URL"
    keep = os.environ.get("BROWSER_SIGNIN_PROFILE")
    profile = keep or tempfile.mkdtemp(prefix="browser_signin.")
    t0 = time.monotonic()
    driver = None
    try:
        driver = start_browser(profile)
        t_start = time.monotonic() - t0
        driver.set_page_load_timeout(30)
        driver.get(url)
        last, same = None, 0
        while time.monotonic() < deadline:
            cur = driver.current_url
            if outside_provider(cur, provider):
                u = urllib.parse.urlsplit(cur)
                where = f"{u.scheme}://{u.netloc}{u.path}"  # never the query: code, state
                if u.scheme == "chrome-error" or "ERR_" in driver.page_source[:20000]:
                    return False, f"the redirect to {where} got no answer"
                ms = int((time.monotonic() - t0) * 1000)
                return True, (f"signed in as {user}, landed on {where} (title {driver.title!r}), "
                              f"{ms} ms, chromium start {int(t_start * 1000)} ms")
            page = driver.page_source
            if "Sign-in Success" in driver.title:
                ms = int((time.monotonic() - t0) * 1000)
                return True, f"signed in as {user} (device flow), {ms} ms, chromium start {int(t_start * 1000)} ms"
            if 'id="error"' in page and "Sign-in failed" in driver.title:
                return False, f"the provider refused the login of {user}"
            if "was interrupted" in page or "access_denied" in page or "aborted" in page.lower():
                return action == "deny", "the sign-in was denied" if action == "deny" else "the provider says the sign-in was aborted"
            if (cur, page) == last:
                same += 1
                if same > 50:
                    return False, f"stuck on {urllib.parse.urlsplit(cur).path} ({driver.title!r})"
                time.sleep(0.1)
                continue
            last, same = (cur, page), 0
            if os.environ.get("BROWSER_SIGNIN_DEBUG"):
                log(f"{int((time.monotonic() - t0) * 1000)} ms: {urllib.parse.urlsplit(cur).path} {driver.title!r}")
            forms = {f.get_attribute("id"): f for f in driver.find_elements(By.TAG_NAME, "form")}
            inputs = {i.get_attribute("name"): i for i in driver.find_elements(By.TAG_NAME, "input")}
            if "op.deviceInputForm" in forms:
                code = os.environ.get("BROWSER_SIGNIN_USER_CODE", "")
                field = inputs.get("user_code")
                if field is not None and not field.get_attribute("value"):
                    if not code:
                        return False, "the device page asks for a user code: set BROWSER_SIGNIN_USER_CODE"
                    field.send_keys(code)
                driver.find_element(By.CSS_SELECTOR, 'button[form="op.deviceInputForm"]').click()
            elif "op.deviceConfirmForm" in forms:
                sel = 'button[name="abort"]' if action == "deny" else 'button[form="op.deviceConfirmForm"][autofocus]'
                driver.find_element(By.CSS_SELECTOR, sel).click()
            elif "login" in inputs and "password" in inputs:
                inputs["login"].clear()
                inputs["login"].send_keys(user)
                inputs["password"].send_keys(password())
                inputs["password"].submit()
            elif inputs.get("prompt") is not None and inputs["prompt"].get_attribute("value") == "consent":
                if action == "deny":
                    driver.find_element(By.LINK_TEXT, "[ Cancel ]").click()
                else:
                    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            elif "oops" in page.lower() or "error" in driver.title.lower():
                # oidc-provider's error page: error and error_description only
                text = driver.find_element(By.TAG_NAME, "body").text.replace("\n", " ")[:300]
                return False, f"the provider showed an error: {text}"
            else:
                time.sleep(0.1)
        return False, "timed out"
    except WebDriverException as e:
        return False, f"browser error: {e.msg or type(e).__name__}"
    finally:
        shot = os.environ.get("BROWSER_SIGNIN_SCREENSHOT")
        if driver is not None:
            if shot:
                try:
                    driver.save_screenshot(shot)
                except WebDriverException:
                    pass
            driver.quit()
        if not keep:
            shutil.rmtree(profile, ignore_errors=True)


def main():
    args = sys.argv[1:]
    wait = os.environ.get("BROWSER_SIGNIN_WAIT", "0") not in ("", "0")
    if args and args[0] == "--wait":
        wait, args = True, args[1:]
    if len(args) != 1:
        print("usage: browser_signin.py [--wait] URL", file=sys.stderr)
        return 2
    if not wait:
        # Detach like xdg-open: the caller goes on at once.
        if os.fork() > 0:
            return 0
        os.setsid()
        if os.fork() > 0:
            os._exit(0)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)  # a caller reading our stdout to its end does not wait for us
    ok, msg = sign_in(args[0])
    log(msg)
    result(ok, msg)
    if not wait:
        os._exit(0 if ok else 1)
    return 0 if ok else 1


sys.exit(main())
