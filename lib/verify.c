/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * jwt_verify: the whole decision, in the order DESIGN.md draws it.
 * header -> key (kid, alg, kty) -> signature -> payload -> claims -> policy
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims.h"
#include "conf.h"
#include "jws.h"
#include "jwt.h"
#include "keys.h"
#include "policy.h"
#include "revoke.h"
#include "sig.h"

/* Signature checks per token, across all issuers: a token without kid
 * must not make us try every key of every issuer. */
#define MAX_SIG_TRIES 16

static const char *const verdict_names[JWT_VERDICT_COUNT] = {
	"OK", "NOT_TOKEN", "MALFORMED", "TOO_LONG", "TRUNCATED", "UNSUPPORTED", "ALG_REFUSED",
	"NO_KEYS", "KEY_NOT_FOUND", "KEY_REFUSED", "BAD_SIGNATURE", "BAD_PAYLOAD", "BAD_CLAIM",
	"UNKNOWN_ISSUER", "WRONG_AUDIENCE", "EXPIRED", "NOT_YET_VALID", "ISSUED_IN_FUTURE",
	"LIFETIME", "TYP", "CLAIM_MISMATCH", "BAD_USERNAME", "USER_MISMATCH", "USER_UNKNOWN",
	"ROOT_REFUSED", "GROUP_DENIED", "REPLAYED", "REVOKED", "CONFIG", "INTERNAL",
};

const char *jwt_verdict_name(enum jwt_verdict v)
{
	return (unsigned)v < JWT_VERDICT_COUNT ? verdict_names[v] : "INTERNAL";
}

/* What the key search saw, to name the right reason when nothing verified. */
struct search {
	int tries;
	int sig_failed;
	int sig_wrong_len;
	int refused;
	int keys_loaded;
	int load_failed;       /* an issuer that might hold the key has none usable */
	char refused_why[160];
	char load_why[200];
};

/* Try the issuer's keys; returns 1 when one verifies the signature. */
static int issuer_signature(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                            const struct jwt_alg *alg, const struct jws *jws, time_t now,
                            const struct jwt_log *log, struct search *s)
{
	struct jwks set;
	size_t i, total = 0;
	int found = 0;

	if (alg->kty == JWT_KTY_OCT) {
		unsigned char *secret = NULL;
		size_t slen = 0;
		enum sig_status st;

		if (keys_load_secret(iss, &secret, &slen, s->load_why, sizeof(s->load_why)) != 0) {
			jwt_logf(log, JWT_LOG_WARN, "issuer %s: %s", iss->name, s->load_why);
			return 0;
		}
		s->keys_loaded = 1;
		s->tries++;
		st = sig_verify_hmac(alg, secret, slen, (const unsigned char *)jws->input,
		                     jws->input_len, jws->sig, jws->sig_len);
		explicit_bzero(secret, slen);
		free(secret);
		s->sig_failed |= st != SIG_VALID;
		s->sig_wrong_len |= st == SIG_WRONG_LENGTH;
		jwt_logf(log, JWT_LOG_DEBUG, "issuer %s: %s with hmac_secret_file: %s", iss->name,
		         alg->name, st == SIG_VALID ? "signature valid" : "signature does not match");
		return st == SIG_VALID;
	}
	/* only the keys the token's kid names are read, when the set's index is fresh */
	if (keys_load_for(cfg, iss, now, jws->has_kid ? jws->kid : NULL, &set, &total, s->load_why,
	                  sizeof(s->load_why)) != 0) {
		s->load_failed = 1;
		jwt_logf(log, JWT_LOG_DEBUG, "issuer %s: no keys: %s", iss->name, s->load_why);
		return 0;
	}
	if (total > 0) {
		s->keys_loaded = 1;
	} else {
		s->load_failed = 1;
		snprintf(s->load_why, sizeof(s->load_why), "issuer %s: key set has no keys",
		         iss->name);
	}
	for (i = 0; i < set.n && !found; i++) {
		struct jwk *k = &set.keys[i];
		char why[160];
		enum sig_status st;

		if (jws->has_kid && (!k->has_kid || strcmp(k->kid, jws->kid) != 0))
			continue;
		jwk_load(k); /* only keys the token could be signed with are imported */
		if (jwk_fits(k, alg, why, sizeof(why)) != 0) {
			if (jws->has_kid) {
				s->refused = 1;
				snprintf(s->refused_why, sizeof(s->refused_why), "key \"%.40s\": %.100s",
				         k->kid, why);
				jwt_logf(log, JWT_LOG_DEBUG, "issuer %s: %s", iss->name, s->refused_why);
			}
			continue;
		}
		if (s->tries >= MAX_SIG_TRIES)
			break;
		s->tries++;
		st = sig_verify_pkey(alg, k->pkey, (const unsigned char *)jws->input, jws->input_len,
		                     jws->sig, jws->sig_len);
		jwt_logf(log, JWT_LOG_DEBUG, "issuer %s: key \"%s\" (%s): %s", iss->name, k->kid,
		         alg->name, st == SIG_VALID ? "signature valid"
		         : st == SIG_WRONG_LENGTH ? "signature has the wrong length"
		         : "signature does not match");
		s->sig_failed |= st != SIG_VALID;
		s->sig_wrong_len |= st == SIG_WRONG_LENGTH;
		found = st == SIG_VALID;
	}
	jwks_free(&set);
	return found;
}

