/*
 * utf8.c: UTF-8 decoding, display width, and utf8_sanitize, the one path by
 * which remote text reaches the screen.
 *
 * sanitize is a single pass over bytes with no state kept between calls: an
 * escape sequence is removed whole (up to its final byte or string
 * terminator, or to the end of the input when it never ends, which is what
 * a terminal would also have swallowed), so the output can never hold a
 * byte that moves the cursor, changes modes, writes the clipboard (OSC 52)
 * or flips text direction.  Widths follow Unicode East Asian Width and
 * emoji presentation closely enough to keep table columns aligned.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/utf8.h"

int utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;
	int len, i;

	*cp = UTF8_REPLACEMENT;
	if (n == 0)
		return -1;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		len = 2;
		c = p[0] & 0x1F;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		len = 3;
		c = p[0] & 0x0F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		len = 4;
		c = p[0] & 0x07;
	} else {
		return -1;	/* continuation, overlong lead C0/C1, or F5..FF */
	}
	if ((size_t)len > n)
		return -1;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -1;
		c = c << 6 | (p[i] & 0x3F);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10FFFF ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*cp = c;
	return len;
}

int utf8_encode(uint32_t cp, char out[4])
{
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = UTF8_REPLACEMENT;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

bool utf8_valid(const char *p, size_t n)
{
	size_t i = 0;
	uint32_t cp;

	while (i < n) {
		int len = utf8_decode(p + i, n - i, &cp);

		if (len < 0)
			return false;
		i += (size_t)len;
	}
	return true;
}

struct range {
	uint32_t first, last;
};

/* Combining marks and other zero-width code points (general categories Mn,
 * Me, Cf and the variation selectors), the ranges that matter in practice. */
static const struct range zero_width[] = {
	{ 0x0300, 0x036F }, { 0x0483, 0x0489 }, { 0x0591, 0x05BD }, { 0x05BF, 0x05BF },
	{ 0x05C1, 0x05C2 }, { 0x05C4, 0x05C5 }, { 0x05C7, 0x05C7 }, { 0x0610, 0x061A },
	{ 0x061C, 0x061C }, { 0x064B, 0x065F }, { 0x0670, 0x0670 }, { 0x06D6, 0x06DC },
	{ 0x06DF, 0x06E4 }, { 0x06E7, 0x06E8 }, { 0x06EA, 0x06ED }, { 0x0711, 0x0711 },
	{ 0x0730, 0x074A }, { 0x07A6, 0x07B0 }, { 0x07EB, 0x07F3 }, { 0x0816, 0x082D },
	{ 0x0859, 0x085B }, { 0x08D3, 0x0902 }, { 0x093A, 0x093A }, { 0x093C, 0x093C },
	{ 0x0941, 0x0948 }, { 0x094D, 0x094D }, { 0x0951, 0x0957 }, { 0x0962, 0x0963 },
	{ 0x0981, 0x0981 }, { 0x09BC, 0x09BC }, { 0x09C1, 0x09C4 }, { 0x09CD, 0x09CD },
	{ 0x0A01, 0x0A02 }, { 0x0A3C, 0x0A3C }, { 0x0A41, 0x0A51 }, { 0x0A70, 0x0A71 },
	{ 0x0A81, 0x0A82 }, { 0x0ABC, 0x0ABC }, { 0x0AC1, 0x0AC8 }, { 0x0ACD, 0x0ACD },
	{ 0x0B01, 0x0B01 }, { 0x0B3C, 0x0B3C }, { 0x0B3F, 0x0B3F }, { 0x0B41, 0x0B44 },
	{ 0x0B4D, 0x0B4D }, { 0x0BC0, 0x0BC0 }, { 0x0BCD, 0x0BCD }, { 0x0C3E, 0x0C40 },
	{ 0x0C46, 0x0C56 }, { 0x0CBC, 0x0CBC }, { 0x0CCC, 0x0CCD }, { 0x0D41, 0x0D44 },
	{ 0x0D4D, 0x0D4D }, { 0x0DCA, 0x0DCA }, { 0x0DD2, 0x0DD6 }, { 0x0E31, 0x0E31 },
	{ 0x0E34, 0x0E3A }, { 0x0E47, 0x0E4E }, { 0x0EB1, 0x0EB1 }, { 0x0EB4, 0x0EBC },
	{ 0x0EC8, 0x0ECD }, { 0x0F18, 0x0F19 }, { 0x0F35, 0x0F35 }, { 0x0F37, 0x0F37 },
	{ 0x0F39, 0x0F39 }, { 0x0F71, 0x0F7E }, { 0x0F80, 0x0F84 }, { 0x0F86, 0x0F87 },
	{ 0x0F8D, 0x0FBC }, { 0x0FC6, 0x0FC6 }, { 0x102D, 0x1030 }, { 0x1032, 0x1037 },
	{ 0x1039, 0x103A }, { 0x103D, 0x103E }, { 0x1058, 0x1059 }, { 0x1160, 0x11FF },
	{ 0x135D, 0x135F }, { 0x1712, 0x1714 }, { 0x1732, 0x1734 }, { 0x1752, 0x1753 },
	{ 0x1772, 0x1773 }, { 0x17B4, 0x17B5 }, { 0x17B7, 0x17BD }, { 0x17C6, 0x17C6 },
	{ 0x17C9, 0x17D3 }, { 0x17DD, 0x17DD }, { 0x180B, 0x180F }, { 0x18A9, 0x18A9 },
	{ 0x1920, 0x1922 }, { 0x1927, 0x1928 }, { 0x1932, 0x1932 }, { 0x1939, 0x193B },
	{ 0x1A17, 0x1A18 }, { 0x1AB0, 0x1AFF }, { 0x1B00, 0x1B03 }, { 0x1B34, 0x1B34 },
	{ 0x1B36, 0x1B3A }, { 0x1B6B, 0x1B73 }, { 0x1DC0, 0x1DFF }, { 0x200B, 0x200F },
	{ 0x202A, 0x202E }, { 0x2060, 0x206F }, { 0x20D0, 0x20FF }, { 0x2CEF, 0x2CF1 },
	{ 0x2DE0, 0x2DFF }, { 0x302A, 0x302D }, { 0x3099, 0x309A }, { 0xA66F, 0xA672 },
	{ 0xA674, 0xA67D }, { 0xA69E, 0xA69F }, { 0xA6F0, 0xA6F1 }, { 0xA802, 0xA802 },
	{ 0xA806, 0xA806 }, { 0xA80B, 0xA80B }, { 0xA825, 0xA826 }, { 0xA8C4, 0xA8C5 },
	{ 0xA8E0, 0xA8F1 }, { 0xA926, 0xA92D }, { 0xA947, 0xA951 }, { 0xFB1E, 0xFB1E },
	{ 0xFE00, 0xFE0F }, { 0xFE20, 0xFE2F }, { 0xFEFF, 0xFEFF }, { 0xFFF9, 0xFFFB },
	{ 0x101FD, 0x101FD }, { 0x1D167, 0x1D169 }, { 0x1D173, 0x1D182 }, { 0x1D185, 0x1D18B },
	{ 0x1D1AA, 0x1D1AD }, { 0xE0001, 0xE0001 }, { 0xE0020, 0xE007F }, { 0xE0100, 0xE01EF },
};

/* East Asian Wide/Fullwidth and emoji with default emoji presentation. */
static const struct range wide[] = {
	{ 0x1100, 0x115F }, { 0x231A, 0x231B }, { 0x2329, 0x232A }, { 0x23E9, 0x23EC },
	{ 0x23F0, 0x23F0 }, { 0x23F3, 0x23F3 }, { 0x25FD, 0x25FE }, { 0x2614, 0x2615 },
	{ 0x2648, 0x2653 }, { 0x267F, 0x267F }, { 0x2693, 0x2693 }, { 0x26A1, 0x26A1 },
	{ 0x26AA, 0x26AB }, { 0x26BD, 0x26BE }, { 0x26C4, 0x26C5 }, { 0x26CE, 0x26CE },
	{ 0x26D4, 0x26D4 }, { 0x26EA, 0x26EA }, { 0x26F2, 0x26F3 }, { 0x26F5, 0x26F5 },
	{ 0x26FA, 0x26FA }, { 0x26FD, 0x26FD }, { 0x2705, 0x2705 }, { 0x270A, 0x270B },
	{ 0x2728, 0x2728 }, { 0x274C, 0x274C }, { 0x274E, 0x274E }, { 0x2753, 0x2755 },
	{ 0x2757, 0x2757 }, { 0x2795, 0x2797 }, { 0x27B0, 0x27B0 }, { 0x27BF, 0x27BF },
	{ 0x2B1B, 0x2B1C }, { 0x2B50, 0x2B50 }, { 0x2B55, 0x2B55 }, { 0x2E80, 0x303E },
	{ 0x3041, 0x33FF }, { 0x3400, 0x4DBF }, { 0x4E00, 0x9FFF }, { 0xA000, 0xA4CF },
	{ 0xA960, 0xA97F }, { 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF }, { 0xFE10, 0xFE19 },
	{ 0xFE30, 0xFE6F }, { 0xFF00, 0xFF60 }, { 0xFFE0, 0xFFE6 }, { 0x16FE0, 0x16FE4 },
	{ 0x17000, 0x18AFF }, { 0x1B000, 0x1B2FF }, { 0x1F004, 0x1F004 }, { 0x1F0CF, 0x1F0CF },
	{ 0x1F18E, 0x1F18E }, { 0x1F191, 0x1F19A }, { 0x1F200, 0x1F251 }, { 0x1F300, 0x1F320 },
	{ 0x1F32D, 0x1F335 }, { 0x1F337, 0x1F37C }, { 0x1F37E, 0x1F393 }, { 0x1F3A0, 0x1F3CA },
	{ 0x1F3CF, 0x1F3D3 }, { 0x1F3E0, 0x1F3F0 }, { 0x1F3F4, 0x1F3F4 }, { 0x1F3F8, 0x1F43E },
	{ 0x1F440, 0x1F440 }, { 0x1F442, 0x1F4FC }, { 0x1F4FF, 0x1F53D }, { 0x1F54B, 0x1F54E },
	{ 0x1F550, 0x1F567 }, { 0x1F57A, 0x1F57A }, { 0x1F595, 0x1F596 }, { 0x1F5A4, 0x1F5A4 },
	{ 0x1F5FB, 0x1F64F }, { 0x1F680, 0x1F6C5 }, { 0x1F6CC, 0x1F6CC }, { 0x1F6D0, 0x1F6D2 },
	{ 0x1F6D5, 0x1F6D7 }, { 0x1F6EB, 0x1F6EC }, { 0x1F6F4, 0x1F6FC }, { 0x1F7E0, 0x1F7EB },
	{ 0x1F90C, 0x1F93A }, { 0x1F93C, 0x1F945 }, { 0x1F947, 0x1F9FF }, { 0x1FA70, 0x1FAFF },
	{ 0x20000, 0x2FFFD }, { 0x30000, 0x3FFFD },
};

static bool in_table(uint32_t cp, const struct range *t, size_t n)
{
	size_t lo = 0, hi = n;

	if (cp < t[0].first || cp > t[n - 1].last)
		return false;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cp > t[mid].last)
			lo = mid + 1;
		else if (cp < t[mid].first)
			hi = mid;
		else
			return true;
	}
	return false;
}

