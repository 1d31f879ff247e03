/*
 * s3d.h: the sandbox's S3 service, on its own loopback port.
 *
 * Buckets are folders under data_dir; every write is atomic.  Requests are
 * checked with SigV4 against the one configured key pair; anonymous
 * requests pass only where a bucket policy allows them.  It runs its own
 * libmicrohttpd threads; s3d_stop joins them.
 */
#ifndef DATALAB_SANDBOX_S3D_H
#define DATALAB_SANDBOX_S3D_H

#include "datalab/core/error.h"

struct s3d_config {
	const char *data_dir;	/* buckets live in data_dir/<bucket>/ */
	const char *bind_addr;	/* "127.0.0.1" */
	int port;		/* 0 = an ephemeral port (see s3d_port) */
	const char *tls_cert_pem;	/* PEM text; NULL = plain HTTP */
	const char *tls_key_pem;
	const char *tls_ca_path;	/* the CA file clients should trust (AWS_CA_BUNDLE);
					 * NULL: state_dir/tls/ca.crt when it exists */
	const char *access_key;
	const char *secret_key;
	const char *region;	/* "us-east-1" */
	const char *user;	/* the datalab user: personal bucket "user-<user>" */
	int seed;		/* 1: create the default buckets and sample data if missing */
	const char *state_dir;	/* the sandbox's folder (client configs are written there) */
};

struct s3d;

struct s3d *s3d_start(const struct s3d_config *cfg, struct error *err);
int s3d_port(const struct s3d *s);
/* s3d_stop: NULL is a no-op. */
void s3d_stop(struct s3d *s);

/*
 * s3d_write_env: writes what S3 clients need into dir, atomically:
 * s3.env (sh: export AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_DEFAULT_REGION, DATALAB_S3_ENDPOINT=http://127.0.0.1:PORT, and
 * AWS_CA_BUNDLE with TLS), s3cfg (for s3cmd -c) and rclone.conf (a remote
 * named "sandbox").
 */
int s3d_write_env(const struct s3d *s, const char *dir, struct error *err);

#endif
