/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "net.h"
#include "text.h"

void jwt_nets_free(struct jwt_nets *nets)
{
	free(nets->v);
	nets->v = NULL;
	nets->n = 0;
}

int jwt_nets_copy(struct jwt_nets *dst, const struct jwt_nets *src)
{
	dst->v = NULL;
	dst->n = 0;
	if (src->n == 0)
		return 0;
	if ((dst->v = calloc(src->n, sizeof(*dst->v))) == NULL)
		return -1;
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = src->n;
	return 0;
}

/* Numeric text to (family, 16 bytes); an IPv4-mapped IPv6 address becomes
 * IPv4 (sshd may report either form for an IPv4 client). */
static int parse_addr(const char *s, int *family, unsigned char a[16])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(a, 0, 16);
	if (strchr(s, ':') == NULL) {
		*family = AF_INET;
		return inet_pton(AF_INET, s, a) == 1 ? 0 : -1;
	}
	if (inet_pton(AF_INET6, s, a) != 1)
		return -1;
	*family = AF_INET6;
	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		memmove(a, a + 12, 4);
		memset(a + 4, 0, 12);
		*family = AF_INET;
	}
	return 0;
}

/* Are the first bits of a and b equal? */
static int prefix_eq(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full) != 0)
		return 0;
	return rest == 0 || ((a[full] ^ b[full]) & (0xff00u >> rest) & 0xff) == 0;
}

static int parse_net(const char *word, struct jwt_net *net)
{
	char text[64], *slash, *end;
	unsigned max;
	long bits;

	if (strlen(word) >= sizeof(text))
		return -1;
	memcpy(text, word, strlen(word) + 1);
	if ((slash = strchr(text, '/')) != NULL)
		*slash++ = '\0';
	if (parse_addr(text, &net->family, net->addr) != 0)
		return -1;
	/* "::ffff:10.0.0.0/104" would be a mapped network: write 10.0.0.0/8 */
	if (net->family == AF_INET && strchr(text, ':') != NULL)
		return -1;
	max = net->family == AF_INET ? 32 : 128;
	net->prefix = max;
	if (slash != NULL) {
		if (*slash < '0' || *slash > '9' || (slash[0] == '0' && slash[1] != '\0'))
			return -1;
		bits = strtol(slash, &end, 10);
		if (*end != '\0' || bits < 0 || bits > (long)max)
			return -1;
		net->prefix = (unsigned)bits;
	}
	/* host bits past the prefix must be zero */
	{
		unsigned char masked[16];
		unsigned i;

		memcpy(masked, net->addr, 16);
		for (i = net->prefix; i < max; i++)
			masked[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
		if (memcmp(masked, net->addr, 16) != 0)
			return -2;
	}
	return 0;
}

int jwt_nets_parse(const char *value, const char *key, struct jwt_nets *nets, char *err,
                   size_t errcap)
{
	struct jwt_words words = { NULL, 0 };
	struct jwt_nets out = { NULL, 0 };
	size_t i;

	if (jwt_words_parse(value, " \t,", key, &words, err, errcap) != 0)
		return -1;
	if ((out.v = calloc(words.n, sizeof(*out.v))) == NULL) {
		snprintf(err, errcap, "out of memory");
		goto fail;
	}
	for (i = 0; i < words.n; i++) {
		int r = parse_net(words.v[i], &out.v[i]);

		if (r != 0) {
			snprintf(err, errcap, r == -2 ? "\"%s\": \"%.64s\" has address bits set past "
			         "its prefix" : "\"%s\": \"%.64s\" is not an IPv4 or IPv6 address or "
			         "ADDRESS/PREFIX network", key, words.v[i]);
			goto fail;
		}
	}
	out.n = words.n;
	jwt_words_free(&words);
	jwt_nets_free(nets);
	*nets = out;
	return 0;
fail:
	jwt_words_free(&words);
	jwt_nets_free(&out);
	return -1;
}

int jwt_nets_match(const struct jwt_nets *nets, const char *addr)
{
	unsigned char a[16];
	int family;
	size_t i;

	if (nets == NULL || addr == NULL || strlen(addr) >= 64 ||
	    parse_addr(addr, &family, a) != 0)
		return 0;
	for (i = 0; i < nets->n; i++)
		if (nets->v[i].family == family && prefix_eq(nets->v[i].addr, a, nets->v[i].prefix))
			return 1;
	return 0;
}

/* HOST[:PORT] of exactly n bytes at s into o. */
static int parse_authority(const char *s, size_t n, struct jwt_origin *o)
{
	const char *port = NULL;
	size_t hlen, i;

	memset(o, 0, sizeof(*o));
	o->port = 443;
	if (n == 0)
		return -1;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);
		char v6[64];
		unsigned char bin[16];

		if (close == NULL || (size_t)(close - s) - 1 >= sizeof(v6))
			return -1;
		memcpy(v6, s + 1, (size_t)(close - s) - 1);
		v6[close - s - 1] = '\0';
		if (inet_pton(AF_INET6, v6, bin) != 1 || inet_ntop(AF_INET6, bin, v6, sizeof(v6)) == NULL)
			return -1;
		snprintf(o->host, sizeof(o->host), "[%s]", v6);
		hlen = (size_t)(close - s) + 1;
	} else {
		for (hlen = 0; hlen < n && s[hlen] != ':'; hlen++)
			if (!jwt_ascii_alnum((unsigned char)s[hlen]) && s[hlen] != '.' && s[hlen] != '-')
				return -1;
		if (hlen == 0 || hlen >= sizeof(o->host))
			return -1;
		for (i = 0; i < hlen; i++) /* ASCII only: no locale in host names */
			o->host[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
		o->host[hlen] = '\0';
	}
	if (hlen == n)
		return 0;
	if (s[hlen] != ':')
		return -1;
	port = s + hlen + 1;
	n -= hlen + 1;
	if (n == 0 || n > 5)
		return -1;
	o->port = 0;
	for (i = 0; i < n; i++) {
		if (port[i] < '0' || port[i] > '9')
			return -1;
		o->port = o->port * 10 + (unsigned)(port[i] - '0');
	}
	return o->port >= 1 && o->port <= 65535 ? 0 : -1;
}

int jwt_url_origin(const char *url, struct jwt_origin *o)
{
	const char *auth;
	size_t n;

	if (url == NULL || strncmp(url, "https://", 8) != 0)
		return -1;
	auth = url + 8;
	n = strcspn(auth, "/?#");
	return parse_authority(auth, n, o);
}

int jwt_host_origin(const char *hostport, struct jwt_origin *o)
{
	return hostport == NULL ? -1 : parse_authority(hostport, strlen(hostport), o);
}

int jwt_origin_eq(const struct jwt_origin *a, const struct jwt_origin *b)
{
	return a->port == b->port && strcmp(a->host, b->host) == 0;
}

int jwt_device_link_ok(const struct jwt_issuer *iss, const char *url)
{
	struct jwt_origin link, allowed;

	if (jwt_url_origin(url, &link) != 0)
		return 0;
	if (jwt_url_origin(iss->issuer, &allowed) == 0 && jwt_origin_eq(&link, &allowed))
		return 1;
	return iss->device_verification_host != NULL &&
	       jwt_host_origin(iss->device_verification_host, &allowed) == 0 &&
	       jwt_origin_eq(&link, &allowed);
}
