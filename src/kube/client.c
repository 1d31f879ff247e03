/*
 * client.c: REST calls to the API server.
 *
 * A call goes through three states: QUEUED (waiting for an exec plugin to
 * produce a credential), SENT (an http request in flight), and done.  The
 * kube keeps every live call on a list so kube_free can cancel them.  A 401
 * drops the cached credential and sends the call once more; if an exec
 * plugin is configured it runs first.  Error statuses become sentences in
 * kube_status_error, from the Status body the API server sends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/kube/client.h"

struct kube {
	struct loop *loop;
	struct http *http;
	struct kubeconfig *kc;
	struct kube_call *calls;	/* live calls */
};

enum call_state { CALL_QUEUED, CALL_SENT, CALL_DONE };

struct kube_call {
	struct kube *k;
	struct kube_call *prev, *next;
	enum call_state state;
	char *method, *path, *content_type, *accept;
	char *body;
	size_t body_len;
	long timeout_ms;
	kube_data_fn *on_data;
	kube_done_fn *fn;
	void *arg;
	struct http_request *hr;
	bool retried, in_done, cancelled;
	cJSON *reply;
	long status, retry_after;
};

/* ---- paths and errors ---- */

void kube_path_parse(const char *path, char ns[64], char resource[64], char name[64])
{
	char buf[512];
	char *seg[16], *p, *q;
	int n = 0, i;

	ns[0] = resource[0] = name[0] = '\0';
	snprintf(buf, sizeof(buf), "%s", path);
	if ((q = strchr(buf, '?')))
		*q = '\0';
	/* split on '/', skipping empty segments */
	for (p = buf; *p && n < 16; p = q) {
		while (*p == '/')
			*p++ = '\0';
		if (!*p)
			break;
		seg[n++] = p;
		q = p + strcspn(p, "/");
	}
	if (n > 0 && strcmp(seg[0], "api") == 0)
		i = 2;
	else if (n > 0 && strcmp(seg[0], "apis") == 0)
		i = 3;
	else
		return;
	if (i >= n)
		return;
	if (strcmp(seg[i], "namespaces") == 0 && n - i >= 3) {
		snprintf(ns, 64, "%s", seg[i + 1]);
		i += 2;
	}
	if (i + 2 < n)
		snprintf(resource, 64, "%s/%s", seg[i], seg[i + 2]);
	else
		snprintf(resource, 64, "%s", seg[i]);
	if (i + 1 < n)
		snprintf(name, 64, "%s", seg[i + 1]);
}

static const char *verb_of(const char *method, const char *path, const char *name)
{
	if (!method || strcmp(method, "GET") == 0) {
		if (strstr(path, "watch=true") || strstr(path, "watch=1"))
			return "watch";
		return *name ? "get" : "list";
	}
	if (strcmp(method, "POST") == 0)
		return "create";
	if (strcmp(method, "PUT") == 0)
		return "update";
	if (strcmp(method, "PATCH") == 0)
		return "patch";
	if (strcmp(method, "DELETE") == 0)
		return *name ? "delete" : "deletecollection";
	return method;
}

/* clean: remote text, sanitized and cut to fit a message */
static void clean(char *dst, size_t size, const char *s, size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	utf8_sanitize(&b, s, DL_MIN(n, (size_t)4096), 0);
	snprintf(dst, size, "%s", b.data);
	buf_release(&b);
}

