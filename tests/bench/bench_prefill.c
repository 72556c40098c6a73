/*
 * bench_prefill CONFIG ISSUER N: record N made-up one-time token uses of
 * [issuer ISSUER] (expiring in an hour) in its replay store, in one
 * transaction: the "busy host" of bench_goals.sh.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "replay.h"

int main(int argc, char **argv)
{
	struct jwt_config *cfg;
	char why[512];
	size_t i;

	if (argc != 4) {
		fprintf(stderr, "usage: %s CONFIG ISSUER N\n", argv[0]);
		return 2;
	}
	if ((cfg = jwt_config_load(argv[1], why, sizeof(why))) == NULL) {
		fprintf(stderr, "%s\n", why);
		return 2;
	}
	for (i = 0; i < cfg->n_issuers; i++)
		if (strcmp(cfg->issuers[i].name, argv[2]) == 0)
			break;
	if (i == cfg->n_issuers ||
	    replay_prefill(cfg, &cfg->issuers[i], (size_t)strtoul(argv[3], NULL, 10),
	                   (long long)time(NULL) + 3600, why, sizeof(why)) != 0) {
		fprintf(stderr, "prefill: %s\n", i == cfg->n_issuers ? "no such issuer" : why);
		return 1;
	}
	jwt_config_free(cfg);
	return 0;
}
