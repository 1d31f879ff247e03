/*
 * api.c: the sandbox's HTTP server on the core loop (see api.h).
 *
 * libmicrohttpd in "external epoll" mode: its epoll fd is one watch of the
 * core loop and a single loop timer follows MHD_get_timeout, so MHD_run
 * only runs when there is work.  Each connection carries a conn_state
 * (the request being read, then answered); the body is capped while it
 * arrives.  Streams are responses fed by a content reader from a queue:
 * when the queue is empty the connection is suspended (no busy loop) and
 * its socket is watched for a hang-up, which MHD cannot see while it is
 * suspended; a write or an end resumes it.  Both the connection (through
 * the completion callback) and the response (through its free callback)
 * hold a reference on a stream, so it lives until both are done; streams
 * are api_stream.c's.  The discovery documents are built in
 * api_discovery.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>

#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/api.h"
#include "datalab/sandbox/rest.h"
#include "datalab/sandbox/watchers.h"
#include "api-internal.h"

#define DEFAULT_MAX_BODY (3u * 1024 * 1024)

/* ---- loop integration ---- */

static void api_run(struct api *a);

static long on_timer(struct loop *l, void *arg)
{
	struct api *a = arg;

	(void)l;
	a->timer = 0;
	api_run(a);
	return LOOP_NOMORE;
}

static void on_epoll(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)l;
	(void)fd;
	(void)events;
	api_run(arg);
}

static void api_run(struct api *a)
{
	MHD_UNSIGNED_LONG_LONG t;

	if (!a->d)
		return;
	a->kicked = false;
	MHD_run(a->d);
	if (a->timer) {
		loop_del_timer(a->loop, a->timer);
		a->timer = 0;
	}
	/* a handler of this run resumed a stream (a write woke a watch): MHD
	 * serves it only on its next run, and its timeout does not say so */
	if (a->kicked)
		a->timer = loop_add_timer(a->loop, 0, on_timer, a);
	else if (MHD_get_timeout(a->d, &t) == MHD_YES)
		a->timer = loop_add_timer(a->loop, (long)DL_MIN(t, 60000ull), on_timer, a);
}

/* api_kick: run MHD soon.  A connection resumed outside MHD_run (from a
 * timer, or another module's event) is only picked up by the next
 * MHD_run; in external epoll mode MHD's own wake-up does not reliably
 * make its epoll fd readable, so a 0 ms timer makes sure. */
void api_kick(struct api *a)
{
	a->kicked = true;
	if (a->timer)
		loop_del_timer(a->loop, a->timer);
	a->timer = loop_add_timer(a->loop, 0, on_timer, a);
}

/* ---- requests ---- */

const char *api_query(const struct api_req *rq, const char *key)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

struct query_all {
	const char *key;
	const char **vals;
	size_t max, n;
};

static enum MHD_Result query_all_cb(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct query_all *q = cls;

	(void)kind;
	if (key && strcmp(key, q->key) == 0 && q->n < q->max)
		q->vals[q->n++] = value ? value : "";
	return MHD_YES;
}

size_t api_query_all(const struct api_req *rq, const char *key, const char **vals, size_t max)
{
	struct query_all q = { key, vals, max, 0 };

	MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, query_all_cb, &q);
	return q.n;
}

const char *api_header(const struct api_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

void api_warn(struct api_req *rq, const char *fmt, ...)
{
	struct conn_state *cs = api_state_of(rq);
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	cs->warnings = xreallocarray(cs->warnings, cs->nwarnings + 1, sizeof(*cs->warnings));
	cs->warnings[cs->nwarnings++] = msg;
}

/* ---- replies ---- */

int api_queue(struct conn_state *cs, int code, struct MHD_Response *r)
{
	enum MHD_Result ret;
	size_t i;

	for (i = 0; i < cs->nwarnings; i++) {
		struct buf b;
		char *p;

		/* Warning: 299 - "text" (RFC 7234; quotes and backslashes escaped) */
		buf_init(&b, 0);
		buf_adds(&b, "299 - \"");
		for (p = cs->warnings[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(&b, '\\');
			buf_addc(&b, (unsigned char)*p < 0x20 ? ' ' : *p);
		}
		buf_addc(&b, '"');
		MHD_add_response_header(r, "Warning", b.data);
		buf_release(&b);
	}
	MHD_add_response_header(r, "Cache-Control", "no-cache, private");
	ret = MHD_queue_response(cs->rq.conn, (unsigned)code, r);
	MHD_destroy_response(r);
	cs->answered = true;
	return ret == MHD_YES ? 0 : -1;
}

int api_reply_take(struct api_req *rq, int code, const char *ctype, char *body, size_t n)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);

	if (!r) {
		free(body);
		return -1;
	}
	if (ctype)
		MHD_add_response_header(r, "Content-Type", ctype);
	return api_queue(api_state_of(rq), code, r);
}

