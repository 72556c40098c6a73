/* device_from networks, verification-link origins, and the config keys of
 * the device flow's limits (lib/net.c, lib/conf.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "net.h"
#include "tap.h"

static int matches(const char *nets, const char *addr)
{
	struct jwt_nets n = { NULL, 0 };
	char err[256];
	int r;

	if (jwt_nets_parse(nets, "device_from", &n, err, sizeof(err)) != 0)
		return -1;
	r = jwt_nets_match(&n, addr);
	jwt_nets_free(&n);
	return r;
}

static int parses(const char *nets)
{
	struct jwt_nets n = { NULL, 0 };
	char err[256];
	int r = jwt_nets_parse(nets, "device_from", &n, err, sizeof(err));

	jwt_nets_free(&n);
	return r == 0;
}

static const char *origin(const char *url)
{
	static char buf[300];
	struct jwt_origin o;

	if (jwt_url_origin(url, &o) != 0)
		return "refused";
	snprintf(buf, sizeof(buf), "%s:%u", o.host, o.port);
	return buf;
}

static struct jwt_config *conf(const char *text, char *err, size_t errcap)
{
	return jwt_config_parse(text, strlen(text), "t.conf", err, errcap);
}

#define ISSUER "[issuer d]\nissuer = https://sso.example.com/realms/x\naudience = a\n" \
               "device_flow = yes\nclient_id = c\n"

int main(void)
{
	struct jwt_config *cfg;
	char err[512];

	/* networks */
	ok(matches("10.0.0.0/8", "10.200.3.4") == 1, "IPv4 inside /8");
	ok(matches("10.0.0.0/8", "11.0.0.1") == 0, "IPv4 outside /8");
	ok(matches("192.168.1.0/25", "192.168.1.127") == 1, "/25: last inside");
	ok(matches("192.168.1.0/25", "192.168.1.128") == 0, "/25: first outside");
	ok(matches("203.0.113.7", "203.0.113.7") == 1, "a bare address is one host");
	ok(matches("203.0.113.7", "203.0.113.8") == 0, "a bare address: its neighbour is not");
	ok(matches("0.0.0.0/0", "198.51.100.1") == 1, "/0 holds every IPv4 address");
	ok(matches("0.0.0.0/0", "2001:db8::1") == 0, "an IPv4 network never holds an IPv6 client");
	ok(matches("2001:db8::/32", "2001:db8:ffff::1") == 1, "IPv6 inside /32");
	ok(matches("2001:db8::/32", "2001:db9::1") == 0, "IPv6 outside /32");
	ok(matches("2001:db8::/33", "2001:db8:8000::1") == 0, "IPv6 /33: bit 33 counts");
	ok(matches("::1", "::1") == 1, "IPv6 loopback host");
	ok(matches("10.0.0.0/8", "::ffff:10.1.2.3") == 1, "IPv4-mapped IPv6 client counts as IPv4");
	ok(matches("10.0.0.0/8 2001:db8::/32", "2001:db8::5") == 1, "a list: the second network");
	ok(matches("10.0.0.0/8,172.16.0.0/12", "172.31.255.255") == 1, "comma-separated list");
	ok(matches("10.0.0.0/8", "host.example.com") == 0, "a host name never matches");
	ok(matches("10.0.0.0/8", "10.1.2.3.example.com") == 0, "a name starting like an address");
	ok(matches("10.0.0.0/8", "") == 0, "an empty rhost never matches");
	ok(matches("10.0.0.0/8", "010.1.2.3") == 0, "a leading zero is not an address");
	ok(matches("fe80::/10", "fe80::1%eth0") == 0, "a scoped address never matches");
	ok(matches("0.0.0.0/0", NULL) == 0, "no rhost never matches");
	ok(!parses("10.0.0.1/8"), "host bits past the prefix: refused");
	ok(!parses("10.0.0.0/33"), "prefix over 32: refused");
	ok(!parses("2001:db8::/129"), "prefix over 128: refused");
	ok(!parses("10.0.0.0/"), "empty prefix: refused");
	ok(!parses("10.0.0.0/08"), "prefix with a leading zero: refused");
	ok(!parses("10.0.0.0/-1"), "negative prefix: refused");
	ok(!parses("example.com"), "a name: refused");
	ok(!parses("::ffff:10.0.0.0/104"), "a mapped network: refused (write the IPv4 one)");
	ok(!parses(" , "), "nothing: refused");

	/* origins */
	is_str(origin("https://sso.example.com/device"), "sso.example.com:443", "host, default port");
	is_str(origin("https://SSO.Example.COM:8443?x"), "sso.example.com:8443", "case folded, port");
	is_str(origin("https://[::1]:8443/device"), "[::1]:8443", "IPv6 literal");
	is_str(origin("https://[0:0::1]/d"), "[::1]:443", "IPv6 literal normalised");
	is_str(origin("https://a.example#frag"), "a.example:443", "fragment ends the host");
	is_str(origin("https://good.example@evil.example/"), "refused", "user info: refused");
	is_str(origin("https://good.example\\@evil.example/"), "refused", "backslash: refused");
	is_str(origin("https://evil.example\\.good.example/"), "refused", "backslash as slash: refused");
	is_str(origin("https://good%2eexample/"), "refused", "percent-encoded host: refused");
	is_str(origin("http://good.example/"), "refused", "http: refused");
	is_str(origin("HTTPS://good.example/"), "refused", "not the lower-case scheme: refused");
	is_str(origin("https://good.example:/"), "refused", "empty port: refused");
	is_str(origin("https://good.example:65536/"), "refused", "port over 65535: refused");
	is_str(origin("https://good.example:0/"), "refused", "port 0: refused");
	is_str(origin("https:///device"), "refused", "no host: refused");
	is_str(origin("https://[::1%25lo]/"), "refused", "zone id: refused");

	/* the keys, and the link rule they feed */
	cfg = conf(ISSUER, err, sizeof(err));
	ok(cfg != NULL && cfg->device_max_flows == JWT_DEFAULT_DEVICE_MAX_FLOWS &&
	   cfg->device_dir == NULL && cfg->issuers[0].device_services.n == 0 &&
	   cfg->issuers[0].device_from.n == 0, "defaults: 8 flows, sshd only, any client");
	if (cfg != NULL) {
		const struct jwt_issuer *i = &cfg->issuers[0];

		ok(jwt_device_link_ok(i, "https://sso.example.com/device?user_code=AB"),
		   "link on the issuer's origin: allowed");
		ok(!jwt_device_link_ok(i, "https://sso.example.com:8443/device"),
		   "another port: refused");
		ok(!jwt_device_link_ok(i, "https://evil.example/device"), "another host: refused");
		ok(!jwt_device_link_ok(i, "https://sso.example.com.evil.example/"),
		   "the issuer's host as a prefix: refused");
	}
	jwt_config_free(cfg);
	cfg = conf("device_max_flows = 2\ndevice_dir = /run/x\n"
	           "device_services = sshd, login\ndevice_from = 10.0.0.0/8 ::1\n" ISSUER
	           "device_verification_host = microsoft.com\n", err, sizeof(err));
	ok(cfg != NULL, "all keys: %s", cfg != NULL ? "loaded" : err);
	if (cfg != NULL) {
		const struct jwt_issuer *i = &cfg->issuers[0];

		ok(cfg->device_max_flows == 2 && strcmp(cfg->device_dir, "/run/x") == 0,
		   "global keys");
		ok(i->device_services.n == 2 && jwt_words_has(&i->device_services, "login", 5),
		   "device_services inherited by the section");
		ok(jwt_nets_match(&i->device_from, "::1") && !jwt_nets_match(&i->device_from, "::2"),
		   "device_from inherited by the section");
		ok(jwt_device_link_ok(i, "https://microsoft.com/devicelogin"),
		   "device_verification_host: allowed");
		ok(jwt_device_link_ok(i, "https://sso.example.com/device"),
		   "the issuer's origin: still allowed");
		ok(!jwt_device_link_ok(i, "https://login.microsoft.com/"),
		   "a subdomain of device_verification_host: refused");
	}
	jwt_config_free(cfg);
	ok(conf("device_max_flows = 0\n" ISSUER, err, sizeof(err)) == NULL, "device_max_flows 0: %s", err);
	ok(conf("device_max_flows = 8x\n" ISSUER, err, sizeof(err)) == NULL, "device_max_flows 8x: %s", err);
	ok(conf("device_max_flows = 1025\n" ISSUER, err, sizeof(err)) == NULL, "device_max_flows 1025: %s", err);
	ok(conf(ISSUER "device_max_flows = 3\n", err, sizeof(err)) == NULL, "device_max_flows in a section: %s", err);
	ok(conf(ISSUER "device_from = 10.0.0.1/8\n", err, sizeof(err)) == NULL, "bad device_from: %s", err);
	ok(conf(ISSUER "device_verification_host = https://x.example/\n", err, sizeof(err)) == NULL,
	   "device_verification_host with a scheme: %s", err);
	ok(conf(ISSUER "device_verification_host = a@b\n", err, sizeof(err)) == NULL,
	   "device_verification_host with user info: %s", err);
	ok(conf(ISSUER "device_services = sshd\ndevice_services = su\n", err, sizeof(err)) == NULL,
	   "device_services twice: %s", err);
	return tap_done();
}
