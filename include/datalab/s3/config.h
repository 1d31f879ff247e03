/*
 * config.h: where the S3 endpoint is and which keys sign for it.
 *
 * Sources, lowest priority first (later ones win, as in catalog/context):
 * the "s3" section of the account file the console already keeps
 * (XDG config account.json: Onyxia's names URL, AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_DEFAULT_REGION,
 * pathStyleAccess, plus caFile and insecure), then the environment the AWS
 * CLI reads.  s3_config_finish fills the defaults: region us-east-1, the
 * AWS endpoint of the region when none is given, virtual-host addressing
 * for AWS and path style for everything else (MinIO, Ceph, the sandbox).
 * The account file is loaded by the domain layer (catalog/context) and
 * handed in as a cJSON section, so this module reads no file.
 */
#ifndef DATALAB_S3_CONFIG_H
#define DATALAB_S3_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"

enum s3_style {
	S3_STYLE_AUTO,		/* virtual host on *.amazonaws.com, else path */
	S3_STYLE_PATH,		/* http://host:port/bucket/key */
	S3_STYLE_VIRTUAL,	/* https://bucket.host/key */
};

struct s3_config {
	char *endpoint;		/* "scheme://host[:port]" + optional base path, no trailing '/' */
	char *region;
	char *access_key;	/* NULL: anonymous requests (no Authorization) */
	char *secret_key;
	char *session_token;	/* NULL when not STS credentials */
	enum s3_style style;
	char *ca_file;		/* PEM bundle; NULL: the system's */
	bool insecure;		/* skip TLS verification */
};

void s3_config_init(struct s3_config *c);
void s3_config_release(struct s3_config *c);
/* s3_config_copy: a deep copy of src into dst (dst initialised here). */
void s3_config_copy(struct s3_config *dst, const struct s3_config *src);

/* s3_config_apply_json: the account file's "s3" section (NULL is fine).
 * URL may be a host alone (Onyxia's AWS_S3_ENDPOINT form, with "port"). */
int s3_config_apply_json(struct s3_config *c, const cJSON *s3, struct error *err);
/*
 * s3_config_apply_env: env is "K=V" strings, NULL-terminated (environ).
 * Endpoint: DATALAB_S3_ENDPOINT, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL,
 * AWS_S3_ENDPOINT (first set wins); AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_DEFAULT_REGION then
 * AWS_REGION, AWS_CA_BUNDLE, DATALAB_S3_PATH_STYLE (true/false),
 * DATALAB_S3_INSECURE (true/1).
 */
int s3_config_apply_env(struct s3_config *c, const char *const *env, struct error *err);
/* s3_config_finish: defaults and checks (http/https scheme, a key id
 * without a secret); -1 with err when unusable. */
int s3_config_finish(struct s3_config *c, struct error *err);

/* s3_config_virtual_host: whether requests for bucket go to
 * bucket.host: virtual style and a DNS-safe bucket name (without dots
 * over https, where the certificate would not match). */
bool s3_config_virtual_host(const struct s3_config *c, const char *bucket);
/* s3_config_is_aws: the endpoint is an amazonaws.com host. */
bool s3_config_is_aws(const struct s3_config *c);
/* s3_config_endpoint_arg: appends " --endpoint-url URL" (shell-quoted)
 * for the aws commands the console shows; nothing for AWS itself. */
int s3_config_endpoint_arg(const struct s3_config *c, struct buf *out);

#endif