/* When no key verified: name the closest reason. */
static enum jwt_verdict no_key_verdict(const struct search *s, const struct jws *jws,
                                       struct jwt_result *res)
{
	if (s->sig_failed) {
		res->sig_short = s->sig_wrong_len;
		snprintf(res->reason, sizeof(res->reason), "signature does not verify%s",
		         s->sig_wrong_len ? " (wrong signature length)" : "");
		return JWT_BAD_SIGNATURE;
	}
	if (s->refused) {
		snprintf(res->reason, sizeof(res->reason), "%s", s->refused_why);
		return JWT_KEY_REFUSED;
	}
	/* The key may be in a set we could not read: "unavailable", not "unknown". */
	if (s->keys_loaded && !s->load_failed) {
		if (jws->has_kid)
			snprintf(res->reason, sizeof(res->reason), "no key \"%.60s\" in the key set of "
			         "any issuer that allows %s", res->kid, res->alg);
		else
			snprintf(res->reason, sizeof(res->reason), "no key fits %s", res->alg);
		return JWT_KEY_NOT_FOUND;
	}
	snprintf(res->reason, sizeof(res->reason), "no keys available: %s", s->load_why);
	return JWT_NO_KEYS;
}

/* Token verified by iss: payload claims and local policy. */
static enum jwt_verdict issuer_accepts(const struct jwt_config *cfg, json_object *payload,
                                       const struct jws *jws, const struct jwt_issuer *iss,
                                       const char *pam_user, time_t now, struct jwt_result *res)
{
	enum jwt_verdict v;

	res->groups[0] = '\0';
	res->user[0] = '\0';
	snprintf(res->issuer_name, sizeof(res->issuer_name), "%s", iss->name);
	if ((v = claims_check(payload, jws->typ, iss, now, res)) != JWT_OK ||
	    (v = revoked_check(cfg, iss, payload, res)) != JWT_OK)
		return v;
	return policy_check(payload, iss, pam_user, res);
}

