/*
 * quantity.c: the Kubernetes Quantity grammar with integers only.
 *
 * Parsing collects up to 19 significant digits into a uint64 mantissa m and
 * a decimal exponent e (digits past that are dropped but remembered, so the
 * value still rounds up), then applies the suffix: a decimal suffix adds to
 * e, a binary one multiplies m by 2^(10k).  normalize() brings the result to
 * the rules of apimachinery's quantity.go: at most 9 decimals (1n), rounded
 * away from zero, magnitude capped at 2^63-1, trailing zeros moved into the
 * scale.  Formatting follows CanonicalizeBytes: the input's family, an
 * exponent that is a multiple of 3 (or a power of 1024), no fraction.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "datalab/kube/quantity.h"

#define NANO_SCALE (-9)

static const uint64_t pow10_tab[] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL,
};

static const char *const binary_suffix[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };

/* m / 10^k rounded away from zero; sticky says dropped digits were non-zero. */
static uint64_t div_pow10_up(uint64_t m, int k, bool sticky)
{
	uint64_t d, q;

	if (k <= 0)
		return m + (sticky ? 1 : 0);
	if (k > 19)
		return (m != 0 || sticky) ? 1 : 0;
	d = pow10_tab[k];
	q = m / d;
	if (m % d != 0 || sticky)
		q++;
	return q;
}

static void set_cap(struct quantity *q, bool neg)
{
	q->value = neg ? -INT64_MAX : INT64_MAX;
	q->scale = 0;
}

/* normalize: m * 10^e * 2^b, rounded up to 1n and capped, into q. */
static void normalize(struct quantity *q, bool neg, uint64_t m, int e, int b, bool sticky)
{
	if (m == 0 && !sticky) {
		q->value = 0;
		q->scale = 0;
		return;
	}
	while (b > 0) {
		if (m <= UINT64_MAX / 2) {
			m *= 2;
			b--;
		} else if (e < 0) {
			/* make room by giving up a decimal, rounding up */
			m = div_pow10_up(m, 1, sticky);
			sticky = false;
			e++;
		} else {
			set_cap(q, neg);
			return;
		}
	}
	if (e < NANO_SCALE) {
		m = div_pow10_up(m, NANO_SCALE - e, sticky);
		sticky = false;
		e = NANO_SCALE;
	}
	if (sticky) {
		m++;
		sticky = false;
	}
	while (e < 0 && m > (uint64_t)INT64_MAX) {
		m = div_pow10_up(m, 1, false);
		e++;
	}
	if (m > (uint64_t)INT64_MAX) {
		set_cap(q, neg);
		return;
	}
	if (e > 0) {
		/* the magnitude m * 10^e must stay within 2^63-1 */
		uint64_t t = m;

		for (int i = 0; i < e; i++) {
			if (t > (uint64_t)INT64_MAX / 10) {
				set_cap(q, neg);
				return;
			}
			t *= 10;
		}
	}
	while (m != 0 && m % 10 == 0) {
		m /= 10;
		e++;
	}
	if (m == 0)
		e = 0;
	q->value = neg ? -(int64_t)m : (int64_t)m;
	q->scale = e;
}

static int decimal_suffix(const char *s, size_t n, int *exp)
{
	static const struct {
		const char *name;
		int exp;
	} tab[] = {
		{ "n", -9 }, { "u", -6 }, { "m", -3 }, { "", 0 }, { "k", 3 },
		{ "M", 6 }, { "G", 9 }, { "T", 12 }, { "P", 15 }, { "E", 18 },
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(tab); i++) {
		if (strlen(tab[i].name) == n && memcmp(tab[i].name, s, n) == 0) {
			*exp = tab[i].exp;
			return 0;
		}
	}
	return -1;
}

static int parse_exponent(const char *s, size_t n, int *exp)
{
	size_t i = 0;
	bool neg = false;
	long v = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i == n)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v < 100000)		/* past any int64 anyway: clamp */
			v = v * 10 + (s[i] - '0');
	}
	*exp = (int)(neg ? -v : v);
	return 0;
}