int kube_status_error(struct error *err, long status, const char *method, const char *path,
		      const char *content_type, const char *body, size_t n, const char *host)
{
	char ns[64], res[64], name[64], msg[200] = "", reason[64] = "", where[80] = "";
	const char *verb;
	cJSON *st = NULL;
	bool is_status = false;

	if (status >= 200 && status < 300)
		return 0;
	kube_path_parse(path, ns, res, name);
	verb = verb_of(method, path, name);
	if (*ns)
		snprintf(where, sizeof(where), " in '%s'", ns);
	if (n > 0 && (!content_type || !strstr(content_type, "html")))
		st = json_parse(body, n, NULL);
	if (st && str_eq(json_str(st, "kind", NULL), "Status")) {
		const char *m = json_str(st, "message", ""), *r = json_str(st, "reason", "");

		clean(msg, sizeof(msg), m, strlen(m));
		clean(reason, sizeof(reason), r, strlen(r));
		is_status = true;
	}
	cJSON_Delete(st);
	if (!is_status && n > 0 && ((content_type && strstr(content_type, "html")) || body[0] == '<')) {
		error_set(err, ERR_HTTP, "unexpected HTML reply (%ld) from '%s': is a proxy in the way?", status, host);
		goto out;
	}
	if (!is_status && n > 0) {
		const char *nl = memchr(body, '\n', n);

		clean(msg, sizeof(msg), body, nl ? (size_t)(nl - body) : n);
	}
	switch (status) {
	case 401:
		error_set(err, ERR_AUTH, "the API server at '%s' refused the credentials (401 Unauthorized)", host);
		break;
	case 403:
		if (!*msg || strstr(msg, "is forbidden: User"))
			error_set(err, ERR_FORBIDDEN, "not allowed to %s '%s'%s", verb, res, where);
		else
			error_set(err, ERR_FORBIDDEN, "%s", msg);
		break;
	case 404:
		if (*msg && is_status)
			error_set(err, ERR_NOT_FOUND, "%s", msg);
		else if (*name)
			error_set(err, ERR_NOT_FOUND, "%s '%s' not found%s", res, name, where);
		else
			error_set(err, ERR_NOT_FOUND, "'%s' not found on '%s' (404)", res[0] ? res : path, host);
		break;
	case 409:
		error_set(err, ERR_CONFLICT, "%s", *msg ? msg : "conflict (409)");
		break;
	case 410:
		error_set(err, ERR_GONE, "%s", *msg ? msg : "resource version expired (410 Gone)");
		break;
	case 400:
	case 422:
		error_set(err, ERR_INVALID, "%s", *msg ? msg : "the API server rejected the request");
		break;
	case 429:
		error_set(err, ERR_HTTP, "the API server is busy (429 TooManyRequests)%s%s", *msg ? ": " : "", msg);
		break;
	default:
		if (status >= 500)
			error_set(err, ERR_HTTP, "the API server failed (%ld%s%s)%s%s", status, *reason ? " " : "",
				  reason, *msg ? ": " : "", msg);
		else
			error_set(err, ERR_HTTP, "unexpected reply %ld from '%s'%s%s", status, host, *msg ? ": " : "",
				  msg);
	}
out:
	if (err)
		err->status = (int)status;
	return -1;
}

/* ---- calls ---- */

struct kube *kube_new(struct loop *l, struct http *h, struct kubeconfig *kc)
{
	struct kube *k = xcalloc(1, sizeof(*k));

	k->loop = l;
	k->http = h;
	k->kc = kc;
	return k;
}

struct kubeconfig *kube_config(const struct kube *k)
{
	return k->kc;
}

struct loop *kube_loop(const struct kube *k)
{
	return k->loop;
}

static void call_free(struct kube_call *c)
{
	struct kube *k = c->k;

	if (c->prev)
		c->prev->next = c->next;
	else
		k->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	http_cancel(c->hr);
	cJSON_Delete(c->reply);
	free(c->method);
	free(c->path);
	free(c->content_type);
	free(c->accept);
	free(c->body);
	free(c);
}

void kube_free(struct kube *k)
{
	if (!k)
		return;
	while (k->calls)
		call_free(k->calls);
	kubeconfig_free(k->kc);
	free(k);
}

/* finish: one callback, then the call is gone */
static void finish(struct kube_call *c, cJSON *body, const struct error *err)
{
	c->state = CALL_DONE;
	c->in_done = true;
	c->reply = body;
	if (c->fn)
		c->fn(c, c->reply, err, c->arg);
	call_free(c);
}

static int send_call(struct kube_call *c, struct error *err);
static void run_exec(struct kube *k);

static void on_http_data(struct http_request *r, const char *p, size_t n, void *arg)
{
	struct kube_call *c = arg;

	(void)r;
	c->status = http_status(r);
	/* may cancel c: nothing below touches it */
	c->on_data(c, p, n, c->arg);
}

static void on_http_done(struct http_request *r, const struct error *herr, void *arg)
{
	struct kube_call *c = arg;
	struct kubeconfig *kc = c->k->kc;
	const struct buf *b = http_body(r);
	struct error err;
	cJSON *body = NULL;
	const char *ra;

	c->hr = NULL;		/* http frees r after this returns */
	error_clear(&err);
	c->status = http_status(r);
	if ((ra = http_header(r, "Retry-After")))
		c->retry_after = strtol(ra, NULL, 10);
	if (herr->code != ERR_NONE) {
		finish(c, NULL, herr);
		return;
	}
	if (c->status == 401 && !c->retried && (kc->exec || kc->token_file)) {
		c->retried = true;
		kubeconfig_invalidate(kc);
		c->state = CALL_QUEUED;
		if (kc->exec) {
			run_exec(c->k);
			return;
		}
		if (send_call(c, &err) != 0)
			finish(c, NULL, &err);
		return;
	}
	if (c->status < 200 || c->status >= 300) {
		kube_status_error(&err, c->status, c->method, c->path, http_header(r, "Content-Type"), b->data, b->len,
				  http_host(r));
		finish(c, NULL, &err);
		return;
	}
	if (!c->on_data && b->len > 0) {
		struct error perr;

		body = json_parse(b->data, b->len, &perr);
		if (!body) {
			error_set(&err, ERR_PARSE, "the API server sent bad JSON for '%s': %s", c->path, perr.msg);
			err.status = (int)c->status;
			finish(c, NULL, &err);
			return;
		}
	}
	err.status = (int)c->status;
	finish(c, body, &err);
}