int utf8_cp_width(uint32_t cp)
{
	if (cp == 0)
		return 0;
	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
		return -1;
	if (cp < 0x300)
		return 1;
	if (in_table(cp, zero_width, sizeof(zero_width) / sizeof(zero_width[0])))
		return 0;
	if (in_table(cp, wide, sizeof(wide) / sizeof(wide[0])))
		return 2;
	return 1;
}

size_t utf8_width(const char *s, size_t n)
{
	size_t i = 0, w = 0;

	while (i < n) {
		uint32_t cp;
		int len = utf8_decode(s + i, n - i, &cp);
		int cw;

		if (len < 0) {
			w++;
			i++;
			continue;
		}
		cw = utf8_cp_width(cp);
		w += cw < 0 ? 1 : (size_t)cw;
		i += (size_t)len;
	}
	return w;
}

size_t utf8_fit(const char *s, size_t n, size_t cols, size_t *used)
{
	size_t i = 0, w = 0;

	while (i < n) {
		uint32_t cp;
		int len = utf8_decode(s + i, n - i, &cp);
		int cw;

		if (len < 0) {
			len = 1;
			cw = 1;
		} else {
			cw = utf8_cp_width(cp);
			if (cw < 0)
				cw = 1;
		}
		if (w + (size_t)cw > cols)
			break;
		w += (size_t)cw;
		i += (size_t)len;
	}
	if (used)
		*used = w;
	return i;
}

