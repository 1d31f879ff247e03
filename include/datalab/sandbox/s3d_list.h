/*
 * s3d_list.h: one listing engine for ListObjects v1 and v2.
 *
 * Keys come out in UTF-8 byte order, as S3 lists them.  The walk starts at
 * the folder of the prefix's last '/', visits each folder's entries sorted
 * by the key text they stand for (a folder "d%2F" sorts as "d/"), skips
 * whole folders that lie before the start key, and folds a folder into one
 * CommonPrefix without entering it when the delimiter is '/'.  Sorted
 * entries of large folders are cached against the store's generation, so
 * paging through 100,000 keys reads the folder once, then binary-searches
 * the start of each page.
 */
#ifndef DATALAB_SANDBOX_S3D_LIST_H
#define DATALAB_SANDBOX_S3D_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/core/error.h"
#include "datalab/sandbox/s3d_store.h"

struct s3d_list_opts {
	const char *prefix;	/* NULL or "" = every key */
	const char *delimiter;	/* NULL or "" = none */
	const char *after;	/* exclusive start (marker, start-after, token); NULL = none */
	size_t max_keys;	/* keys + common prefixes per page */
};

struct s3d_list_item {
	char *key;
	bool is_prefix;		/* a CommonPrefix */
	uint64_t size;
	char etag[48];
	int64_t mtime_ms;
};

struct s3d_list_result {
	struct s3d_list_item *items;
	size_t n;
	bool truncated;		/* more keys follow the last item */
};

struct s3d_lister;

struct s3d_lister *s3d_list_new(struct s3d_store *st);
void s3d_list_free(struct s3d_lister *l);
/* s3d_list: one page of bucket's keys.  -1 with err when the bucket is
 * missing (ERR_NOT_FOUND) or a folder cannot be read. */
int s3d_list_page(struct s3d_lister *l, const char *bucket, const struct s3d_list_opts *o, struct s3d_list_result *out,
	     struct error *err);
void s3d_list_result_release(struct s3d_list_result *r);

#endif
