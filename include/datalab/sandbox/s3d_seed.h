/*
 * s3d_seed.h: what a new sandbox user finds: a key pair generated once
 * and kept, client configuration files, and Onyxia's buckets with sample
 * data.
 *
 * Buckets, created only when missing (an existing bucket is left as the
 * user left it): "user-<user>" (personal: a README, data/ with CSV and
 * Parquet, images/ with PNGs, a nested projects/ tree) and "projet-demo"
 * (shared: diffusion/ made public with Onyxia's policy statements, and
 * logs/events/ holding 2,000 small objects so paging shows).  The sample
 * files are generated here: a Parquet file written by a small PLAIN,
 * uncompressed, one-row-group writer (Thrift compact footer), and PNGs
 * with stored deflate blocks; nothing is read from outside.
 */
#ifndef DATALAB_SANDBOX_S3D_SEED_H
#define DATALAB_SANDBOX_S3D_SEED_H

#include <stdbool.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/sandbox/s3d_store.h"

#define S3D_SEED_EVENTS 2000

struct s3d_keys {
	char access_key[64];
	char secret_key[96];
};

/* s3d_seed_keys: ak/sk when given, else the pair kept in
 * data_dir/.s3d/credentials.json, else a new pair written there (0600). */
int s3d_seed_keys(const char *data_dir, const char *ak, const char *sk, struct s3d_keys *out, struct error *err);

struct s3d_env {
	const char *access_key, *secret_key, *region;
	const char *host;
	int port;
	bool tls;
	const char *ca_path;	/* with tls: AWS_CA_BUNDLE, s3cmd's ca_certs_file */
};

/* s3d_seed_write_env: dir/s3.env, dir/s3cfg and dir/rclone.conf (remote
 * "sandbox"), each written atomically, mode 0600. */
int s3d_seed_write_env(const struct s3d_env *e, const char *dir, struct error *err);

/* s3d_seed_buckets: creates the missing default buckets with their data. */
int s3d_seed_buckets(struct s3d_store *st, const char *user, struct error *err);

/* The sample files, for tests. */
void s3d_seed_parquet(struct buf *out);
void s3d_seed_png(struct buf *out, int width, int height, int style);
void s3d_seed_csv(struct buf *out);

#endif