static enum jwt_verdict decide(const struct jwt_config *cfg, const char *token, size_t len,
                               const char *pam_user, time_t now, const struct jwt_log *log,
                               const struct jwt_refresh_hook *refresh, struct jwt_result *res)
{
	struct jws *jws = calloc(1, sizeof(*jws));
	const struct jwt_alg *alg;
	json_object *payload = NULL;
	struct search s;
	struct jwt_result first;
	enum jwt_verdict v, first_v = JWT_VERDICT_COUNT;
	size_t i;
	int pass, allowed = 0, verified = 0;

	if (jws == NULL) {
		snprintf(res->reason, sizeof(res->reason), "out of memory");
		return JWT_INTERNAL;
	}
	v = jws_parse(token, len, jws, res->reason, sizeof(res->reason));
	jwt_sanitize(res->alg, sizeof(res->alg), jws->alg, strlen(jws->alg));
	jwt_sanitize(res->kid, sizeof(res->kid), jws->kid, strlen(jws->kid));
	if (v != JWT_OK)
		goto out;
	jwt_logf(log, JWT_LOG_DEBUG, "header: alg %s, kid %s, %zu characters", res->alg,
	         jws->has_kid ? res->kid : "(none)", len);
	if ((alg = jwt_alg_find(jws->alg)) == NULL) {
		snprintf(res->reason, sizeof(res->reason), "algorithm \"%s\" is never accepted",
		         res->alg);
		v = JWT_ALG_REFUSED;
		goto out;
	}
	for (i = 0; i < cfg->n_issuers; i++)
		allowed |= (cfg->issuers[i].algorithms & alg->bit) != 0;
	if (!allowed) {
		snprintf(res->reason, sizeof(res->reason), "algorithm %s is not in any issuer's "
		         "\"algorithms\"", alg->name);
		v = JWT_ALG_REFUSED;
		goto out;
	}

	/* Pass 0 reads keys as they are; pass 1 only after a refresh changed them. */
	for (pass = 0; pass < 2 && !verified; pass++) {
		memset(&s, 0, sizeof(s));
		for (i = 0; i < cfg->n_issuers && s.tries < MAX_SIG_TRIES; i++) {
			const struct jwt_issuer *iss = &cfg->issuers[i];

			if (!(iss->algorithms & alg->bit))
				continue;
			if (!issuer_signature(cfg, iss, alg, jws, now, log, &s))
				continue;
			if (!verified) {
				verified = 1;
				if ((v = jws_payload(jws, &payload, res->reason,
				                     sizeof(res->reason))) != JWT_OK)
					goto out;
			}
			v = issuer_accepts(cfg, payload, jws, iss, pam_user, now, res);
			jwt_logf(log, JWT_LOG_DEBUG, "issuer %s: %s%s%s", iss->name,
			         jwt_verdict_name(v), v == JWT_OK ? "" : ": ", v == JWT_OK ? "" : res->reason);
			if (v == JWT_OK)
				goto out;
			/* Another section may trust the same keys with other rules; keep
			 * the first answer from a section whose issuer the token names. */
			if (first_v == JWT_VERDICT_COUNT ||
			    (first_v == JWT_UNKNOWN_ISSUER && v != JWT_UNKNOWN_ISSUER)) {
				first_v = v;
				first = *res;
			}
		}
		if (verified || refresh == NULL || refresh->fn == NULL || s.sig_failed || s.refused ||
		    pass == 1)
			break;
		/* kid unknown or no keys: give the refresh hook one chance. */
		{
			int changed = 0;

			for (i = 0; i < cfg->n_issuers; i++) {
				const struct jwt_issuer *iss = &cfg->issuers[i];

				if ((iss->algorithms & alg->bit) && iss->jwks_file == NULL &&
				    alg->kty != JWT_KTY_OCT)
					changed |= refresh->fn(refresh->ctx, cfg, iss, log);
			}
			if (!changed)
				break;
		}
	}
	if (!verified) {
		v = no_key_verdict(&s, jws, res);
		goto out;
	}
	*res = first;
	v = first_v;
out:
	json_object_put(payload);
	explicit_bzero(jws, sizeof(*jws));
	free(jws);
	return v;
}

enum jwt_verdict jwt_judge_payload(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                                   const char *payload_b64, size_t len, const char *typ,
                                   const char *pam_user, time_t now, struct jwt_result *res)
{
	struct jws *jws = calloc(1, sizeof(*jws));
	json_object *payload = NULL;
	enum jwt_verdict v;

	memset(res, 0, sizeof(*res));
	if (jws == NULL) {
		snprintf(res->reason, sizeof(res->reason), "out of memory");
		v = JWT_INTERNAL;
		goto out;
	}
	jws->payload_b64 = payload_b64;
	jws->payload_b64_len = len;
	snprintf(jws->typ, sizeof(jws->typ), "%s", typ != NULL ? typ : "");
	if ((v = jws_payload(jws, &payload, res->reason, sizeof(res->reason))) == JWT_OK)
		v = issuer_accepts(cfg, payload, jws, iss, pam_user, now, res);
out:
	if (v == JWT_OK)
		res->reason[0] = '\0';
	jwt_printable(res->reason);
	res->verdict = v;
	json_object_put(payload);
	free(jws);
	return v;
}

enum jwt_verdict jwt_verify(const struct jwt_config *cfg, const char *token, size_t len,
                            const char *pam_user, time_t now, const struct jwt_log *log,
                            const struct jwt_refresh_hook *refresh, struct jwt_result *res)
{
	enum jwt_verdict v;

	memset(res, 0, sizeof(*res));
	v = decide(cfg, token, len, pam_user, now, log, refresh, res);
	if (jwt_length_looks_cut(len) &&
	    (v == JWT_MALFORMED || (v == JWT_BAD_SIGNATURE && res->sig_short))) {
		snprintf(res->reason, sizeof(res->reason), "token is %zu characters and incomplete: "
		         "it was cut short by the client (use keyboard-interactive or "
		         "pam-jwt askpass)", len);
		v = JWT_TRUNCATED;
	}
	/* reasons quote what the token and key set said: printable only; an
	 * accepted token carries none (not an earlier section's refusal) */
	if (v == JWT_OK)
		res->reason[0] = '\0';
	jwt_printable(res->reason);
	res->verdict = v;
	return v;
}
