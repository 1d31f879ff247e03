/*
 * config.c: the S3 endpoint and credentials (see config.h).
 *
 * Data flow: s3_config_init empties the struct; each apply_* call
 * overwrites the fields its source sets (an empty string counts as unset,
 * as Onyxia writes AWS_SESSION_TOKEN: ""); s3_config_finish normalises
 * the endpoint to "scheme://host[:port][/base]" and fills the defaults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/s3/config.h"

void s3_config_init(struct s3_config *c)
{
	memset(c, 0, sizeof(*c));
}

void s3_config_release(struct s3_config *c)
{
	free(c->endpoint);
	free(c->region);
	free(c->access_key);
	free(c->secret_key);
	free(c->session_token);
	free(c->ca_file);
	s3_config_init(c);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void s3_config_copy(struct s3_config *dst, const struct s3_config *src)
{
	s3_config_init(dst);
	dst->endpoint = dup_or_null(src->endpoint);
	dst->region = dup_or_null(src->region);
	dst->access_key = dup_or_null(src->access_key);
	dst->secret_key = dup_or_null(src->secret_key);
	dst->session_token = dup_or_null(src->session_token);
	dst->ca_file = dup_or_null(src->ca_file);
	dst->style = src->style;
	dst->insecure = src->insecure;
}

/* set: replaces *dst with a copy of v unless v is NULL or empty. */
static void set(char **dst, const char *v)
{
	if (!v || !*v)
		return;
	free(*dst);
	*dst = xstrdup(v);
}

