/*
 * api-internal.h: the server's registries, shared by api.c (the server,
 * requests, replies, streams, routes) and api_discovery.c (the discovery
 * documents built from the kind registry and the registered routes).
 */
#ifndef DATALAB_SANDBOX_API_INTERNAL_H
#define DATALAB_SANDBOX_API_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "datalab/sandbox/api.h"

struct MHD_Daemon;

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
	bool stopping;
};

#endif