int quantity_parse(const char *p, size_t n, struct quantity *q, struct error *err)
{
	size_t i = 0;
	bool neg = false, sticky = false, digits = false;
	uint64_t m = 0;
	int e = 0, b = 0, sexp;
	const char *suf;
	size_t sn;

	memset(q, 0, sizeof(*q));
	if (i < n && (p[i] == '+' || p[i] == '-'))
		neg = p[i++] == '-';
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		digits = true;
		if (m <= (UINT64_MAX - 9) / 10)
			m = m * 10 + (uint64_t)(p[i] - '0');
		else {
			e++;
			sticky |= p[i] != '0';
		}
	}
	if (i < n && p[i] == '.') {
		for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
			digits = true;
			if (m <= (UINT64_MAX - 9) / 10) {
				m = m * 10 + (uint64_t)(p[i] - '0');
				e--;
			} else {
				sticky |= p[i] != '0';
			}
		}
	}
	if (!digits)
		goto bad;
	suf = p + i;
	sn = n - i;
	q->format = QUANTITY_DECIMAL_SI;
	if (sn == 2 && suf[1] == 'i') {
		const char *k = strchr("KMGTPE", suf[0]);

		if (!k || suf[0] == '\0')
			goto bad;
		b = 10 * (int)(k - "KMGTPE" + 1);
		q->format = QUANTITY_BINARY_SI;
	} else if (decimal_suffix(suf, sn, &sexp) == 0) {
		e += sexp;
	} else if (sn > 1 && (suf[0] == 'e' || suf[0] == 'E')) {
		if (parse_exponent(suf + 1, sn - 1, &sexp) != 0)
			goto bad;
		e += sexp;
		q->format = QUANTITY_DECIMAL_EXP;
	} else {
		goto bad;
	}
	normalize(q, neg, m, e, b, sticky);
	return 0;
bad:
	memset(q, 0, sizeof(*q));
	return error_set(err, ERR_PARSE, "invalid quantity '%.*s'", (int)DL_MIN(n, (size_t)64), p);
}

int quantity_parse_str(const char *s, struct quantity *q, struct error *err)
{
	if (!s) {
		memset(q, 0, sizeof(*q));
		return error_set(err, ERR_PARSE, "missing quantity");
	}
	return quantity_parse(s, strlen(s), q, err);
}

/* split: the value as whole units and billionths, both carrying its sign. */
static void split(const struct quantity *q, int64_t *whole, int64_t *nanos)
{
	if (q->scale >= 0) {
		int64_t v = q->value;

		/* normalize() guarantees the product fits */
		for (int i = 0; i < q->scale; i++)
			v *= 10;
		*whole = v;
		*nanos = 0;
	} else {
		int64_t d = (int64_t)pow10_tab[-q->scale];

		*whole = q->value / d;
		*nanos = (q->value % d) * (1000000000 / d);
	}
}

void quantity_format(const struct quantity *q, char *dst, size_t size)
{
	enum quantity_format fmt = q->format;
	uint64_t v;
	int s, ex, zeros;
	const char *sign = q->value < 0 ? "-" : "";
	char suffix[16];

	if (q->value == 0) {
		snprintf(dst, size, "0");
		return;
	}
	if (fmt == QUANTITY_BINARY_SI) {
		int64_t whole, nanos;

		split(q, &whole, &nanos);
		if (nanos != 0 || (whole > -1024 && whole < 1024))
			fmt = QUANTITY_DECIMAL_SI;
		else {
			uint64_t w = whole < 0 ? (uint64_t)(-whole) : (uint64_t)whole;
			int k = 0;

			while (k < 6 && w % 1024 == 0) {
				w /= 1024;
				k++;
			}
			snprintf(dst, size, "%s%llu%s", sign, (unsigned long long)w, binary_suffix[k]);
			return;
		}
	}
	v = q->value < 0 ? (uint64_t)(-q->value) : (uint64_t)q->value;
	s = q->scale;
	/* the largest multiple of 3 not above s (floor, also for negatives) */
	ex = s >= 0 ? s / 3 * 3 : -((-s + 2) / 3 * 3);
	zeros = s - ex;
	if (fmt == QUANTITY_DECIMAL_EXP) {
		if (ex == 0)
			suffix[0] = '\0';
		else
			snprintf(suffix, sizeof(suffix), "e%d", ex);
	} else {
		static const char *const dec[] = { "n", "u", "m", "", "k", "M", "G", "T", "P", "E" };

		snprintf(suffix, sizeof(suffix), "%s", dec[(ex + 9) / 3]);
	}
	snprintf(dst, size, "%s%llu%.*s%s", sign, (unsigned long long)v, zeros, "00", suffix);
}

