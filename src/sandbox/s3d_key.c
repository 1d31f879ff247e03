/*
 * s3d_key.c: names: which bucket names and object keys the sandbox takes,
 * and how a key becomes a path of folder and file names and back (see
 * s3d_key.h).
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/sandbox/s3d_key.h"

#define DIR_SUFFIX "%2F"

bool s3d_key_bucket_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	int dots = 0, digits_only = 1;

	if (n < 3 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && c != '.' && c != '-')
			return false;
		if ((i == 0 || i == n - 1) && !alnum)
			return false;
		if (c == '.') {
			dots++;
			if (name[i + 1] == '.')
				return false;
		} else if (!(c >= '0' && c <= '9')) {
			digits_only = 0;
		}
	}
	if (dots == 3 && digits_only)
		return false;	/* looks like 192.168.5.4 */
	return !str_has_prefix(name, "xn--") && !str_has_suffix(name, "-s3alias");
}

static void seg_encode(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	if (n == 0) {
		buf_addc(out, '%');
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%' || c < 0x20 || c == 0x7f || (i == 0 && c == '.')) {
			buf_addc(out, '%');
			buf_addc(out, hex[c >> 4]);
			buf_addc(out, hex[c & 15]);
		} else {
			buf_addc(out, (char)c);
		}
	}
}

int s3d_key_check(const char *key, size_t len, const char **code, struct error *err)
{
	const char *seg = key, *end = key + len;

	*code = "InvalidArgument";
	if (len == 0)
		return error_set(err, ERR_INVALID, "the object key is empty");
	if (len > S3D_KEY_MAX) {
		*code = "KeyTooLongError";
		return error_set(err, ERR_INVALID, "Your key is too long");
	}
	if (memchr(key, '\0', len))
		return error_set(err, ERR_INVALID, "the object key holds a NUL byte");
	if (!utf8_valid(key, len))
		return error_set(err, ERR_INVALID, "the object key is not valid UTF-8");
	if (key[0] == '/')
		return error_set(err, ERR_INVALID, "the object key starts with '/'");
	while (seg <= end) {
		const char *slash = memchr(seg, '/', (size_t)(end - seg));
		size_t n = slash ? (size_t)(slash - seg) : (size_t)(end - seg);
		struct buf enc;

		if (n == 2 && seg[0] == '.' && seg[1] == '.')
			return error_set(err, ERR_INVALID, "the object key holds a '..' segment");
		buf_init(&enc, 0);
		seg_encode(&enc, seg, n);
		if (enc.len > S3D_SEGMENT_MAX) {
			buf_release(&enc);
			*code = "KeyTooLongError";
			return error_set(err, ERR_INVALID,
					 "a part of the key between slashes is longer than %d bytes, which this sandbox "
					 "cannot store", S3D_SEGMENT_MAX);
		}
		buf_release(&enc);
		if (!slash)
			break;
		seg = slash + 1;
	}
	return 0;
}

char *s3d_key_path(const char *key)
{
	struct buf b;
	const char *seg = key;

	buf_init(&b, 0);
	for (;;) {
		const char *slash = strchr(seg, '/');

		if (!slash) {
			seg_encode(&b, seg, strlen(seg));
			break;
		}
		seg_encode(&b, seg, (size_t)(slash - seg));
		buf_adds(&b, DIR_SUFFIX "/");
		seg = slash + 1;
	}
	return buf_take(&b, NULL);
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int s3d_key_name_decode(const char *name, struct buf *seg, bool *is_dir)
{
	size_t n = strlen(name);

	if (n == 0 || name[0] == '.')
		return -1;
	*is_dir = n >= 3 && strcmp(name + n - 3, DIR_SUFFIX) == 0;
	if (*is_dir)
		n -= 3;
	if (n == 1 && name[0] == '%')
		return 0;	/* the empty segment */
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = unhex(name[i + 1]);
			lo = unhex(name[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			buf_addc(seg, (char)(hi * 16 + lo));
			i += 2;
		} else {
			buf_addc(seg, name[i]);
		}
	}
	return 0;
}
