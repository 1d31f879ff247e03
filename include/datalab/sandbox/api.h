/*
 * api.h: the sandbox's Kubernetes API server: HTTP on the core loop.
 *
 * libmicrohttpd runs without a thread of its own (MHD_USE_EPOLL): its
 * epoll fd is watched by the core loop, MHD_run is called when it is
 * readable and on a timer from MHD_get_timeout.  So every handler, the
 * store, the watchers and whatever part 2 adds (controllers, pod timers,
 * exec ptys) run on one thread with no locks.  A handler must never block:
 * long answers are streams (api_stream_*) fed from events, or upgrades.
 *
 * A request goes: bearer token check (with TLS, 401 Status without it,
 * except on public routes such as /charts/; over plain HTTP client-go
 * sends no credentials, so only a wrong token is refused) → body read (capped, 413 past it) →
 * routing: the first route whose prefix matches; then API groups added
 * with api_add_group; then subresources added with api_add_subresource;
 * then the generic resource handlers (rest.c: discovery, CRUD, list,
 * watch, patch, status and scale).  Handlers queue exactly one reply
 * (api_reply_*), or start a stream, or an upgrade, and return 0.
 *
 * Extension points for part 2 (see each function):
 * - api_add_subresource: pods/log, pods/exec, pods/attach, ... with their
 *   discovery entries; the handler sees the resolved kind, namespace and
 *   name (404 for a missing object is already answered);
 * - api_add_group: a whole API group/version (metrics.k8s.io/v1beta1)
 *   with its discovery resources;
 * - api_stream_*: chunked streaming answers (followed logs);
 * - api_reply_upgrade: 101 Switching Protocols and the raw socket
 *   (WebSocket exec/attach: see net/wsframe.h);
 * - api_store(), api_loop(): the store and the loop for timers;
 * - api_nodes_spec(): the --nodes SPEC, parsed by part 2's node seeding.
 */
#ifndef DATALAB_SANDBOX_API_H
#define DATALAB_SANDBOX_API_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/core/loop.h"
#include "datalab/sandbox/kinds.h"
#include "datalab/sandbox/status.h"
#include "datalab/sandbox/store.h"

struct MHD_Connection;
struct MHD_UpgradeResponseHandle;

struct api_config {
	const char *bind;	/* "127.0.0.1" */
	int port;		/* 0 = ephemeral */
	const char *tls_cert_pem;	/* NULL = plain HTTP */
	const char *tls_key_pem;
	const char *token;	/* the bearer token clients must send */
	size_t max_body;	/* 0 = 3 MiB (twice etcd's request limit) */
	const char *nodes_spec;	/* --nodes, passed through to part 2 */
	const char *charts_dir;	/* served at /charts/ (index.yaml + .tgz), or NULL */
};

struct api;

/* api_start: listens and serves on l.  The store and registry are
 * borrowed and must outlive the server.  NULL with err on failure. */
struct api *api_start(struct loop *l, struct store *s, struct kinds *ks,
		      const struct api_config *cfg, struct error *err);
/* api_stop: closes every connection (streams end) and frees the server. */
void api_stop(struct api *a);
int api_port(const struct api *a);
/* api_url: "http://127.0.0.1:PORT" or "https://...". */
const char *api_url(const struct api *a);
struct loop *api_loop(struct api *a);
struct store *api_store(struct api *a);
struct kinds *api_kinds(struct api *a);
const char *api_nodes_spec(const struct api *a);
/* api_watchers: the watch streams of this server (watchers.h). */
struct watchers *api_watchers(struct api *a);

/* ---- requests ---- */

struct api_req {
	struct api *api;
	struct MHD_Connection *conn;
	const char *method;	/* "GET", "POST", ... */
	const char *path;	/* URL path, decoded, without the query */
	char **parts;		/* path split on '/', empty segments dropped */
	size_t nparts;
	const char *body;	/* NUL-terminated; body_len may hold NULs */
	size_t body_len;
	/* resolved for resource requests (NULL otherwise) */
	const struct kind *kind;
	const char *ns, *name, *sub;
	/* who asked: NULL for the sandbox's own all-powerful user */
	const struct api_user *user;
};

/* A user kept to one namespace (a classroom's student): what it asks
 * elsewhere is refused 403, worded as the apiserver's RBAC words it. */
struct api_user {
	char *auth;		/* "Bearer <token>" */
	char *name;		/* "student01" */
	char *ns;		/* "user-student01" */
};

/* api_add_user: requests bearing token are name's, kept to ns. */
void api_add_user(struct api *a, const char *token, const char *name, const char *ns);
/* api_scope_denied: whether rq's user is refused a request at namespace
 * ns (NULL: cluster scope); when it is, the 403 has been sent and the
 * handler returns 0.  rq->kind names the resource when set, else res. */
bool api_scope_denied(struct api_req *rq, const char *ns, const char *group, const char *res);

/* api_query: the first value of a query parameter (decoded), or NULL. */
const char *api_query(const struct api_req *rq, const char *key);
/* api_query_all: every value of a repeated parameter (exec's command=);
 * returns how many were stored in vals[max]. */
