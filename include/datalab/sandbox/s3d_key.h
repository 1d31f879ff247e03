/*
 * s3d_key.h: bucket names and object keys for the sandbox's S3 store.
 *
 * A key is split on '/'; every segment but the last names a folder, the
 * last names the object file.  Folders carry the suffix "%2F" (the '/' they
 * stand for) and object files none, so "dir" and "dir/file" both fit, as
 * does "dir/" (segment "" is the file "%" inside "dir%2F").  In a segment,
 * '%', control bytes and a leading '.' are %XX-escaped, so no name can be
 * ".", "..", or one of the store's dot files; every other UTF-8 byte is
 * kept, so folders read as the keys they hold.
 */
#ifndef DATALAB_SANDBOX_S3D_KEY_H
#define DATALAB_SANDBOX_S3D_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"

#define S3D_KEY_MAX 1024
#define S3D_SEGMENT_MAX 250	/* encoded bytes, so "<seg>%2F" fits NAME_MAX */

/* s3d_key_bucket_valid: S3's rules: 3..63 of [a-z0-9.-], starting and
 * ending with a letter or digit, no "..", not an IPv4 address. */
bool s3d_key_bucket_valid(const char *name);

/* s3d_key_check: 0, or -1 with *code ("KeyTooLongError",
 * "InvalidArgument") and a sentence in err: empty, over 1024 bytes, not
 * UTF-8, a NUL byte, a leading '/', a ".." segment, or a segment too long
 * for a file name. */
int s3d_key_check(const char *key, size_t len, const char **code, struct error *err);
/* s3d_key_path: the encoded relative path of a checked key ("a%2F/b"),
 * xmalloc'd. */
char *s3d_key_path(const char *key);
/* s3d_key_name_decode: a folder entry's name back to its key segment,
 * appended to seg; *is_dir tells a "%2F" folder.  -1 for names that are
 * not ours (dot files, temp files, bad escapes). */
int s3d_key_name_decode(const char *name, struct buf *seg, bool *is_dir);

#endif
