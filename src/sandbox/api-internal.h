/*
 * api-internal.h: the server's registries and connections, shared by
 * api.c (the server, requests, replies, routes), api_stream.c (streamed
 * responses) and api_discovery.c (the discovery documents built from the
 * kind registry and the registered routes).
 */
#ifndef DATALAB_SANDBOX_API_INTERNAL_H
#define DATALAB_SANDBOX_API_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "datalab/core/buf.h"
#include "datalab/sandbox/api.h"

struct MHD_Daemon;
struct MHD_Response;

struct route {
	char *prefix;
	unsigned flags;
	api_handler_fn *fn;
	void *arg;
};

struct subroute {
	char *group, *resource, *sub, *verbs, *gvk;
	api_handler_fn *fn;
	void *arg;
};

struct grouproute {
	char *group, *version;
	cJSON *resources;
	api_handler_fn *fn;
	void *arg;
};

struct api {
	struct loop *loop;
	struct store *store;
	struct kinds *ks;
	struct MHD_Daemon *d;
	int port;
	char *url;
	int epfd;
	uint64_t timer;
	bool kicked;		/* api_kick ran during MHD_run: run it again at once */
	char *auth;		/* "Bearer <token>" */
	size_t max_body;
	char *nodes_spec;
	bool tls;
	struct route *routes;
	size_t nroutes;
	struct subroute *subs;
	size_t nsubs;
	struct grouproute *groups;
	size_t ngroups;
	struct api_stream *streams;
	struct watchers *watchers;
	struct api_user *users;	/* api_add_user's, kept to a namespace */
	size_t nusers;
	bool stopping;
};

struct api_stream {
	struct api *api;
	struct MHD_Connection *conn;
	int fd;
	struct buf q;
	size_t off;
	bool suspended, watching, ending, gone, closed;
	api_stream_close_fn *on_close;
	void *arg;
	int refs;
	struct api_stream *next, *prev;
};

struct conn_state {
	struct api_req rq;	/* first: handlers get &cs->rq */
	struct api *api;
	struct buf body;
	bool too_big, answered, dispatched;
	char **warnings;
	size_t nwarnings;
	char **parts;
	struct api_stream *stream;
};

static inline struct conn_state *api_state_of(const struct api_req *rq)
{
	return (struct conn_state *)rq;	/* rq is the first member */
}

/* api_kick: run MHD soon (a connection was resumed outside MHD_run) */
void api_kick(struct api *a);
/* api_queue: the response r (destroyed here) with the request's warnings;
 * the request is answered */
int api_queue(struct conn_state *cs, int code, struct MHD_Response *r);
/* api_stream_wake: resume a parked stream: data, an end or a hang-up */
void api_stream_wake(struct api_stream *st);
/* api_stream_conn_done: the stream's connection is over: on_close runs,
 * and the connection's reference goes */
void api_stream_conn_done(struct api_stream *st);

#endif
