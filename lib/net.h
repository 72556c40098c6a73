/* Client networks (device_from) and URL origins (the device flow's
 * verification link): parsed strictly, compared exactly. */
#ifndef PAM_JWT_NET_H
#define PAM_JWT_NET_H

#include <stddef.h>

struct jwt_net {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char addr[16];  /* network address, host bits zero */
	unsigned prefix;         /* 0..32 or 0..128 */
};

/* A list of networks from the config, split once when the file is read. */
struct jwt_nets {
	struct jwt_net *v;
	size_t n;
};

/*
 * Parse "ADDR[/PREFIX] ..." (IPv4 or IPv6, separated by spaces, tabs or
 * commas; a bare address is one host) into nets, replacing what it held.
 * Host bits set past the prefix are an error (a typo guard).  Returns 0,
 * or -1 with a message naming key.
 */
int jwt_nets_parse(const char *value, const char *key, struct jwt_nets *nets, char *err,
                   size_t errcap);

void jwt_nets_free(struct jwt_nets *nets);
int jwt_nets_copy(struct jwt_nets *dst, const struct jwt_nets *src);

/* Does the numeric address text addr (PAM_RHOST as sshd sets it; an
 * IPv4-mapped IPv6 address counts as its IPv4 address) fall into one of
 * the networks?  A host name, a scoped or malformed address, or NULL never
 * matches. */
int jwt_nets_match(const struct jwt_nets *nets, const char *addr);

/* The origin of an https URL: host (lower case, IPv6 in brackets) and port. */
struct jwt_origin {
	char host[256];
	unsigned port;
};

/*
 * The origin of url, which must be "https://" then HOST[:PORT] then the
 * end or '/', '?' or '#'.  HOST is a DNS name or IPv4 address of
 * [A-Za-z0-9.-] or a bracketed IPv6 literal; no user info, no
 * percent-encoding, no backslash: anything a browser could read as
 * another host than this parser does is refused.  0, or -1.
 */
int jwt_url_origin(const char *url, struct jwt_origin *o);

/* "HOST[:PORT]" (device_verification_host) as an https origin.  0, or -1. */
int jwt_host_origin(const char *hostport, struct jwt_origin *o);

int jwt_origin_eq(const struct jwt_origin *a, const struct jwt_origin *b);

struct jwt_issuer;

/* May the device flow of iss show url (verification_uri_complete or
 * verification_uri) as its link and QR code?  Only an https URL whose
 * origin is the issuer's own or device_verification_host's.  1 or 0. */
int jwt_device_link_ok(const struct jwt_issuer *iss, const char *url);

#endif
