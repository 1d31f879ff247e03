/*
 * s3d.c: the sandbox's S3 service: a libmicrohttpd daemon with a thread
 * per connection (S3 is file I/O; nothing here touches the sandbox's event
 * loop), the request lifecycle of s3d_internal.h, SigV4 checks on every
 * request, and the replies every operation shares (bodies: s3d_body.c).
 *
 * Flow of a request: uri_log (raw URI, new struct s3d_req) -> access
 * handler first call (parse, check credentials, route: reply now or expect
 * a body) -> calls with body bytes (decode, hash, sink) -> last call
 * (verify lengths and digests, run the operation's finish) -> completed
 * (free, drop an uncommitted temp file).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "datalab/core/file.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/sandbox/s3d_policy.h"
#include "datalab/sandbox/s3d_seed.h"
#include "datalab/sandbox/s3d_xml.h"
#include "s3d_internal.h"

#define MHD_MEMORY (1u << 20)	/* per connection: bigger upload reads */

/* ---- small request helpers ---- */

const char *s3d_req_header(struct s3d_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

static const char *auth_header(void *ctx, const char *name)
{
	return s3d_req_header(ctx, name);
}

const char *s3d_req_query(const struct s3d_req *r, const char *name)
{
	return s3d_auth_query_param(r->q, r->nq, name);
}

void s3d_req_fail(struct s3d_req *r, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (r->fail_code)
		return;
	s3d_req_body_drop(r);
	r->fail_status = status;
	r->fail_code = code;
	va_start(ap, fmt);
	vsnprintf(r->fail_msg, sizeof(r->fail_msg), fmt, ap);
	va_end(ap);
}

/* ---- replies ---- */

enum MHD_Result s3d_reply(struct s3d_req *r, unsigned status, struct MHD_Response *resp)
{
	enum MHD_Result ret;

	MHD_add_response_header(resp, "x-amz-request-id", r->id);
	MHD_add_response_header(resp, "x-amz-id-2", r->id);
	MHD_add_response_header(resp, "Server", "datalab-sandbox");
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->replied = true;
	log_debug("s3 %s %s -> %u", r->method, r->uri, status);
	return ret;
}

enum MHD_Result s3d_reply_empty(struct s3d_req *r, unsigned status)
{
	return s3d_reply(r, status, MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT));
}

enum MHD_Result s3d_reply_xml(struct s3d_req *r, unsigned status, struct buf *b)
{
	size_t n;
	char *data = buf_take(b, &n);
	struct MHD_Response *resp = MHD_create_response_from_buffer(n, data, MHD_RESPMEM_MUST_FREE);

	MHD_add_response_header(resp, "Content-Type", "application/xml");
	return s3d_reply(r, status, resp);
}

enum MHD_Result s3d_reply_error_x(struct s3d_req *r, unsigned status, const char *code, const char *msg,
				  const char *const *extra)
{
	struct buf b;
	struct buf resource;

	if (status >= 500)
		log_warn("s3 %s %s: %u %s: %s", r->method, r->uri, status, code, msg);
	else
		log_debug("s3 %s %s: %u %s: %s", r->method, r->uri, status, code, msg);
	if (strcmp(r->method, "HEAD") == 0) {
		struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);

		return s3d_reply(r, status, resp);
	}
	buf_init(&b, 0);
	buf_init(&resource, 0);
	buf_adds(&resource, r->path ? r->path : "/");
	s3d_xml_error(&b, code, msg, resource.data, r->id, extra);
	buf_release(&resource);
	return s3d_reply_xml(r, status, &b);
}

enum MHD_Result s3d_reply_error(struct s3d_req *r, unsigned status, const char *code, const char *msg)
{
	const char *extra[6] = { NULL };
	size_t n = 0;

	if (r->bucket && (strcmp(code, "NoSuchBucket") == 0 || strcmp(code, "BucketNotEmpty") == 0 ||
			  strcmp(code, "NoSuchBucketPolicy") == 0 || strcmp(code, "BucketAlreadyOwnedByYou") == 0)) {
		extra[n++] = "BucketName";
		extra[n++] = r->bucket;
	}
	if (r->key && strcmp(code, "NoSuchKey") == 0) {
		extra[n++] = "Key";
		extra[n++] = r->key;
	}
	return s3d_reply_error_x(r, status, code, msg, extra);
}