static int send_call(struct kube_call *c, struct error *err)
{
	struct kube *k = c->k;
	char *url = xasprintf("%s%s", k->kc->server, c->path);
	struct http_request *r = http_request_new(c->method, url);

	free(url);
	if (kubeconfig_apply(k->kc, r, err) != 0) {
		http_request_free(r);
		return -1;
	}
	http_request_header(r, "Accept: %s", c->accept ? c->accept : "application/json");
	if (c->body) {
		http_request_header(r, "Content-Type: %s", c->content_type ? c->content_type : "application/json");
		http_request_body(r, c->body, c->body_len);
	}
	if (c->timeout_ms)
		http_request_timeout(r, c->timeout_ms);
	if (c->on_data)
		http_request_stream(r, on_http_data, c);
	http_request_on_done(r, on_http_done, c);
	c->hr = r;
	c->state = CALL_SENT;
	if (http_start(k->http, r, err) != 0) {
		c->hr = NULL;
		return -1;
	}
	return 0;
}

static struct kube_call *first_queued(struct kube *k)
{
	for (struct kube_call *c = k->calls; c; c = c->next) {
		if (c->state == CALL_QUEUED && !c->cancelled)
			return c;
	}
	return NULL;
}

static void on_credential(struct kubeconfig *kc, const struct error *cerr, void *arg)
{
	struct kube *k = arg;
	struct kube_call *c;

	(void)kc;
	/* every queued call goes now, or fails with the plugin's error; a
	 * callback may cancel other calls, so look the next one up afresh */
	while ((c = first_queued(k))) {
		struct error err;

		if (cerr->code != ERR_NONE)
			finish(c, NULL, cerr);
		else if (send_call(c, &err) != 0)
			finish(c, NULL, &err);
	}
}

static void run_exec(struct kube *k)
{
	struct error err;
	struct kube_call *c;

	if (kubeconfig_exec_running(k->kc))
		return;
	if (kubeconfig_exec_run(k->kc, k->loop, on_credential, k, &err) == 0)
		return;
	while ((c = first_queued(k)))
		finish(c, NULL, &err);
}

struct kube_call *kube_call(struct kube *k, const struct kube_req *rq, kube_done_fn *fn, void *arg,
			    struct error *err)
{
	struct kube_call *c = xcalloc(1, sizeof(*c));

	c->k = k;
	c->method = xstrdup(rq->method ? rq->method : "GET");
	c->path = xstrdup(rq->path);
	c->content_type = rq->content_type ? xstrdup(rq->content_type) : NULL;
	c->accept = rq->accept ? xstrdup(rq->accept) : NULL;
	if (rq->body) {
		c->body = xmemdup(rq->body, rq->body_len);
		c->body_len = rq->body_len;
	}
	c->timeout_ms = rq->timeout_ms;
	c->on_data = rq->on_data;
	c->fn = fn;
	c->arg = arg;
	c->state = CALL_QUEUED;
	c->next = k->calls;
	if (k->calls)
		k->calls->prev = c;
	k->calls = c;
	if (kubeconfig_exec_needed(k->kc)) {
		/* a failure to start the plugin fails every queued call: keep c
		 * out of that and report through err instead */
		if (!kubeconfig_exec_running(k->kc) &&
		    kubeconfig_exec_run(k->kc, k->loop, on_credential, k, err) != 0) {
			call_free(c);
			return NULL;
		}
		return c;
	}
	if (send_call(c, err) != 0) {
		call_free(c);
		return NULL;
	}
	return c;
}

void kube_cancel(struct kube_call *c)
{
	if (!c || c->cancelled)
		return;
	c->cancelled = true;
	c->fn = NULL;
	c->on_data = NULL;
	if (c->in_done)
		return;		/* finish() frees it after the callback */
	call_free(c);
}

cJSON *kube_call_take_body(struct kube_call *c)
{
	cJSON *b = c->reply;

	c->reply = NULL;
	return b;
}

long kube_call_retry_after(const struct kube_call *c)
{
	return c->retry_after;
}

long kube_call_status(const struct kube_call *c)
{
	return c->status;
}

/* ---- paged lists ---- */

struct kube_list {
	struct kube *k;
	char *path, *query;
	kube_list_fn *fn;
	void *arg;
	struct kube_call *call;
	bool in_cb;
	cJSON *merged;
	char *cont;
	int pages;
	bool restarted;
	long retry_after;
};

static int list_next(struct kube_list *l, struct error *err);
static void list_free(struct kube_list *l);

/* deliver: the one callback; l is freed after it (a cancel inside it is
 * a no-op) */