/* Bidi controls and zero-width characters that could reorder or hide text. */
static bool dropped(uint32_t cp)
{
	return cp == 0x061C || (cp >= 0x200B && cp <= 0x200F) ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2069) ||
	       cp == 0xFEFF;
}

static bool combining(uint32_t cp)
{
	return cp >= 0x300 && utf8_cp_width(cp) == 0;
}

/*
 * skip_string: p[i] starts a control string's body (OSC, DCS, SOS, PM, APC);
 * returns the index after its terminator: BEL, ESC \ (7-bit ST) or U+009C
 * (8-bit ST, encoded C2 9C), or n when it never ends.
 */
static size_t skip_string(const unsigned char *p, size_t i, size_t n)
{
	for (; i < n; i++) {
		if (p[i] == 0x07)
			return i + 1;
		if (p[i] == 0x1B && i + 1 < n && p[i + 1] == '\\')
			return i + 2;
		if (p[i] == 0xC2 && i + 1 < n && p[i + 1] == 0x9C)
			return i + 2;
		if (p[i] == 0x9C)
			return i + 1;
	}
	return n;
}

/* skip_csi: p[i] is the first byte after CSI; parameters and intermediates
 * (0x20..0x3F) then one final byte (0x40..0x7E). */
static size_t skip_csi(const unsigned char *p, size_t i, size_t n)
{
	while (i < n && p[i] >= 0x20 && p[i] <= 0x3F)
		i++;
	if (i < n && p[i] >= 0x40 && p[i] <= 0x7E)
		i++;
	return i;
}