/* ---- authorization for anonymous callers ---- */

bool s3d_req_anonymous_allowed(struct s3d_req *r, const char *bucket, const char *action, const char *resource,
			       const char *prefix)
{
	struct buf text;
	struct s3d_policy *p;
	bool ok = false;

	buf_init(&text, S3D_POLICY_MAX * 2);
	if (s3d_store_policy_get(r->s->st, bucket, &text, NULL) == 0) {
		p = s3d_policy_parse(text.data, text.len, bucket, NULL);
		ok = s3d_policy_allows(p, action, resource, prefix);
		s3d_policy_free(p);
	}
	buf_release(&text);
	return ok;
}

/* ---- parsing the request line ---- */

static int parse_query(struct s3d_req *r, const char *qs)
{
	size_t n;
	char **parts = str_split(qs, '&', &n);
	int rc = 0;

	r->q = xcalloc(n ? n : 1, sizeof(*r->q));
	for (size_t i = 0; i < n; i++) {
		char *eq = strchr(parts[i], '=');
		struct buf name, value;

		if (!*parts[i])
			continue;
		buf_init(&name, 0);
		buf_init(&value, 0);
		if (eq)
			*eq = '\0';
		if (str_url_decode(&name, parts[i], strlen(parts[i]), false) < 0 ||
		    (eq && str_url_decode(&value, eq + 1, strlen(eq + 1), false) < 0))
			rc = -1;
		r->q[r->nq].name = buf_take(&name, NULL);
		r->q[r->nq].value = buf_take(&value, NULL);
		r->nq++;
	}
	str_free_list(parts);
	return rc;
}

static int parse_uri(struct s3d_req *r)
{
	const char *qm = strchr(r->uri, '?');
	size_t plen = qm ? (size_t)(qm - r->uri) : strlen(r->uri);
	struct buf path;
	const char *p, *slash;

	buf_init(&path, 0);
	if (str_url_decode(&path, r->uri, plen, false) < 0 || path.len == 0 || path.data[0] != '/' ||
	    memchr(path.data, '\0', path.len)) {
		buf_release(&path);
		r->path = xstrdup("/");
		return -1;
	}
	r->path = buf_take(&path, NULL);
	r->raw_path = xstrndup(r->uri, plen);
	if (parse_query(r, qm ? qm + 1 : "") < 0)
		return -1;
	p = r->path + 1;
	if (!*p)
		return 0;
	slash = strchr(p, '/');
	r->bucket = slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup(p);
	if (slash && slash[1])
		r->key = xstrdup(slash + 1);
	return 0;
}

/* ---- the daemon's callbacks ---- */

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct s3d *s = cls;
	struct s3d_req *r = xcalloc(1, sizeof(*r));
	uint64_t n = atomic_fetch_add(&s->reqno, 1);

	r->s = s;
	r->conn = conn;
	r->uri = xstrdup(uri ? uri : "/");
	r->fd = -1;
	snprintf(r->id, sizeof(r->id), "%08X%08X", s->idbase, (unsigned)n);
	buf_init(&r->mem, 1);
	return r;
}

static void req_free(struct s3d_req *r)
{
	if (r->fd >= 0)
		close(r->fd);
	if (r->tmp)
		unlink(r->tmp);
	free(r->tmp);
	s3d_chunked_free(r->chunked);
	s3d_sum_release(&r->md5);
	s3d_sum_release(&r->sha256);
	s3d_sum_release(&r->csum);
	s3d_auth_release(&r->auth);
	buf_release(&r->mem);
	for (size_t i = 0; i < r->nq; i++) {
		free((char *)r->q[i].name);
		free((char *)r->q[i].value);
	}
	free(r->q);
	free(r->uri);
	free(r->path);
	free(r->raw_path);
	free(r->bucket);
	free(r->key);
	free(r);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	if (*con_cls)
		req_free(*con_cls);
	*con_cls = NULL;
}