int api_reply(struct api_req *rq, int code, const char *ctype, const void *body, size_t n)
{
	return api_reply_take(rq, code, ctype, xmemdup(body, n), n);
}

int api_reply_json(struct api_req *rq, int code, const cJSON *obj)
{
	char *s = cJSON_PrintUnformatted(obj);

	if (!s)
		fatal("out of memory printing a reply");
	return api_reply_take(rq, code, "application/json", s, strlen(s));
}

int api_reply_status(struct api_req *rq, const struct status *st)
{
	cJSON *o = status_to_json(st);
	int rc = api_reply_json(rq, st && st->code ? st->code : 500, o);

	cJSON_Delete(o);
	return rc;
}

int api_reply_error(struct api_req *rq, int code, const char *reason, const char *fmt, ...)
{
	struct status st;
	va_list ap;
	int rc;

	status_init(&st);
	st.code = code;
	st.reason = reason;
	va_start(ap, fmt);
	st.message = xvasprintf(fmt, ap);
	va_end(ap);
	rc = api_reply_status(rq, &st);
	status_release(&st);
	return rc;
}

/* ---- upgrades ---- */

struct upgrade {
	api_upgrade_fn *fn;
	void *arg;
};

static void on_upgrade(void *cls, struct MHD_Connection *c, void *con_cls, const char *extra_in,
		       size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	struct upgrade *u = cls;

	(void)c;
	(void)con_cls;
	u->fn(u->arg, sock, extra_in, extra_in_size, urh);
	free(u);
}

int api_reply_upgrade(struct api_req *rq, const char *const *headers, api_upgrade_fn *fn, void *arg)
{
	struct upgrade *u = xmalloc(sizeof(*u));
	struct MHD_Response *r;

	u->fn = fn;
	u->arg = arg;
	r = MHD_create_response_for_upgrade(on_upgrade, u);
	if (!r) {
		free(u);
		return api_reply_error(rq, 500, "InternalError", "upgrades are not supported");
	}
	for (; headers && headers[0] && headers[1]; headers += 2)
		MHD_add_response_header(r, headers[0], headers[1]);
	return api_queue(api_state_of(rq), 101, r);
}

/* api_upgrade_close: MHD frees an upgraded socket in its next run, so one
 * is asked for now rather than at the next request */
void api_upgrade_close(struct api *a, struct MHD_UpgradeResponseHandle *urh)
{
	MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
	if (a->timer)
		loop_del_timer(a->loop, a->timer);
	a->timer = loop_add_timer(a->loop, 0, on_timer, a);
}

/* ---- routes ---- */

void api_add_route(struct api *a, const char *prefix, unsigned flags, api_handler_fn *fn, void *arg)
{
	a->routes = xreallocarray(a->routes, a->nroutes + 1, sizeof(*a->routes));
	a->routes[a->nroutes].prefix = xstrdup(prefix);
	a->routes[a->nroutes].flags = flags;
	a->routes[a->nroutes].fn = fn;
	a->routes[a->nroutes++].arg = arg;
}

void api_add_subresource(struct api *a, const char *group, const char *resource, const char *sub,
			 const char *verbs, const char *kind_gvk, api_handler_fn *fn, void *arg)
{
	struct subroute *r;

	a->subs = xreallocarray(a->subs, a->nsubs + 1, sizeof(*a->subs));
	r = &a->subs[a->nsubs++];
	r->group = xstrdup(group);
	r->resource = xstrdup(resource);
	r->sub = xstrdup(sub);
	r->verbs = xstrdup(verbs ? verbs : "get");
	r->gvk = kind_gvk ? xstrdup(kind_gvk) : NULL;
	r->fn = fn;
	r->arg = arg;
}

void api_add_group(struct api *a, const char *group, const char *version, cJSON *resources,
		   api_handler_fn *fn, void *arg)
{
	struct grouproute *g;

	a->groups = xreallocarray(a->groups, a->ngroups + 1, sizeof(*a->groups));
	g = &a->groups[a->ngroups++];
	g->group = xstrdup(group);
	g->version = xstrdup(version);
	g->resources = resources ? resources : cJSON_CreateArray();
	g->fn = fn;
	g->arg = arg;
}

int api_call_group(struct api_req *rq, const char *group, const char *version)
{
	struct api *a = rq->api;
	size_t i;

	for (i = 0; i < a->ngroups; i++)
		if (strcmp(a->groups[i].group, group) == 0 && strcmp(a->groups[i].version, version) == 0)
			return a->groups[i].fn(rq, a->groups[i].arg);
	return -2;
}