static int parse_bool(const char *name, const char *v, bool *out, struct error *err)
{
	static const char *const yes[] = { "1", "true", "yes", "on" }, *const no[] = { "0", "false", "no", "off" };

	for (size_t i = 0; i < DL_ARRAY_LEN(yes); i++) {
		if (str_case_eq(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (str_case_eq(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return error_set(err, ERR_INVALID, "%s: expected true or false, got '%.64s'", name, v);
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int s3_config_apply_json(struct s3_config *c, const cJSON *s3, struct error *err)
{
	const cJSON *v;
	const char *url;

	if (!s3 || cJSON_IsNull(s3))
		return 0;
	if (!cJSON_IsObject(s3))
		return error_set(err, ERR_INVALID, "the account's 's3' is not an object");
	url = jstr(s3, "URL");
	if (!url || !*url)
		url = jstr(s3, "AWS_S3_ENDPOINT");
	if (url && *url) {
		v = cJSON_GetObjectItemCaseSensitive(s3, "port");
		/* Onyxia's context form: a bare host plus a port number */
		if (!strstr(url, "://") && !strchr(url, ':') && cJSON_IsNumber(v) && v->valuedouble > 0 &&
		    v->valuedouble < 65536) {
			char *u = xasprintf("%s://%s:%d", v->valueint == 80 ? "http" : "https", url, v->valueint);

			set(&c->endpoint, u);
			free(u);
		} else {
			set(&c->endpoint, url);
		}
	}
	set(&c->region, jstr(s3, "AWS_DEFAULT_REGION"));
	set(&c->region, jstr(s3, "region"));
	set(&c->access_key, jstr(s3, "AWS_ACCESS_KEY_ID"));
	set(&c->secret_key, jstr(s3, "AWS_SECRET_ACCESS_KEY"));
	set(&c->session_token, jstr(s3, "AWS_SESSION_TOKEN"));
	set(&c->ca_file, jstr(s3, "caFile"));
	v = cJSON_GetObjectItemCaseSensitive(s3, "pathStyleAccess");
	if (cJSON_IsBool(v))
		c->style = cJSON_IsTrue(v) ? S3_STYLE_PATH : S3_STYLE_VIRTUAL;
	v = cJSON_GetObjectItemCaseSensitive(s3, "insecure");
	if (cJSON_IsBool(v))
		c->insecure = cJSON_IsTrue(v);
	return 0;
}

static const char *env_get(const char *const *env, const char *key)
{
	size_t n = strlen(key);

	for (; env && *env; env++)
		if (strncmp(*env, key, n) == 0 && (*env)[n] == '=')
			return (*env)[n + 1] ? *env + n + 1 : NULL;
	return NULL;
}

int s3_config_apply_env(struct s3_config *c, const char *const *env, struct error *err)
{
	static const char *const endpoints[] = {
		"DATALAB_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_S3_ENDPOINT",
	};
	const char *v;
	bool b;

	for (size_t i = 0; i < DL_ARRAY_LEN(endpoints); i++) {
		if ((v = env_get(env, endpoints[i]))) {
			set(&c->endpoint, v);
			break;
		}
	}
	set(&c->access_key, env_get(env, "AWS_ACCESS_KEY_ID"));
	set(&c->secret_key, env_get(env, "AWS_SECRET_ACCESS_KEY"));
	set(&c->session_token, env_get(env, "AWS_SESSION_TOKEN"));
	if ((v = env_get(env, "AWS_DEFAULT_REGION")) || (v = env_get(env, "AWS_REGION")))
		set(&c->region, v);
	set(&c->ca_file, env_get(env, "AWS_CA_BUNDLE"));
	if ((v = env_get(env, "DATALAB_S3_PATH_STYLE"))) {
		if (parse_bool("DATALAB_S3_PATH_STYLE", v, &b, err) < 0)
			return -1;
		c->style = b ? S3_STYLE_PATH : S3_STYLE_VIRTUAL;
	}
	if ((v = env_get(env, "DATALAB_S3_INSECURE"))) {
		if (parse_bool("DATALAB_S3_INSECURE", v, &b, err) < 0)
			return -1;
		c->insecure = b;
	}
	return 0;
}

/* The host[:port] part of a normalised endpoint. */
static void endpoint_host(const char *ep, const char **host, size_t *len)
{
	const char *p = strstr(ep, "://");

	p = p ? p + 3 : ep;
	*host = p;
	*len = strcspn(p, "/");
}

static int normalise_endpoint(struct s3_config *c, struct error *err)
{
	char *ep = c->endpoint, *n;
	size_t len;
	const char *host;
	size_t hlen;

	if (!strstr(ep, "://"))
		n = xasprintf("https://%s", ep);
	else if (str_has_prefix(ep, "http://") || str_has_prefix(ep, "https://"))
		n = xstrdup(ep);
	else
		return error_set(err, ERR_INVALID, "S3 endpoint '%.128s' is not an http or https URL", ep);
	n[strcspn(n, "?#")] = '\0';
	len = strlen(n);
	while (len > 0 && n[len - 1] == '/')
		n[--len] = '\0';
	endpoint_host(n, &host, &hlen);
	if (hlen == 0 || memchr(host, '@', hlen) || strpbrk(n, " \t\r\n")) {
		error_set(err, ERR_INVALID, "S3 endpoint '%.128s' has no usable host", ep);
		free(n);
		return -1;
	}
	free(c->endpoint);
	c->endpoint = n;
	return 0;
}

bool s3_config_is_aws(const struct s3_config *c)
{
	const char *host;
	size_t len, plen;
	const char *colon;

	if (!c->endpoint)
		return false;
	endpoint_host(c->endpoint, &host, &len);
	colon = memchr(host, ':', len);
	if (colon)
		len = (size_t)(colon - host);
	plen = strlen("amazonaws.com");
	return (len == plen || (len > plen && host[len - plen - 1] == '.')) &&
	       len >= plen && strncmp(host + len - plen, "amazonaws.com", plen) == 0;
}

int s3_config_finish(struct s3_config *c, struct error *err)
{
	if (!c->region)
		c->region = xstrdup("us-east-1");
	if (!c->endpoint)
		c->endpoint = strcmp(c->region, "us-east-1") == 0 ? xstrdup("https://s3.amazonaws.com") :
			      xasprintf("https://s3.%s.amazonaws.com", c->region);
	if (normalise_endpoint(c, err) < 0)
		return -1;
	if (c->access_key && !c->secret_key)
		return error_set(err, ERR_INVALID, "an S3 access key '%.40s' is set but no secret key", c->access_key);
	if (!c->access_key && c->secret_key)
		return error_set(err, ERR_INVALID, "an S3 secret key is set but no access key");
	if (c->style == S3_STYLE_AUTO)
		c->style = s3_config_is_aws(c) ? S3_STYLE_VIRTUAL : S3_STYLE_PATH;
	return 0;
}

/* A bucket name usable as a DNS label chain (RFC 1123, as S3 names are). */
static bool dns_safe(const char *b, bool allow_dots)
{
	size_t n = strlen(b);

	if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-' || b[0] == '.' || b[n - 1] == '.')
		return false;
	for (const char *p = b; *p; p++) {
		if (*p == '.' && (!allow_dots || p[1] == '.'))
			return false;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return false;
	}
	return true;
}

bool s3_config_virtual_host(const struct s3_config *c, const char *bucket)
{
	if (c->style != S3_STYLE_VIRTUAL || !bucket || !*bucket)
		return false;
	return dns_safe(bucket, !str_has_prefix(c->endpoint, "https://"));
}

int s3_config_endpoint_arg(const struct s3_config *c, struct buf *out)
{
	if (s3_config_is_aws(c))
		return 0;
	if (buf_adds(out, " --endpoint-url ") < 0)
		return -1;
	return str_shell_quote(out, c->endpoint);
}