/* seeded_wait: requests arriving while the sample buckets are being
 * written wait for them, so nobody sees a half-seeded store. */
static void seeded_wait(struct s3d *s)
{
	pthread_mutex_lock(&s->seed_mu);
	while (!s->seeded)
		pthread_cond_wait(&s->seed_cv, &s->seed_mu);
	pthread_mutex_unlock(&s->seed_mu);
}

static void *seed_main(void *arg)
{
	struct s3d *s = arg;
	struct error err;
	uint64_t t0 = time_mono_ms();

	if (s3d_seed_buckets(s->st, s->user, &err) < 0)
		log_warn("S3: the sample buckets are incomplete: %s", err.msg);
	else
		log_debug("S3: sample buckets checked in %llu ms", (unsigned long long)(time_mono_ms() - t0));
	pthread_mutex_lock(&s->seed_mu);
	s->seeded = true;
	pthread_cond_broadcast(&s->seed_cv);
	pthread_mutex_unlock(&s->seed_mu);
	return NULL;
}

static enum MHD_Result begin(struct s3d_req *r)
{
	enum s3d_auth_kind kind;
	struct s3d_auth_req arq;

	seeded_wait(r->s);

	if (parse_uri(r) < 0)
		return s3d_reply_error(r, 400, "InvalidURI", "Couldn't parse the specified URI.");
	arq.method = r->method;
	arq.path = r->path;
	arq.raw_path = r->raw_path;
	arq.query = r->q;
	arq.nquery = r->nq;
	arq.header = auth_header;
	arq.ctx = r;
	arq.now = time_wall_ms() / 1000;
	kind = s3d_auth_check(&arq, r->s->access_key, r->s->secret_key, &r->auth);
	if (kind == S3D_AUTH_FAILED) {
		const char *extra[9] = { NULL };
		size_t n = 0;

		if (strcmp(r->auth.code, "SignatureDoesNotMatch") == 0) {
			extra[n++] = "AWSAccessKeyId";
			extra[n++] = r->s->access_key;
			extra[n++] = "StringToSign";
			extra[n++] = r->auth.string_to_sign.data;
			extra[n++] = "CanonicalRequest";
			extra[n++] = r->auth.canonical.data;
		}
		return s3d_reply_error_x(r, (unsigned)r->auth.status, r->auth.code, r->auth.message, extra);
	}
	r->anonymous = kind == S3D_AUTH_ANONYMOUS;
	if (!r->bucket) {
		if (r->anonymous)
			return s3d_reply_error(r, 403, "AccessDenied", "Access Denied");
		if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
			return s3d_bucket_list_all(r);
		return s3d_reply_error(r, 405, "MethodNotAllowed",
				       "The specified method is not allowed against this resource.");
	}
	if (r->key)
		return s3d_object_route(r);
	return s3d_bucket_route(r);
}

static enum MHD_Result finish(struct s3d_req *r)
{
	if (r->replied)
		return MHD_YES;
	if (r->fail_code)
		return s3d_reply_error(r, (unsigned)r->fail_status, r->fail_code, r->fail_msg);
	if (r->finish)
		return r->finish(r);
	return s3d_reply_error(r, 500, "InternalError", "We encountered an internal error. Please try again.");
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				      const char *version, const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	struct s3d_req *r = *con_cls;

	(void)cls;
	(void)url;
	(void)version;
	if (!r)
		return MHD_NO;
	if (!r->started) {
		r->started = true;
		r->conn = conn;
		r->method = method;
		return begin(r);
	}
	if (*upload_data_size) {
		enum MHD_Result ret = s3d_req_body_bytes(r, upload_data, *upload_data_size);

		*upload_data_size = 0;
		return ret;
	}
	return finish(r);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("s3 (libmicrohttpd): %s", line);
}

/* ---- the contract (s3d.h) ---- */