size_t api_query_all(const struct api_req *rq, const char *key, const char **vals, size_t max);
/* api_header: a request header (case-insensitive), or NULL. */
const char *api_header(const struct api_req *rq, const char *name);
/* api_warn: adds a "Warning: 299 - \"msg\"" header to the reply. */
void api_warn(struct api_req *rq, const char *fmt, ...) DL_PRINTF(2, 3);

/* ---- replies (exactly one per request) ---- */

int api_reply(struct api_req *rq, int code, const char *ctype, const void *body, size_t n);
/* api_reply_take: body is taken (freed with free). */
int api_reply_take(struct api_req *rq, int code, const char *ctype, char *body, size_t n);
int api_reply_json(struct api_req *rq, int code, const cJSON *obj);
int api_reply_status(struct api_req *rq, const struct status *st);
/* api_reply_error: a Status built on the spot: api_reply_error(rq, 404,
 * "NotFound", "the server could not find the requested resource"). */
int api_reply_error(struct api_req *rq, int code, const char *reason, const char *fmt, ...)
	DL_PRINTF(4, 5);

/* ---- streams: chunked answers written from events ---- */

struct api_stream;
/* Called once when the stream is over: the client went away, api_stop,
 * or after api_stream_end's bytes are sent.  The stream is freed after. */
typedef void api_stream_close_fn(struct api_stream *st, void *arg);

/* api_stream_start: a 200-like answer of unknown length; bytes written
 * with api_stream_write are sent as the client reads them.  The request
 * struct is not used afterwards. */
struct api_stream *api_stream_start(struct api_req *rq, int code, const char *ctype,
				    api_stream_close_fn *on_close, void *arg);
/* api_stream_write: queues bytes.  -1 when the stream is closing or the
 * client is too slow (over 64 MiB queued: the stream is ended). */
int api_stream_write(struct api_stream *st, const void *p, size_t n);
size_t api_stream_queued(const struct api_stream *st);
/* api_stream_end: finish once the queued bytes are out. */
void api_stream_end(struct api_stream *st);

/* ---- upgrades (WebSocket) ---- */

/* Called once the 101 is sent: sock is the connection (with TLS, a
 * socket MHD relays through); extra is what the client sent after its
 * request.  Close with MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE). */
typedef void api_upgrade_fn(void *arg, int sock, const char *extra, size_t extra_len,
			    struct MHD_UpgradeResponseHandle *urh);
/* api_reply_upgrade: headers is a NULL-terminated list of name, value
 * pairs added to the 101 (Upgrade, Connection, Sec-WebSocket-*). */
int api_reply_upgrade(struct api_req *rq, const char *const *headers, api_upgrade_fn *fn, void *arg);
/* api_upgrade_close: closes an upgraded connection and lets MHD release
 * its socket at once (not at the next request). */
void api_upgrade_close(struct api *a, struct MHD_UpgradeResponseHandle *urh);

/* ---- routes ---- */

/* Handlers queue one reply (or start a stream or an upgrade) and return
 * 0; -1 drops the connection. */
typedef int api_handler_fn(struct api_req *rq, void *arg);

enum api_route_flags {
	API_ROUTE_PUBLIC = 1 << 0,	/* no bearer token needed */
};

/* api_add_route: every request whose path starts with prefix ("/charts/"). */
void api_add_route(struct api *a, const char *prefix, unsigned flags, api_handler_fn *fn, void *arg);
/*
 * api_add_subresource: serves /.../RESOURCE/NAME/SUB of group/resource
 * (e.g. "", "pods", "log", "get") and lists it in discovery.  verbs is a
 * comma-separated discovery list ("get", "create,get").  The handler runs
 * with rq->kind, rq->ns, rq->name, rq->sub set, after the object was found.
 * kind_gvk, if not NULL, is the discovery group/version/kind of the
 * subresource's body ("policy/v1/Eviction").
 */
void api_add_subresource(struct api *a, const char *group, const char *resource, const char *sub,
			 const char *verbs, const char *kind_gvk, api_handler_fn *fn, void *arg);
/*
 * api_add_group: serves every path under /apis/GROUP/VERSION/ with fn and
 * adds the group to /apis; resources (taken) is the APIResourceList's
 * "resources" array that /apis/GROUP/VERSION answers.
 */
void api_add_group(struct api *a, const char *group, const char *version, cJSON *resources,
		   api_handler_fn *fn, void *arg);

/* api_groups_json / api_resources_json: what discovery serves (used by
 * discovery.c and tests): the APIGroupList of /apis, and the
 * APIResourceList of /api/v1 or /apis/G/V (NULL for an unknown group
 * version).  Caller frees. */
cJSON *api_groups_json(struct api *a);
cJSON *api_resources_json(struct api *a, const char *group, const char *version);

/* api_call_group / api_call_subresource: rest.c's routing into what was
 * registered.  Return the handler's result, or -2 when nothing matches
 * (rq->kind and rq->sub must be set for subresources). */
int api_call_group(struct api_req *rq, const char *group, const char *version);
/* api_group_served: whether api_add_group registered group/version. */
bool api_group_served(const struct api *a, const char *group, const char *version);
int api_call_subresource(struct api_req *rq);

#endif
