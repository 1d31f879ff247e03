/*
 * logs.c: container logs (see logs.h).
 *
 * Two requests in a row: the pod (kube_call, parsed), then the log
 * (kube_call with on_data, so the body streams and is never held whole).
 * A log request that fails has its Status worded by kube_status_error
 * (for instance "a container name must be specified for pod p").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/kube/logs.h"

struct logs {
	struct kube *k;
	struct logs_opts opts;
	char *ns, *pod, *container;
	struct logs_cbs cbs;
	void *arg;
	struct kube_call *call;
	bool ended, doomed;
	int depth;
};

const char *logs_default_container(const cJSON *pod)
{
	const cJSON *def = json_get_key(json_get(pod, "metadata.annotations"), "kubectl.kubernetes.io/default-container");

	if (cJSON_IsString(def) && *def->valuestring)
		return def->valuestring;
	return json_str(pod, "spec.containers.0.name", NULL);
}

int logs_path(struct buf *out, const struct logs_opts *o, const char *c)
{
	buf_adds(out, "/api/v1/namespaces/");
	str_url_encode(out, o->ns, strlen(o->ns), false);
	buf_adds(out, "/pods/");
	str_url_encode(out, o->pod, strlen(o->pod), false);
	buf_adds(out, "/log");
	buf_addc(out, '?');
	if (c && *c) {
		buf_adds(out, "container=");
		str_url_encode(out, c, strlen(c), false);
		buf_addc(out, '&');
	}
	if (o->follow)
		buf_adds(out, "follow=true&");
	if (o->previous)
		buf_adds(out, "previous=true&");
	if (o->since_seconds > 0)
		buf_addf(out, "sinceSeconds=%ld&", o->since_seconds);
	if (o->tail_lines >= 0)
		buf_addf(out, "tailLines=%ld&", o->tail_lines);
	if (o->timestamps)
		buf_adds(out, "timestamps=true&");
	if (o->limit_bytes > 0)
		buf_addf(out, "limitBytes=%ld&", o->limit_bytes);
	buf_truncate(out, out->len - 1);	/* the last '&' or the '?' */
	return 0;
}

static void destroy(struct logs *l)
{
	kube_cancel(l->call);
	free(l->ns);
	free(l->pod);
	free(l->container);
	free(l);
}

static void leave(struct logs *l)
{
	if (--l->depth == 0 && l->doomed)
		destroy(l);
}

static void end(struct logs *l, const struct error *err)
{
	if (l->ended)
		return;
	l->ended = true;
	if (l->cbs.on_end && !l->doomed)
		l->cbs.on_end(l, err, l->arg);
}

static void on_log_data(struct kube_call *c, const char *p, size_t n, void *arg)
{
	struct logs *l = arg;

	(void)c;
	l->depth++;
	if (l->cbs.on_data && !l->doomed)
		l->cbs.on_data(l, p, n, l->arg);
	leave(l);
}

static void on_log_done(struct kube_call *c, cJSON *body, const struct error *err, void *arg)
{
	struct logs *l = arg;

	(void)c;
	(void)body;
	l->call = NULL;
	l->depth++;
	end(l, err);
	leave(l);
}

static void on_pod(struct kube_call *c, cJSON *pod, const struct error *err, void *arg)
{
	struct logs *l = arg;
	struct buf path = BUF_INIT;
	struct kube_req rq = { 0 };
	struct error e2;

	(void)c;
	l->call = NULL;
	l->depth++;
	if (err->code != ERR_NONE) {
		end(l, err);
		goto out;
	}
	if (!l->container && logs_default_container(pod))
		l->container = xstrdup(logs_default_container(pod));
	logs_path(&path, &l->opts, l->container);
	rq.path = path.data;
	rq.on_data = on_log_data;
	rq.accept = "*/*";
	if (!(l->call = kube_call(l->k, &rq, on_log_done, l, &e2)))
		end(l, &e2);
out:
	buf_release(&path);
	leave(l);
}

struct logs *logs_start(struct kube *k, const struct logs_opts *o, const struct logs_cbs *cbs, void *arg,
			struct error *err)
{
	struct logs *l;
	struct buf path = BUF_INIT;
	struct kube_req rq = { 0 };

	if (!o->ns || !*o->ns || !o->pod || !*o->pod) {
		error_set(err, ERR_INVALID, "logs need a namespace and a pod");
		return NULL;
	}
	l = xcalloc(1, sizeof(*l));
	l->k = k;
	l->opts = *o;
	l->opts.ns = l->ns = xstrdup(o->ns);
	l->opts.pod = l->pod = xstrdup(o->pod);
	l->container = o->container && *o->container ? xstrdup(o->container) : NULL;
	l->opts.container = NULL;
	if (cbs)
		l->cbs = *cbs;
	l->arg = arg;
	buf_adds(&path, "/api/v1/namespaces/");
	str_url_encode(&path, o->ns, strlen(o->ns), false);
	buf_adds(&path, "/pods/");
	str_url_encode(&path, o->pod, strlen(o->pod), false);
	rq.path = path.data;
	rq.timeout_ms = 30000;
	l->call = kube_call(k, &rq, on_pod, l, err);
	buf_release(&path);
	if (!l->call) {
		destroy(l);
		return NULL;
	}
	return l;
}

void logs_free(struct logs *l)
{
	if (!l)
		return;
	if (l->depth > 0) {
		l->doomed = true;
		kube_cancel(l->call);
		l->call = NULL;
		return;
	}
	destroy(l);
}

const char *logs_container(const struct logs *l)
{
	return l->container ? l->container : "";
}
