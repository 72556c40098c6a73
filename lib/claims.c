#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "claims.h"
#include "json.h"
#include "log.h"
#include "text.h"

enum num { NUM_ABSENT, NUM_OK, NUM_BAD };

/* NumericDates beyond some 30 million years are refused: every sum and
 * difference of two of them (and of now and the leeway) then fits int64.
 * json-c clamps out-of-range integers to INT64_MIN/MAX, which this also
 * refuses. */
#define DATE_LIMIT 1000000000000000LL
#define JTI_MAX 1024

/* NumericDate: an integer or finite number of seconds. */
static enum num numeric_date(json_object *payload, const char *name, int64_t *out)
{
	switch (jwt_json_get_int(payload, name, -DATE_LIMIT, DATE_LIMIT, out)) {
	case JWT_JSON_OK:
		return NUM_OK;
	case JWT_JSON_ABSENT:
		return NUM_ABSENT;
	default:
		return NUM_BAD;
	}
}

static void fmt_time(char *buf, size_t cap, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, cap, "%lld", (long long)t);
}

static enum jwt_verdict check_iss(json_object *payload, const struct jwt_issuer *iss,
                                  struct jwt_result *res)
{
	int present;
	const char *v = jwt_json_str(payload, "iss", &present);

	if (v != NULL)
		jwt_sanitize(res->iss, sizeof(res->iss), v, strlen(v));
	if (v == NULL || strcmp(v, iss->issuer) != 0) {
		snprintf(res->reason, sizeof(res->reason), "token issuer \"%.80s\" is not \"%.80s\"",
		         v != NULL ? res->iss : present ? "(not a string)" : "(none)", iss->issuer);
		return JWT_UNKNOWN_ISSUER;
	}
	return JWT_OK;
}

static enum jwt_verdict check_typ(const char *header_typ, const struct jwt_issuer *iss,
                                  struct jwt_result *res)
{
	const char *t = header_typ;
	char clean[48];

	if (iss->typ == NULL)
		return JWT_OK;
	/* RFC 7515 4.1.9: "application/" may be omitted, compare case-insensitively. */
	if (jwt_ascii_ncasecmp(t, "application/", 12) == 0)
		t += 12;
	if (jwt_ascii_casecmp(t, iss->typ) == 0 ||
	    (jwt_ascii_ncasecmp(iss->typ, "application/", 12) == 0 &&
	     jwt_ascii_casecmp(t, iss->typ + 12) == 0))
		return JWT_OK;
	/* the header is attacker text: printable ASCII only into the audit line */
	jwt_sanitize(clean, sizeof(clean), header_typ, strlen(header_typ));
	snprintf(res->reason, sizeof(res->reason), "token type \"%.40s\" is not \"%.40s\"",
	         clean, iss->typ);
	return JWT_TYP;
}

static enum jwt_verdict check_times(json_object *payload, const struct jwt_issuer *iss,
                                    time_t now, struct jwt_result *res)
{
	int64_t exp = 0, nbf = 0, iat = 0, n = (int64_t)now, lw = iss->leeway;
	enum num e = numeric_date(payload, "exp", &exp);
	enum num b = numeric_date(payload, "nbf", &nbf);
	enum num i = numeric_date(payload, "iat", &iat);
	char when[40];

	if (e != NUM_OK) {
		snprintf(res->reason, sizeof(res->reason), "claim \"exp\" is %s",
		         e == NUM_ABSENT ? "missing (tokens must expire)" : "not a number");
		return JWT_BAD_CLAIM;
	}
	res->exp = exp;
	if (b == NUM_BAD || i == NUM_BAD) {
		snprintf(res->reason, sizeof(res->reason), "claim \"%s\" is not a number",
		         b == NUM_BAD ? "nbf" : "iat");
		return JWT_BAD_CLAIM;
	}
	if (n - lw >= exp) {
		fmt_time(when, sizeof(when), exp);
		snprintf(res->reason, sizeof(res->reason), "token expired at %s (%lld s ago)", when,
		         (long long)(n - exp));
		return JWT_EXPIRED;
	}
	if (b == NUM_OK && n + lw < nbf) {
		fmt_time(when, sizeof(when), nbf);
		snprintf(res->reason, sizeof(res->reason), "token is not valid before %s "
		         "(check the clocks)", when);
		return JWT_NOT_YET_VALID;
	}
	if (i == NUM_OK && n + lw < iat) {
		fmt_time(when, sizeof(when), iat);
		snprintf(res->reason, sizeof(res->reason), "token issued in the future, at %s "
		         "(check the clocks)", when);
		return JWT_ISSUED_IN_FUTURE;
	}
	/* Without iat, what is left of the token's life counts: a token
	 * good for ten years is refused whether or not it says when it
	 * was issued. */
	if (iss->max_lifetime > 0) {
		int64_t life = i == NUM_OK ? exp - iat : exp - n;

		if (life > iss->max_lifetime) {
			snprintf(res->reason, sizeof(res->reason),
			         "token lifetime %lld s%s is over max_lifetime %ld s", (long long)life,
			         i == NUM_OK ? "" : " (from now; no iat)", iss->max_lifetime);
			return JWT_LIFETIME;
		}
	}
	return JWT_OK;
}

