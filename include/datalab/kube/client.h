/*
 * client.h: Kubernetes REST calls on net/http, with kubeconfig's auth.
 *
 * A struct kube holds the loop, the shared struct http and the kubeconfig
 * (owned).  kube_call sends one request: the JSON reply is parsed and
 * handed to the callback, and a non-2xx reply becomes a struct error
 * worded for users from the Status body ("not allowed to list 'pods' in
 * 'user-alice'"), its code one of ERR_AUTH, ERR_FORBIDDEN, ERR_NOT_FOUND,
 * ERR_CONFLICT, ERR_GONE, ERR_INVALID or ERR_HTTP, err->status the HTTP
 * status.  Exec plugin credentials are fetched before the first request
 * and again after a 401 (each call is retried once).  kube_list pages a
 * LIST with limit and continue and hands out one merged list.
 *
 * Handles: a kube_call or kube_list pointer is valid until its callback
 * returns or the owner's cancel; callbacks never run after a cancel.
 * kube_free cancels everything; it must not be called from a callback.
 */
#ifndef DATALAB_KUBE_CLIENT_H
#define DATALAB_KUBE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/core/error.h"
#include "datalab/core/loop.h"
#include "datalab/kube/kubeconfig.h"
#include "datalab/net/http.h"

struct kube;
struct kube_call;
struct kube_list;

#define KUBE_LIST_LIMIT 500

/* on_done: body is the parsed JSON reply (NULL on error or an empty
 * reply); the callback may keep it by calling kube_call_take_body. */
typedef void kube_done_fn(struct kube_call *c, cJSON *body, const struct error *err, void *arg);
/* on_data: a chunk of a streaming 2xx body (watches, followed logs). */
typedef void kube_data_fn(struct kube_call *c, const char *p, size_t n, void *arg);

struct kube_req {
	const char *method;		/* NULL = GET */
	const char *path;		/* "/api/v1/namespaces/NS/pods?limit=500" */
	const char *content_type;	/* of body; NULL = application/json */
	const void *body;
	size_t body_len;
	long timeout_ms;		/* 0 = none */
	kube_data_fn *on_data;		/* set: the body streams and is not parsed */
	const char *accept;		/* NULL = application/json */
};

/* kube_new: takes ownership of kc. */
struct kube *kube_new(struct loop *l, struct http *h, struct kubeconfig *kc);
void kube_free(struct kube *k);
struct kubeconfig *kube_config(const struct kube *k);
struct loop *kube_loop(const struct kube *k);

struct kube_call *kube_call(struct kube *k, const struct kube_req *rq, kube_done_fn *fn, void *arg,
			    struct error *err);
void kube_cancel(struct kube_call *c);
/* kube_call_take_body: the reply, now owned by the caller (in on_done). */
cJSON *kube_call_take_body(struct kube_call *c);
/* kube_call_retry_after: seconds from a 429/503 Retry-After, else 0. */
long kube_call_retry_after(const struct kube_call *c);
long kube_call_status(const struct kube_call *c);

/* on_list: list is {"kind":"...List","metadata":{"resourceVersion":...},
 * "items":[...]} over all pages, owned by the callback; NULL on error. */
typedef void kube_list_fn(struct kube_list *l, cJSON *list, const struct error *err, void *arg);

/* kube_list_start: path without a query; query ("labelSelector=a%3Db")
 * may be NULL.  An expired continue token restarts the list once. */
struct kube_list *kube_list_start(struct kube *k, const char *path, const char *query, kube_list_fn *fn,
				  void *arg, struct error *err);
void kube_list_cancel(struct kube_list *l);
/* kube_list_pages: pages fetched so far (tests). */
int kube_list_pages(const struct kube_list *l);
/* kube_list_retry_after: seconds from the failing page's Retry-After, else 0. */
long kube_list_retry_after(const struct kube_list *l);

/* kube_status_error: the error for an HTTP status and its body (a Status
 * or anything else), naming verb, resource and namespace from method and
 * path.  Returns -1 (0 for a 2xx). */
int kube_status_error(struct error *err, long status, const char *method, const char *path,
		      const char *content_type, const char *body, size_t n, const char *host);

/* kube_path_parse: the namespace, resource and name of an API path, each
 * copied into its own buffer of size 64 ("" when absent). */
void kube_path_parse(const char *path, char ns[64], char resource[64], char name[64]);

#endif