bool api_group_served(const struct api *a, const char *group, const char *version)
{
	for (size_t i = 0; i < a->ngroups; i++)
		if (strcmp(a->groups[i].group, group) == 0 && strcmp(a->groups[i].version, version) == 0)
			return true;
	return false;
}

int api_call_subresource(struct api_req *rq)
{
	struct api *a = rq->api;
	size_t i;

	if (!rq->kind || !rq->sub)
		return -2;
	for (i = 0; i < a->nsubs; i++)
		if (strcmp(a->subs[i].group, rq->kind->group) == 0 &&
		    strcmp(a->subs[i].resource, rq->kind->resource) == 0 &&
		    strcmp(a->subs[i].sub, rq->sub) == 0)
			return a->subs[i].fn(rq, a->subs[i].arg);
	return -2;
}

/* ---- request handling ---- */

/* authorized: with TLS the token is required.  Over plain HTTP, client-go
 * (kubectl, helm) never sends credentials (kubernetes/kubectl#744), so a
 * request without any is let in on the loopback-only plain listener; a
 * wrong token is still refused. */
static bool authorized(struct api *a, struct api_req *rq)
{
	const char *h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Authorization");

	rq->user = NULL;
	if (h)
		for (size_t i = 0; i < a->nusers; i++)
			if (strcmp(h, a->users[i].auth) == 0) {
				rq->user = &a->users[i];
				return true;
			}
	if (!a->auth)
		return true;
	if (!h)
		return !a->tls;
	return strcmp(h, a->auth) == 0;
}

static void split_path(struct conn_state *cs, const char *url)
{
	char **all = str_split(url, '/', NULL);
	size_t i, n = 0;

	for (i = 0; all[i]; i++)
		if (*all[i])
			all[n++] = all[i];
		else
			free(all[i]);
	all[n] = NULL;
	cs->parts = all;
	cs->rq.parts = all;
	cs->rq.nparts = n;
}

static int dispatch(struct api *a, struct conn_state *cs)
{
	struct api_req *rq = &cs->rq;
	const struct route *route = NULL;
	size_t i;
	int rc;

	for (i = 0; i < a->nroutes; i++) {
		if (str_has_prefix(rq->path, a->routes[i].prefix)) {
			route = &a->routes[i];
			break;
		}
	}
	if (!(route && (route->flags & API_ROUTE_PUBLIC)) && !authorized(a, rq))
		return api_reply_error(rq, 401, "Unauthorized", "Unauthorized");
	if (route && !(route->flags & API_ROUTE_PUBLIC) && api_scope_denied(rq, NULL, NULL, rq->path))
		return 0;
	if (cs->too_big)
		return api_reply_error(rq, 413, "RequestEntityTooLarge",
				       "Request entity too large: limit is %zu", a->max_body);
	rc = route ? route->fn(rq, route->arg) : rest_dispatch(rq);
	if (rc < 0 && rc != -1)
		rc = 0;
	if (!cs->answered && rc == 0)
		return api_reply_error(rq, 500, "InternalError", "no reply was produced");
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct api *a = cls;
	struct conn_state *cs = *con_cls;
	const char *cl;
	uint64_t len;

	(void)version;
	if (!cs) {
		cs = xcalloc(1, sizeof(*cs));
		cs->api = a;
		buf_init(&cs->body, a->max_body);
		*con_cls = cs;
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl && str_parse_u64(cl, &len) == 0 && len > a->max_body)
			cs->too_big = true;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!cs->too_big && buf_add(&cs->body, upload_data, *upload_data_size) < 0)
			cs->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (cs->dispatched)
		return MHD_YES;
	cs->dispatched = true;
	cs->rq.api = a;
	cs->rq.conn = c;
	cs->rq.method = method;
	cs->rq.path = url;
	cs->rq.body = cs->body.data;
	cs->rq.body_len = cs->body.len;
	split_path(cs, url);
	return dispatch(a, cs) < 0 ? MHD_NO : MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn_state *cs = *con_cls;
	size_t i;

	(void)cls;
	(void)c;
	(void)toe;
	if (!cs)
		return;
	if (cs->stream)
		api_stream_conn_done(cs->stream);
	for (i = 0; i < cs->nwarnings; i++)
		free(cs->warnings[i]);
	free(cs->warnings);
	if (cs->parts)
		str_free_list(cs->parts);
	buf_release(&cs->body);
	free(cs);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char *msg = xvasprintf(fmt, ap);
	size_t n = strlen(msg);

	(void)cls;
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("mhd: %s", msg);
	free(msg);
}

struct api *api_start(struct loop *l, struct store *s, struct kinds *ks, const struct api_config *cfg,
		      struct error *err)
{
	struct api *a = xcalloc(1, sizeof(*a));
	struct sockaddr_in sin;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG;