/* scaled: ceil(|value| * 10^(scale+shift)) with the sign, saturating. */
static int64_t scaled(const struct quantity *q, int shift)
{
	int k = q->scale + shift;
	bool neg = q->value < 0;
	uint64_t m = neg ? (uint64_t)(-q->value) : (uint64_t)q->value;

	if (k >= 0) {
		for (int i = 0; i < k; i++) {
			if (m > (uint64_t)INT64_MAX / 10)
				return neg ? INT64_MIN : INT64_MAX;
			m *= 10;
		}
	} else {
		m = div_pow10_up(m, -k, false);
	}
	return neg ? -(int64_t)m : (int64_t)m;
}

int64_t quantity_milli(const struct quantity *q)
{
	return scaled(q, 3);
}

int64_t quantity_value(const struct quantity *q)
{
	return scaled(q, 0);
}

int64_t quantity_nano(const struct quantity *q)
{
	return scaled(q, 9);
}

int quantity_cmp(const struct quantity *a, const struct quantity *b)
{
	int64_t aw, an, bw, bn;

	split(a, &aw, &an);
	split(b, &bw, &bn);
	if (aw != bw)
		return aw < bw ? -1 : 1;
	if (an != bn)
		return an < bn ? -1 : 1;
	return 0;
}

void quantity_add(struct quantity *a, const struct quantity *b)
{
	int64_t aw, an, bw, bn, w, ns;
	bool neg;
	uint64_t mw, mn;

	split(a, &aw, &an);
	split(b, &bw, &bn);
	if (__builtin_add_overflow(aw, bw, &w)) {
		set_cap(a, aw < 0);
		return;
	}
	ns = an + bn;
	/* keep whole and nanos of one sign, |nanos| < 1e9 */
	if (ns >= 1000000000 || (ns > 0 && w < 0)) {
		ns -= 1000000000;
		w++;
	} else if (ns <= -1000000000 || (ns < 0 && w > 0)) {
		ns += 1000000000;
		w--;
	}
	neg = w < 0 || (w == 0 && ns < 0);
	mw = w < 0 ? (uint64_t)0 - (uint64_t)w : (uint64_t)w;
	mn = ns < 0 ? (uint64_t)(-ns) : (uint64_t)ns;
	if (mw > (uint64_t)INT64_MAX) {
		set_cap(a, neg);
		return;
	}
	if (mn == 0) {
		normalize(a, neg, mw, 0, 0, false);
		return;
	}
	/* whole * 1e9 + nanos at scale -9, giving up decimals (rounding up)
	 * when the mantissa would not fit */
	for (int k = 9; k >= 0; k--) {
		uint64_t hi;

		if (__builtin_mul_overflow(mw, pow10_tab[k], &hi))
			continue;
		hi += div_pow10_up(mn, 9 - k, false);
		if (hi < mw || hi > (uint64_t)INT64_MAX)
			continue;
		normalize(a, neg, hi, -k, 0, false);
		return;
	}
	normalize(a, neg, mw + 1, 0, 0, false);
}

void quantity_from_milli(struct quantity *q, int64_t m)
{
	q->format = QUANTITY_DECIMAL_SI;
	normalize(q, m < 0, m < 0 ? (uint64_t)0 - (uint64_t)m : (uint64_t)m, -3, 0, false);
}
