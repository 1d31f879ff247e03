/*
 * str.c: string helpers: prefixes, trimming, splitting, shell quoting,
 * URL and base64 coding, number parsing and byte formatting.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"

bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

bool str_case_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return *a == *b;
}

char *str_trim(char *s)
{
	char *start = s, *end;

	while (*start && isspace((unsigned char)*start))
		start++;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	memmove(s, start, (size_t)(end - start));
	s[end - start] = '\0';
	return s;
}

size_t str_copy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t m = n < size - 1 ? n : size - 1;

		memcpy(dst, src, m);
		dst[m] = '\0';
	}
	return n;
}

char **str_split(const char *s, char sep, size_t *count)
{
	size_t n = 1, i = 0;
	const char *p, *q;
	char **list;

	for (p = s; *p; p++)
		n += *p == sep;
	list = xcalloc(n + 1, sizeof(*list));
	for (p = s;; p = q + 1) {
		q = strchr(p, sep);
		if (!q) {
			list[i++] = xstrdup(p);
			break;
		}
		list[i++] = xstrndup(p, (size_t)(q - p));
	}
	if (count)
		*count = i;
	return list;
}

void str_free_list(char **list)
{
	if (!list)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

static bool shell_safe(unsigned char c)
{
	return isalnum(c) || strchr("@%_+=:,./-", c);
}

int str_shell_quote(struct buf *out, const char *s)
{
	const char *p;
	bool safe = *s != '\0';

	for (p = s; *p && safe; p++)
		safe = shell_safe((unsigned char)*p);
	if (safe)
		return buf_adds(out, s);
	if (buf_addc(out, '\'') < 0)
		return -1;
	for (p = s; *p; p++) {
		if (*p == '\'') {
			if (buf_adds(out, "'\\''") < 0)
				return -1;
		} else if (buf_addc(out, *p) < 0) {
			return -1;
		}
	}
	return buf_addc(out, '\'');
}

int str_shell_join(struct buf *out, const char *const *argv)
{
	for (size_t i = 0; argv[i]; i++) {
		if (i && buf_addc(out, ' ') < 0)
			return -1;
		if (str_shell_quote(out, argv[i]) < 0)
			return -1;
	}
	return 0;
}

int str_url_encode(struct buf *out, const char *p, size_t n, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
		    (keep_slash && c == '/')) {
			if (buf_addc(out, (char)c) < 0)
				return -1;
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			if (buf_add(out, e, 3) < 0)
				return -1;
		}
	}
	return 0;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int str_url_decode(struct buf *out, const char *p, size_t n, bool plus_space)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = hexval((unsigned char)p[i + 1]);
			lo = hexval((unsigned char)p[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		}
		if (buf_addc(out, c) < 0)
			return -1;
	}
	return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int str_base64_encode(struct buf *out, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t i;

	if (buf_grow(out, (n + 2) / 3 * 4) < 0)
		return -1;
	for (i = 0; i + 2 < n; i += 3) {
		char q[4] = { b64[p[i] >> 2], b64[(p[i] & 3) << 4 | p[i + 1] >> 4],
			      b64[(p[i + 1] & 15) << 2 | p[i + 2] >> 6], b64[p[i + 2] & 63] };

		buf_add(out, q, 4);
	}
	if (n - i == 1) {
		char q[4] = { b64[p[i] >> 2], b64[(p[i] & 3) << 4], '=', '=' };

		buf_add(out, q, 4);
	} else if (n - i == 2) {
		char q[4] = { b64[p[i] >> 2], b64[(p[i] & 3) << 4 | p[i + 1] >> 4],
			      b64[(p[i + 1] & 15) << 2], '=' };

		buf_add(out, q, 4);
	}
	return 0;
}

int str_base64_decode(struct buf *out, const char *p, size_t n)
{
	unsigned acc = 0;
	int bits = 0;
	size_t pad = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		const char *at;

		if (isspace(c))
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad || c == '\0' || !(at = strchr(b64, c)))
			return -1;
		acc = acc << 6 | (unsigned)(at - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (buf_addc(out, (char)(acc >> bits & 0xff)) < 0)
				return -1;
		}
	}
	/* leftover bits must be padding zeros: 6 (one char) is malformed */
	if (bits >= 6 || pad > 2)
		return -1;
	return 0;
}

int str_hex_encode(struct buf *out, const void *data, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = data;

	if (buf_grow(out, n * 2) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char e[2] = { hex[p[i] >> 4], hex[p[i] & 15] };

		buf_add(out, e, 2);
	}
	return 0;
}

int str_parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int str_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

void str_format_bytes(char *dst, size_t size, uint64_t n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)n;
	int u = 0;

	if (n < 1024) {
		snprintf(dst, size, "%" PRIu64 " B", n);
		return;
	}
	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	snprintf(dst, size, "%.1f %s", v, units[u]);
}

void str_random_alnum(char *dst, size_t n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char raw[64];
	size_t done = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	while (done < n) {
		size_t want = n - done < sizeof(raw) ? n - done : sizeof(raw);
		ssize_t got = fd >= 0 ? read(fd, raw, want) : -1;

		if (got <= 0) {
			/* no urandom: a weak but working fallback */
			for (size_t i = 0; i < want; i++)
				raw[i] = (unsigned char)(rand() ^ (int)time(NULL));
			got = (ssize_t)want;
		}
		for (ssize_t i = 0; i < got; i++)
			dst[done++] = set[raw[i] % (sizeof(set) - 1)];
	}
	dst[n] = '\0';
	if (fd >= 0)
		close(fd);
}

void str_random_uuid(char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	size_t o = 0;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rand();
	b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
	for (size_t i = 0; i < sizeof(b); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}
