/*
 * semver.c: SemVer 2.0.0 parsing and ordering (https://semver.org,
 * sections 2, 9, 10 and 11), used to pick a chart's latest version.
 *
 * Nothing is allocated: a parsed version points into its text.
 */
#include <string.h>

#include "datalab/core/common.h"
#include "datalab/helm/semver.h"

static bool is_ident_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '-';
}

static bool all_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* A numeric core field: digits, no leading zero, fits in 64 bits. */
static int parse_number(const char *p, size_t n, size_t *i, uint64_t *out)
{
	size_t start = *i;
	uint64_t v = 0;

	while (*i < n && p[*i] >= '0' && p[*i] <= '9') {
		unsigned d = (unsigned)(p[*i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		(*i)++;
	}
	if (*i == start || (*i - start > 1 && p[start] == '0'))
		return -1;
	*out = v;
	return 0;
}

/* Dot-separated identifiers up to end; numeric ones without leading
 * zeros when strict_numeric (pre-release; build metadata allows them). */
static int check_idents(const char *p, size_t n, bool strict_numeric)
{
	size_t start = 0;

	if (n == 0)
		return -1;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && p[i] != '.') {
			if (!is_ident_char(p[i]))
				return -1;
			continue;
		}
		if (i == start)
			return -1;
		if (strict_numeric && all_digits(p + start, i - start) &&
		    i - start > 1 && p[start] == '0')
			return -1;
		start = i + 1;
	}
	return 0;
}

int semver_parse(const char *p, size_t n, struct semver *v)
{
	size_t i = 0, mark;

	memset(v, 0, sizeof(*v));
	if (n > 0 && (p[0] == 'v' || p[0] == 'V'))
		i++;
	if (parse_number(p, n, &i, &v->major) != 0)
		return -1;
	if (i < n && p[i] == '.') {
		i++;
		if (parse_number(p, n, &i, &v->minor) != 0)
			return -1;
		if (i < n && p[i] == '.') {
			i++;
			if (parse_number(p, n, &i, &v->patch) != 0)
				return -1;
		}
	}
	if (i < n && p[i] == '-') {
		mark = ++i;
		while (i < n && p[i] != '+')
			i++;
		if (check_idents(p + mark, i - mark, true) != 0)
			return -1;
		v->pre = p + mark;
		v->pre_len = i - mark;
	}
	if (i < n && p[i] == '+') {
		mark = ++i;
		i = n;
		if (check_idents(p + mark, n - mark, false) != 0)
			return -1;
		v->build = p + mark;
		v->build_len = n - mark;
	}
	return i == n ? 0 : -1;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* Section 11.4: identifier by identifier; numeric ones compare as
 * numbers and sort before alphanumeric ones; more fields win a tie. */
static int cmp_pre(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0;

	while (i < an && j < bn) {
		size_t ie = i, je = j;
		bool anum, bnum;
		int c;

		while (ie < an && a[ie] != '.')
			ie++;
		while (je < bn && b[je] != '.')
			je++;
		anum = all_digits(a + i, ie - i);
		bnum = all_digits(b + j, je - j);
		if (anum && bnum) {
			/* no leading zeros: the longer number is the larger */
			if (ie - i != je - j)
				return ie - i < je - j ? -1 : 1;
			c = memcmp(a + i, b + j, ie - i);
		} else if (anum != bnum) {
			return anum ? -1 : 1;
		} else {
			c = memcmp(a + i, b + j, DL_MIN(ie - i, je - j));
			if (c == 0 && ie - i != je - j)
				c = ie - i < je - j ? -1 : 1;
		}
		if (c != 0)
			return c < 0 ? -1 : 1;
		i = ie < an ? ie + 1 : ie;
		j = je < bn ? je + 1 : je;
	}
	if (i < an)
		return 1;
	if (j < bn)
		return -1;
	return 0;
}

int semver_cmp(const struct semver *a, const struct semver *b)
{
	int c;

	if ((c = cmp_u64(a->major, b->major)) != 0 ||
	    (c = cmp_u64(a->minor, b->minor)) != 0 ||
	    (c = cmp_u64(a->patch, b->patch)) != 0)
		return c;
	/* 11.3: a pre-release has lower precedence than the release */
	if (a->pre_len == 0 || b->pre_len == 0)
		return (a->pre_len == 0) - (b->pre_len == 0);
	return cmp_pre(a->pre, a->pre_len, b->pre, b->pre_len);
}

bool semver_is_prerelease(const struct semver *v)
{
	return v->pre_len > 0;
}

int semver_compare_str(const char *a, const char *b)
{
	struct semver va, vb;
	bool oka = a && semver_parse(a, strlen(a), &va) == 0;
	bool okb = b && semver_parse(b, strlen(b), &vb) == 0;
	int c;

	if (oka != okb)
		return oka ? 1 : -1;
	if (oka) {
		if ((c = semver_cmp(&va, &vb)) != 0)
			return c;
		c = cmp_pre(va.build, va.build_len, vb.build, vb.build_len);
		if (c != 0)
			return c;
	}
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	c = strcmp(a, b);
	return c < 0 ? -1 : c > 0;
}