	a->loop = l;
	a->store = s;
	a->ks = ks;
	a->epfd = -1;
	a->max_body = cfg->max_body ? cfg->max_body : DEFAULT_MAX_BODY;
	a->auth = cfg->token ? xasprintf("Bearer %s", cfg->token) : NULL;
	a->nodes_spec = cfg->nodes_spec ? xstrdup(cfg->nodes_spec) : NULL;
	a->tls = cfg->tls_cert_pem && cfg->tls_key_pem;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)cfg->port);
	if (inet_pton(AF_INET, cfg->bind ? cfg->bind : "127.0.0.1", &sin.sin_addr) != 1) {
		error_set(err, ERR_INVALID, "bad bind address '%s'", cfg->bind);
		api_stop(a);
		return NULL;
	}
	if (a->tls)
		a->d = MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, on_request, a,
					MHD_OPTION_SOCK_ADDR, &sin,
					MHD_OPTION_NOTIFY_COMPLETED, on_completed, a,
					MHD_OPTION_CONNECTION_LIMIT, (unsigned)10000,
					MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)600,
					MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
					MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
					MHD_OPTION_HTTPS_MEM_CERT, cfg->tls_cert_pem,
					MHD_OPTION_HTTPS_MEM_KEY, cfg->tls_key_pem, MHD_OPTION_END);
	else
		a->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, a,
					MHD_OPTION_SOCK_ADDR, &sin,
					MHD_OPTION_NOTIFY_COMPLETED, on_completed, a,
					MHD_OPTION_CONNECTION_LIMIT, (unsigned)10000,
					MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)600,
					MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
					MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_END);
	if (!a->d) {
		error_set(err, ERR_NET, "unable to listen on %s:%d", cfg->bind ? cfg->bind : "127.0.0.1",
			  cfg->port);
		api_stop(a);
		return NULL;
	}
	info = MHD_get_daemon_info(a->d, MHD_DAEMON_INFO_BIND_PORT);
	a->port = info ? info->port : 0;
	info = MHD_get_daemon_info(a->d, MHD_DAEMON_INFO_EPOLL_FD);
	a->epfd = info ? info->epoll_fd : -1;
	if (a->epfd < 0 || loop_watch_fd(l, a->epfd, LOOP_READ, on_epoll, a) < 0) {
		error_set(err, ERR_NET, "unable to watch the HTTP server");
		api_stop(a);
		return NULL;
	}
	a->url = xasprintf("%s://%s:%d", a->tls ? "https" : "http", cfg->bind ? cfg->bind : "127.0.0.1",
			   a->port);
	a->watchers = watchers_new(a);
	api_run(a);
	return a;
}

void api_stop(struct api *a)
{
	size_t i;

	if (!a)
		return;
	a->stopping = true;
	if (a->timer)
		loop_del_timer(a->loop, a->timer);
	if (a->epfd >= 0)
		loop_unwatch_fd(a->loop, a->epfd);
	/* suspended connections must be resumed before the daemon stops */
	for (struct api_stream *st = a->streams; st; st = st->next) {
		st->gone = true;
		api_stream_wake(st);
	}
	if (a->d) {
		MHD_run(a->d);
		MHD_stop_daemon(a->d);
	}
	watchers_free(a->watchers);
	for (i = 0; i < a->nroutes; i++)
		free(a->routes[i].prefix);
	free(a->routes);
	for (i = 0; i < a->nsubs; i++) {
		free(a->subs[i].group);
		free(a->subs[i].resource);
		free(a->subs[i].sub);
		free(a->subs[i].verbs);
		free(a->subs[i].gvk);
	}
	free(a->subs);
	for (i = 0; i < a->ngroups; i++) {
		free(a->groups[i].group);
		free(a->groups[i].version);
		cJSON_Delete(a->groups[i].resources);
	}
	free(a->groups);
	free(a->auth);
	for (i = 0; i < a->nusers; i++) {
		free(a->users[i].auth);
		free(a->users[i].name);
		free(a->users[i].ns);
	}
	free(a->users);
	free(a->nodes_spec);
	free(a->url);
	free(a);
}

int api_port(const struct api *a)
{
	return a->port;
}

const char *api_url(const struct api *a)
{
	return a->url;
}

struct loop *api_loop(struct api *a)
{
	return a->loop;
}

struct store *api_store(struct api *a)
{
	return a->store;
}

struct kinds *api_kinds(struct api *a)
{
	return a->ks;
}

const char *api_nodes_spec(const struct api *a)
{
	return a->nodes_spec;
}

struct watchers *api_watchers(struct api *a)
{
	return a->watchers;
}