struct s3d *s3d_start(const struct s3d_config *cfg, struct error *err)
{
	struct s3d *s;
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	struct s3d_keys keys;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)cfg->port);
	if (inet_pton(AF_INET, cfg->bind_addr ? cfg->bind_addr : "127.0.0.1", &sa.sin_addr) != 1) {
		error_set(err, ERR_INVALID, "'%s' is not an IPv4 address", cfg->bind_addr);
		return NULL;
	}
	if (cfg->tls_cert_pem && !MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		error_set(err, ERR_UNSUPPORTED, "libmicrohttpd was built without TLS");
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->seed_mu, NULL);
	pthread_cond_init(&s->seed_cv, NULL);
	s->st = s3d_store_open(cfg->data_dir, err);
	if (!s->st) {
		s3d_stop(s);
		return NULL;
	}
	if (s3d_seed_keys(cfg->data_dir, cfg->access_key, cfg->secret_key, &keys, err) < 0)
		goto fail;
	s->access_key = xstrdup(keys.access_key);
	s->secret_key = xstrdup(keys.secret_key);
	s->region = xstrdup(cfg->region ? cfg->region : "us-east-1");
	s->user = xstrdup(cfg->user ? cfg->user : "alice");
	s->bind = xstrdup(cfg->bind_addr ? cfg->bind_addr : "127.0.0.1");
	s->ca_path = cfg->tls_ca_path ? xstrdup(cfg->tls_ca_path) : NULL;
	if (!s->ca_path && cfg->tls_cert_pem && cfg->state_dir) {
		/* the CA the sandbox's bootstrap keeps for both APIs */
		char *ca = xasprintf("%s/tls/ca.crt", cfg->state_dir);

		if (file_exists(ca))
			s->ca_path = ca;
		else
			free(ca);
	}
	s->lister = s3d_list_new(s->st);
	s->idbase = (uint32_t)(time_mono_ms() * 2654435761u) ^ (uint32_t)getpid();
	if (!cfg->seed) {
		s->seeded = true;
	} else if (pthread_create(&s->seeder, NULL, seed_main, s) != 0) {
		error_set(err, ERR_SYS, "cannot start the seeding thread");
		goto fail;
	} else {
		s->seeder_started = true;
	}
	if (cfg->tls_cert_pem) {
		s->tls = true;
		s->d = MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, access_handler, s,
					MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
					MHD_OPTION_URI_LOG_CALLBACK, uri_log, s,
					MHD_OPTION_NOTIFY_COMPLETED, completed, s,
					MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MHD_MEMORY,
					MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300,
					MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
					MHD_OPTION_HTTPS_MEM_CERT, cfg->tls_cert_pem,
					MHD_OPTION_HTTPS_MEM_KEY, cfg->tls_key_pem, MHD_OPTION_END);
	} else {
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, access_handler, s,
					MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
					MHD_OPTION_URI_LOG_CALLBACK, uri_log, s,
					MHD_OPTION_NOTIFY_COMPLETED, completed, s,
					MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MHD_MEMORY,
					MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300,
					MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, MHD_OPTION_END);
	}
	if (!s->d) {
		error_set(err, ERR_NET, "cannot listen on %s:%d for S3", s->bind, cfg->port);
		goto fail;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : cfg->port;
	log_info("S3 service on %s://%s:%d (data in %s)", s->tls ? "https" : "http", s->bind, s->port,
		 cfg->data_dir);
	return s;
fail:
	s3d_stop(s);
	return NULL;
}

int s3d_port(const struct s3d *s)
{
	return s ? s->port : 0;
}

void s3d_stop(struct s3d *s)
{
	if (!s)
		return;
	if (s->seeder_started)
		pthread_join(s->seeder, NULL);
	if (s->d)
		MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->seed_mu);
	pthread_cond_destroy(&s->seed_cv);
	s3d_list_free(s->lister);
	s3d_store_close(s->st);
	free(s->access_key);
	free(s->secret_key);
	free(s->region);
	free(s->user);
	free(s->bind);
	free(s->ca_path);
	free(s);
}

int s3d_write_env(const struct s3d *s, const char *dir, struct error *err)
{
	struct s3d_env env = {
		.access_key = s->access_key,
		.secret_key = s->secret_key,
		.region = s->region,
		.host = s->bind,
		.port = s->port,
		.tls = s->tls,
		.ca_path = s->ca_path,
	};

	return s3d_seed_write_env(&env, dir, err);
}
