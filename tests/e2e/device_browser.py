#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""The test "browser" for the device flow: drives the provider's own pages.

    device_browser.py ISSUER CAFILE USER_CODE approve|deny [LOGIN]

approve: GET /device?user_code=..., submit its confirm form, sign in as
LOGIN (default alice) on the interaction login page, grant consent, and
check the provider's success page.  deny: the confirm form's [ Abort ].
A cookie jar carries the provider's session and xsrf state between pages.
Exit 0 when the provider showed the expected outcome.  Never prints the code.
"""
import html.parser
import http.cookiejar
import ssl
import sys
import urllib.parse
import urllib.request


class Forms(html.parser.HTMLParser):
    """Every <form>: its action, its named inputs, and named submit buttons."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"id": a.get("id"), "action": a.get("action"), "fields": {}})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""


def main():
    issuer, cafile, user_code, action = sys.argv[1:5]
    login = sys.argv[5] if len(sys.argv) > 5 else "alice"
    ctx = ssl.create_default_context(cafile=cafile)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx),
                                         urllib.request.HTTPCookieProcessor(jar))

    def get(url):
        with opener.open(url, timeout=20) as r:
            return r.geturl(), r.read().decode()

    def post(url, fields):
        data = urllib.parse.urlencode(fields).encode()
        with opener.open(url, data=data, timeout=20) as r:
            return r.geturl(), r.read().decode()

    def form_of(url, page, fid=None):
        p = Forms()
        p.feed(page)
        for f in p.forms:
            if fid is None or f["id"] == fid:
                return urllib.parse.urljoin(url, f["action"] or url), dict(f["fields"])
        raise SystemExit(f"device_browser: no form {fid or ''} on {url}")

    url, page = get(issuer + "/device?" + urllib.parse.urlencode({"user_code": user_code}))
    if 'id="op.deviceConfirmForm"' not in page:
        # the code came in the link: the page posts it (with its xsrf) itself
        url, page = post(*form_of(url, page))
    target, fields = form_of(url, page, "op.deviceConfirmForm")
    if action == "deny":
        fields["abort"] = "yes"
        url, page = post(target, fields)
        ok = "Sign-in" in page and ("aborted" in page.lower() or "interrupted" in page.lower()
                                    or "denied" in page.lower())
        print("browser: denied" if ok else "browser: unexpected page after abort")
        return 0 if ok else 1
    url, page = post(target, fields)
    for _ in range(4):  # login, then consent (each an interaction page)
        if "Sign-in Success" in page:
            break
        target, fields = form_of(url, page)
        if fields.get("prompt") == "login":
            fields.update(login=login, password="any")
        url, page = post(target, fields)
    ok = "Sign-in Success" in page
    print(f"browser: approved as {login}" if ok else "browser: no success page")
    return 0 if ok else 1


sys.exit(main())