static void deliver(struct kube_list *l, cJSON *list, const struct error *err)
{
	l->in_cb = true;
	l->fn(l, list, err, l->arg);
	list_free(l);
}

static void list_fail(struct kube_list *l, const struct error *err)
{
	cJSON_Delete(l->merged);
	l->merged = NULL;
	deliver(l, NULL, err);
}

static void on_page(struct kube_call *c, cJSON *body, const struct error *err, void *arg)
{
	struct kube_list *l = arg;
	const char *cont;
	cJSON *items;
	struct error e2;

	l->call = NULL;
	l->retry_after = kube_call_retry_after(c);
	if (err->code != ERR_NONE || !cJSON_IsObject(body)) {
		if (err->code == ERR_GONE && l->cont && !l->restarted) {
			/* the continue token expired: start over, once */
			l->restarted = true;
			cJSON_Delete(l->merged);
			l->merged = NULL;
			free(l->cont);
			l->cont = NULL;
			if (list_next(l, &e2) != 0)
				list_fail(l, &e2);
			return;
		}
		if (err->code == ERR_NONE)
			error_set(&e2, ERR_PARSE, "the API server sent no list for '%s'", l->path);
		list_fail(l, err->code != ERR_NONE ? err : &e2);
		return;
	}
	l->pages++;
	items = cJSON_GetObjectItemCaseSensitive(body, "items");
	if (!cJSON_IsArray(items) && !cJSON_IsNull(items) && items) {
		error_set(&e2, ERR_PARSE, "the list from '%s' has no items", l->path);
		list_fail(l, &e2);
		return;
	}
	if (!l->merged) {
		l->merged = kube_call_take_body(c);
		if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(l->merged, "items")))
			cJSON_ReplaceItemInObjectCaseSensitive(l->merged, "items", cJSON_CreateArray());
		if (!cJSON_GetObjectItemCaseSensitive(l->merged, "items"))
			cJSON_AddItemToObject(l->merged, "items", cJSON_CreateArray());
	} else {
		cJSON *into = cJSON_GetObjectItemCaseSensitive(l->merged, "items"), *it;
		cJSON *meta = cJSON_DetachItemFromObjectCaseSensitive(body, "metadata");

		while (items && (it = cJSON_DetachItemFromArray(items, 0)))
			cJSON_AddItemToArray(into, it);
		if (meta)
			cJSON_ReplaceItemInObjectCaseSensitive(l->merged, "metadata", meta);
	}
	cont = json_str(l->merged, "metadata.continue", NULL);
	free(l->cont);
	l->cont = cont && *cont ? xstrdup(cont) : NULL;
	if (l->cont) {
		if (list_next(l, &e2) != 0)
			list_fail(l, &e2);
		return;
	}
	{
		cJSON *merged = l->merged;
		cJSON *meta = cJSON_GetObjectItemCaseSensitive(merged, "metadata");

		cJSON_DeleteItemFromObjectCaseSensitive(meta, "continue");
		cJSON_DeleteItemFromObjectCaseSensitive(meta, "remainingItemCount");
		l->merged = NULL;
		error_clear(&e2);
		deliver(l, merged, &e2);
	}
}

static int list_next(struct kube_list *l, struct error *err)
{
	struct buf path = BUF_INIT;
	struct kube_req rq = { 0 };

	buf_addf(&path, "%s?limit=%d", l->path, KUBE_LIST_LIMIT);
	if (l->query && *l->query)
		buf_addf(&path, "&%s", l->query);
	if (l->cont) {
		buf_adds(&path, "&continue=");
		str_url_encode(&path, l->cont, strlen(l->cont), false);
	}
	rq.path = path.data;
	l->call = kube_call(l->k, &rq, on_page, l, err);
	buf_release(&path);
	return l->call ? 0 : -1;
}

struct kube_list *kube_list_start(struct kube *k, const char *path, const char *query, kube_list_fn *fn,
				  void *arg, struct error *err)
{
	struct kube_list *l = xcalloc(1, sizeof(*l));

	l->k = k;
	l->path = xstrdup(path);
	l->query = query ? xstrdup(query) : NULL;
	l->fn = fn;
	l->arg = arg;
	if (list_next(l, err) != 0) {
		list_free(l);
		return NULL;
	}
	return l;
}

void kube_list_cancel(struct kube_list *l)
{
	if (!l || l->in_cb)
		return;
	list_free(l);
}

static void list_free(struct kube_list *l)
{
	kube_cancel(l->call);
	cJSON_Delete(l->merged);
	free(l->path);
	free(l->query);
	free(l->cont);
	free(l);
}

int kube_list_pages(const struct kube_list *l)
{
	return l->pages;
}

long kube_list_retry_after(const struct kube_list *l)
{
	return l->retry_after;
}