/* skip_escape: p[i] is ESC. */
static size_t skip_escape(const unsigned char *p, size_t i, size_t n)
{
	unsigned char c;

	if (++i >= n)
		return n;
	c = p[i];
	switch (c) {
	case '[':
		return skip_csi(p, i + 1, n);
	case ']':
	case 'P':
	case 'X':
	case '^':
	case '_':
		return skip_string(p, i + 1, n);
	default:
		break;
	}
	if (c >= 0x20 && c <= 0x2F) {	/* intermediates, then a final byte */
		while (i < n && p[i] >= 0x20 && p[i] <= 0x2F)
			i++;
		return i < n && p[i] >= 0x30 && p[i] <= 0x7E ? i + 1 : i;
	}
	if (c >= 0x30 && c <= 0x7E)
		return i + 1;
	return i;	/* ESC before something else: drop the ESC alone */
}

static int add_cp(struct buf *out, uint32_t cp)
{
	char e[4];

	return buf_add(out, e, (size_t)utf8_encode(cp, e));
}

int utf8_sanitize(struct buf *out, const char *s, size_t n, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	int marks = 0;		/* combining marks after the current base */
	bool base = false;	/* a base character was written */

	while (i < n) {
		unsigned char c = p[i];
		uint32_t cp;
		int len;

		if (c == 0x1B) {
			i = skip_escape(p, i, n);
			continue;
		}
		if (c < 0x20 || c == 0x7F) {
			i++;
			if (c == '\n' && (flags & UTF8_KEEP_NEWLINE)) {
				if (buf_addc(out, '\n') < 0)
					return -1;
				base = false;
				marks = 0;
				continue;
			}
			if (c == '\t') {
				if (buf_addc(out, (flags & UTF8_KEEP_TAB) ? '\t' : ' ') < 0)
					return -1;
			} else if (c == '\r' && i < n && p[i] == '\n') {
				continue;	/* CRLF reads as LF */
			} else if (add_cp(out, c == '\n' ? 0x23CE : UTF8_REPLACEMENT) < 0) {
				return -1;
			}
			base = true;
			marks = 0;
			continue;
		}
		if (c < 0x80) {
			if (buf_addc(out, (char)c) < 0)
				return -1;
			i++;
			base = true;
			marks = 0;
			continue;
		}
		len = utf8_decode(s + i, n - i, &cp);
		if (len < 0) {
			if (add_cp(out, UTF8_REPLACEMENT) < 0)
				return -1;
			i++;
			base = true;
			marks = 0;
			continue;
		}
		i += (size_t)len;
		if (cp >= 0x80 && cp <= 0x9F) {		/* C1 controls */
			if (cp == 0x9B)
				i = skip_csi(p, i, n);
			else if (cp == 0x9D || cp == 0x90 || cp == 0x98 || cp == 0x9E || cp == 0x9F)
				i = skip_string(p, i, n);
			else if (add_cp(out, UTF8_REPLACEMENT) < 0)
				return -1;
			continue;
		}
		if (dropped(cp))
			continue;
		if (cp == 0xFFFE || cp == 0xFFFF) {
			if (add_cp(out, UTF8_REPLACEMENT) < 0)
				return -1;
			base = true;
			marks = 0;
			continue;
		}
		if (combining(cp)) {
			if (!base || ++marks > 4)
				continue;
		} else {
			base = true;
			marks = 0;
		}
		if (buf_add(out, s + i - len, (size_t)len) < 0)
			return -1;
	}
	return 0;
}

char *utf8_sanitize_dup(const char *s, unsigned flags)
{
	struct buf b;

	buf_init(&b, 0);
	if (utf8_sanitize(&b, s, strlen(s), flags) < 0)
		buf_release(&b);
	return buf_take(&b, NULL);
}
