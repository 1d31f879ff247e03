/*
 * semver.h: Semantic Versioning 2.0.0 parsing and precedence.
 *
 * Chart versions are SemVer 2 (https://semver.org).  Parsing is strict
 * on the grammar with two leniencies Helm's Masterminds/semver also has:
 * a leading 'v' and missing minor/patch ("1.2" = 1.2.0).  Numbers do not
 * take leading zeros, identifiers are [0-9A-Za-z-] and non-empty.
 * Precedence follows section 11; build metadata does not count, but
 * semver_compare_str breaks ties on it (then on the raw bytes) so sorting
 * is a total, deterministic order, and puts malformed strings below every
 * valid version.
 */
#ifndef DATALAB_HELM_SEMVER_H
#define DATALAB_HELM_SEMVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct semver {
	uint64_t major, minor, patch;
	const char *pre;	/* points into the parsed text; pre_len 0 = none */
	size_t pre_len;
	const char *build;	/* likewise, without the '+' */
	size_t build_len;
};

/* semver_parse: p[0..n) into v (which points into p).  Returns 0, or -1
 * when the text is not a version. */
int semver_parse(const char *p, size_t n, struct semver *v);
/* semver_cmp: SemVer precedence: <0, 0 or >0; build metadata ignored. */
int semver_cmp(const struct semver *a, const struct semver *b);
/* semver_is_prerelease: the version has a pre-release part. */
bool semver_is_prerelease(const struct semver *v);
/* semver_compare_str: a total order over NUL-terminated strings:
 * precedence, then build metadata, then bytes; malformed < valid. */
int semver_compare_str(const char *a, const char *b);

#endif