int claim_contains(json_object *v, const char *want)
{
	const char *str = NULL;
	size_t i, n = 0;

	if (v == NULL || want == NULL || want[0] == '\0')
		return 0;
	if (jwt_json_is_string(v))
		return jwt_json_as_str(v, (size_t)0x7fffffff, &str, &n) == JWT_JSON_OK &&
		       n == strlen(want) && memcmp(str, want, n) == 0;
	if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_boolean))
		return strcmp(jwt_json_text(v), want) == 0;
	for (i = 0; i < jwt_json_array_len(v); i++) {
		json_object *e = jwt_json_elem(v, i);

		if (!jwt_json_is_array(e) && claim_contains(e, want))
			return 1;
	}
	return 0;
}

static enum jwt_verdict check_aud(json_object *payload, const struct jwt_issuer *iss,
                                  struct jwt_result *res)
{
	json_object *aud = jwt_json_member(payload, "aud");

	if (!jwt_json_has(payload, "aud")) {
		snprintf(res->reason, sizeof(res->reason), "token has no audience; this host "
		         "needs \"%.100s\"", iss->audience);
		return JWT_WRONG_AUDIENCE;
	}
	if ((jwt_json_is_string(aud) || jwt_json_is_array(aud)) && claim_contains(aud, iss->audience))
		return JWT_OK;
	snprintf(res->reason, sizeof(res->reason), "token is not for this host: audience "
	         "\"%.100s\" not in %.80s", iss->audience, jwt_json_text(aud));
	jwt_sanitize(res->reason, sizeof(res->reason), res->reason, strlen(res->reason));
	return JWT_WRONG_AUDIENCE;
}

static enum jwt_verdict check_required(json_object *payload, const struct jwt_issuer *iss,
                                       struct jwt_result *res)
{
	size_t i;

	for (i = 0; i < iss->n_required; i++) {
		const struct jwt_required_claim *rc = &iss->required[i];

		if (!claim_contains(jwt_json_path(payload, rc->path), rc->value)) {
			snprintf(res->reason, sizeof(res->reason),
			         "claim \"%.60s\" does not contain \"%.60s\"", rc->path, rc->value);
			return JWT_CLAIM_MISMATCH;
		}
	}
	return JWT_OK;
}

enum jwt_verdict claims_check(json_object *payload, const char *header_typ,
                              const struct jwt_issuer *iss, time_t now, struct jwt_result *res)
{
	enum jwt_verdict v;
	const char *s = NULL;
	size_t n = 0;

	if ((s = jwt_json_str(payload, "sub", NULL)) != NULL)
		jwt_sanitize(res->sub, sizeof(res->sub), s, strlen(s));
	/* RFC 7519 4.1.7: a string; anything else present is malformed */
	switch (jwt_json_get_str(payload, "jti", JTI_MAX, &s, &n)) {
	case JWT_JSON_OK:
		if (n > 0) {
			unsigned int hlen = 0;

			jwt_sanitize(res->jti, sizeof(res->jti), s, n);
			res->has_jti = EVP_Digest(s, n, res->jti_hash, &hlen, EVP_sha256(), NULL) == 1 &&
			               hlen == sizeof(res->jti_hash);
		}
		break;
	case JWT_JSON_BAD:
		snprintf(res->reason, sizeof(res->reason), "claim \"jti\" is not a string of at "
		         "most %d bytes", JTI_MAX);
		return JWT_BAD_CLAIM;
	case JWT_JSON_ABSENT:
		break;
	}
	if (iss->one_time && !res->has_jti) {
		snprintf(res->reason, sizeof(res->reason), "one_time issuer: token has no jti");
		return JWT_BAD_CLAIM;
	}
	if ((v = check_iss(payload, iss, res)) != JWT_OK ||
	    (v = check_typ(header_typ, iss, res)) != JWT_OK ||
	    (v = check_times(payload, iss, now, res)) != JWT_OK ||
	    (v = check_aud(payload, iss, res)) != JWT_OK ||
	    (v = check_required(payload, iss, res)) != JWT_OK)
		return v;
	return JWT_OK;
}
