/*
 * services.c: Helm releases joined with pods, ingresses, events and
 * metrics (see services.h).
 *
 * Inputs land in small tables (release revisions by Secret name, Onyxia
 * names, pods, ingresses, workloads, pod warnings); the service rows are
 * rebuilt from them lazily, on the first read after a change, so a burst
 * of watch events costs one join.  Metric histories live in the rows and
 * survive rebuilds.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/catalog/record.h"
#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/helm/release.h"
#include "datalab/kube/metrics.h"
#include "datalab/kube/quantity.h"
#include "datalab/model/services.h"

struct revision {
	char *secret;		/* the Secret's name: sh.helm.release.v1.NAME.vN */
	char *ns, *name;
	long revision;
	char *status;
	struct release rel;
};

struct pod_entry {
	char *ns, *instance;
	struct service_pod pod;
	int64_t cpu_m, mem;	/* usage, -1 unknown */
	int gpu_util;		/* percent, -1 unknown */
};

struct warning {
	char *ns, *pod;		/* the pod (or workload) the event is about */
	bool workload;		/* a workload's FailedCreate: it could not make its pods */
	char *uid;		/* the Event's uid, for deletes */
	char *reason, *message;
	int64_t when;
};

struct onyxia_entry {
	char *ns, *release;
	char *friendly, *catalog;
};

struct wl_entry {
	char *ns, *instance;
	struct service_workload wl;
};

struct ing_entry {
	char *ns, *name, *instance;
	char **urls;
	size_t nurls;
};

struct services {
	struct revision *revs;
	size_t nrevs, revs_cap;
	struct pod_entry *pods;
	size_t npods, pods_cap;
	struct ing_entry *ings;
	size_t nings, ings_cap;
	struct warning *warns;
	size_t nwarns;
	struct onyxia_entry *onyx;
	size_t nonyx;
	struct wl_entry *wls;
	size_t nwls;
	struct service *rows;
	size_t nrows;
	bool dirty;
	uint64_t generation;
};

struct services *services_new(void)
{
	return xcalloc(1, sizeof(struct services));
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void pod_clear(struct service_pod *p)
{
	free(p->name);
	free(p->phase);
	free(p->node);
	free(p->reason);
	memset(p, 0, sizeof(*p));
}

static void warning_clear(struct warning *w)
{
	free(w->ns);
	free(w->pod);
	free(w->uid);
	free(w->reason);
	free(w->message);
}

static void onyxia_clear(struct onyxia_entry *o)
{
	free(o->ns);
	free(o->release);
	free(o->friendly);
	free(o->catalog);
}

static void workload_clear(struct service_workload *w)
{
	free(w->kind);
	free(w->name);
}

static void row_clear(struct service *r)
{
	free(r->name);
	free(r->namespace);
	free(r->friendly_name);
	free(r->catalog);
	for (size_t i = 0; i < r->nworkloads; i++)
		workload_clear(&r->workloads[i]);
	free(r->workloads);
	free(r->chart_name);
	free(r->chart_version);
	free(r->app_version);
	free(r->helm_status);
	free(r->notes);
	cJSON_Delete(r->values);
	free_list(r->urls, r->nurls);
	for (size_t i = 0; i < r->npods; i++)
		pod_clear(&r->pods[i]);
	free(r->pods);
	free(r->state_text);
}

void services_free(struct services *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nrevs; i++) {
		free(s->revs[i].secret);
		free(s->revs[i].ns);
		free(s->revs[i].name);
		free(s->revs[i].status);
		release_clear(&s->revs[i].rel);
	}
	free(s->revs);
	for (size_t i = 0; i < s->npods; i++) {
		free(s->pods[i].ns);
		free(s->pods[i].instance);
		pod_clear(&s->pods[i].pod);
	}
	free(s->pods);
	for (size_t i = 0; i < s->nwarns; i++)
		warning_clear(&s->warns[i]);
	free(s->warns);
	for (size_t i = 0; i < s->nonyx; i++)
		onyxia_clear(&s->onyx[i]);
	free(s->onyx);
	for (size_t i = 0; i < s->nwls; i++) {
		free(s->wls[i].ns);
		free(s->wls[i].instance);
		workload_clear(&s->wls[i].wl);
	}
	free(s->wls);
	for (size_t i = 0; i < s->nings; i++) {
		free(s->ings[i].ns);
		free(s->ings[i].name);
		free(s->ings[i].instance);
		free_list(s->ings[i].urls, s->ings[i].nurls);
	}
	free(s->ings);
	for (size_t i = 0; i < s->nrows; i++)
		row_clear(&s->rows[i]);
	free(s->rows);
	free(s);
}

static void changed(struct services *s)
{
	s->dirty = true;
	s->generation++;
}

uint64_t services_generation(const struct services *s)
{
	return s->generation;
}

static char *dup_or_null(const char *v)
{
	return v ? xstrdup(v) : NULL;
}

static int64_t parse_time(const char *v)
{
	time_t t;

	return v && time_parse_rfc3339(v, &t) == 0 ? (int64_t)t : 0;
}

/* key_str: a label or annotation value (keys hold dots: no path lookup). */
static const char *key_str(const cJSON *obj, const char *key)
{
	const cJSON *v = json_get_key(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* --- releases --- */

static struct revision *rev_find(struct services *s, const char *ns, const char *secret)
{
	for (size_t i = 0; i < s->nrevs; i++)
		if (strcmp(s->revs[i].secret, secret) == 0 && strcmp(s->revs[i].ns, ns) == 0)
			return &s->revs[i];
	return NULL;
}

static int helm_secret(struct services *s, const cJSON *secret, bool deleted, struct error *err);

static void rev_remove(struct services *s, struct revision *r)
{
	free(r->secret);
	free(r->ns);
	free(r->name);
	free(r->status);
	release_clear(&r->rel);
	*r = s->revs[--s->nrevs];
}

/* Onyxia's release record (catalog/record.h): data.friendlyName and
 * data.catalog, base64 as the API shows Secret data. */
static char *secret_field(const cJSON *secret, const char *key)
{
	const char *v = key_str(json_get(secret, "data"), key);
	struct buf b;

	if (!v)
		return NULL;
	buf_init(&b, 4096);
	if (str_base64_decode(&b, v, strlen(v)) < 0 || b.len == 0 || memchr(b.data, '\0', b.len)) {
		buf_release(&b);
		return NULL;
	}
	return buf_take(&b, NULL);
}

static void onyxia_secret(struct services *s, const cJSON *secret, bool deleted)
{
	const char *ns = json_str(secret, "metadata.namespace", "");
	const char *sname = json_str(secret, "metadata.name", "");
	const char *release = sname + strlen(RECORD_PREFIX);
	struct onyxia_entry *e = NULL;

	if (!str_has_prefix(sname, RECORD_PREFIX) || !*release)
		return;
	for (size_t i = 0; i < s->nonyx; i++)
		if (str_eq(s->onyx[i].ns, ns) && str_eq(s->onyx[i].release, release))
			e = &s->onyx[i];
	if (e) {
		onyxia_clear(e);
		*e = s->onyx[--s->nonyx];
	}
	changed(s);
	if (deleted)
		return;
	s->onyx = xreallocarray(s->onyx, s->nonyx + 1, sizeof(*s->onyx));
	e = &s->onyx[s->nonyx++];
	e->ns = xstrdup(ns);
	e->release = xstrdup(release);
	e->friendly = secret_field(secret, "friendlyName");
	e->catalog = secret_field(secret, "catalog");
}

int services_secret(struct services *s, const cJSON *secret, bool deleted, struct error *err)
{
	const char *type = json_str(secret, "type", "");

	if (str_eq(type, RECORD_TYPE)) {
		onyxia_secret(s, secret, deleted);
		return 0;
	}
	if (!str_eq(type, "helm.sh/release.v1") &&
	    !str_eq(json_str(json_get(secret, "metadata.labels"), "owner", ""), "helm"))
		return 0;
	return helm_secret(s, secret, deleted, err);
}

static int helm_secret(struct services *s, const cJSON *secret, bool deleted, struct error *err)
{
	const char *ns = json_str(secret, "metadata.namespace", "");
	const char *sname = json_str(secret, "metadata.name", NULL);
	const cJSON *labels = json_get(secret, "metadata.labels");
	const char *name = json_str(labels, "name", NULL);
	const char *status = json_str(labels, "status", "unknown");
	const char *data = key_str(json_get(secret, "data"), "release");
	struct revision *r;
	struct release rel;
	struct buf js;
	int64_t version = 0;

	if (!sname || !name)
		return error_set(err, ERR_PARSE, "not a helm release secret");
	r = rev_find(s, ns, sname);
	if (deleted) {
		if (r) {
			rev_remove(s, r);
			changed(s);
		}
		return 0;
	}
	memset(&rel, 0, sizeof(rel));
	buf_init(&js, (size_t)64 << 20);
	if (!data || release_decode_secret(data, strlen(data), &js, err) < 0 ||
	    release_parse(js.data, js.len, &rel, err) < 0) {
		buf_release(&js);
		release_clear(&rel);
		return -1;
	}
	buf_release(&js);
	/* the manifest is the biggest part and the views do not need it */
	free(rel.manifest);
	rel.manifest = NULL;
	if (str_parse_i64(json_str(labels, "version", ""), &version) < 0)
		version = rel.revision;
	if (!r) {
		if (s->nrevs == s->revs_cap) {
			s->revs_cap = s->revs_cap ? s->revs_cap * 2 : 16;
			s->revs = xreallocarray(s->revs, s->revs_cap, sizeof(*s->revs));
		}
		r = &s->revs[s->nrevs++];
		memset(r, 0, sizeof(*r));
		r->secret = xstrdup(sname);
		r->ns = xstrdup(ns);
	} else {
		free(r->name);
		free(r->status);
		release_clear(&r->rel);
	}
	r->name = xstrdup(name);
	r->status = xstrdup(status);
	r->revision = (long)version;
	r->rel = rel;
	changed(s);
	return 0;
}

/* --- pods --- */

static const char *instance_of(const cJSON *obj)
{
	const cJSON *labels = json_get(obj, "metadata.labels");
	const char *v = key_str(labels, "app.kubernetes.io/instance");

	if (!v)
		v = key_str(labels, "release");
	if (!v)
		v = key_str(json_get(obj, "metadata.annotations"), "meta.helm.sh/release-name");
	return v;
}

static int64_t quantity_of(const cJSON *v, bool milli)
{
	struct quantity q;

	if (!cJSON_IsString(v) || quantity_parse_str(v->valuestring, &q, NULL) < 0)
		return 0;
	return milli ? quantity_milli(&q) : quantity_value(&q);
}

static const cJSON *resource_of(const cJSON *container, const char *name)
{
	const cJSON *v = json_get_key(json_get(container, "resources.requests"), name);

	return v ? v : json_get_key(json_get(container, "resources.limits"), name);
}

static char *pod_reason(const cJSON *pod)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_get(pod, "status.containerStatuses")) {
		const char *why = json_str(c, "state.waiting.reason", NULL);

		if (why && strcmp(why, "ContainerCreating") != 0 && strcmp(why, "PodInitializing") != 0)
			return xstrdup(why);
	}
	cJSON_ArrayForEach(c, json_get(pod, "status.conditions")) {
		if (str_eq(json_str(c, "type", ""), "PodScheduled") && str_eq(json_str(c, "status", ""), "False"))
			return xstrdup(json_str(c, "message", json_str(c, "reason", "Unschedulable")));
	}
	return NULL;
}

static void pod_fill(struct service_pod *p, const cJSON *pod)
{
	const cJSON *c;

	p->name = xstrdup(json_str(pod, "metadata.name", ""));
	p->phase = xstrdup(json_str(pod, "status.phase", "Pending"));
	p->node = dup_or_null(json_str(pod, "spec.nodeName", NULL));
	p->reason = pod_reason(pod);
	p->created = parse_time(json_str(pod, "metadata.creationTimestamp", NULL));
	p->deleting = json_get(pod, "metadata.deletionTimestamp") != NULL;
	cJSON_ArrayForEach(c, json_get(pod, "spec.containers")) {
		p->containers++;
		p->gpus += (int)quantity_of(resource_of(c, "nvidia.com/gpu"), false);
		p->cpu_request_m += quantity_of(resource_of(c, "cpu"), true);
		p->mem_request += quantity_of(resource_of(c, "memory"), false);
	}
	cJSON_ArrayForEach(c, json_get(pod, "status.containerStatuses")) {
		p->ready += cJSON_IsTrue(json_get(c, "ready"));
		p->restarts += (int)json_int(c, "restartCount", 0);
	}
}

static struct pod_entry *pod_find(struct services *s, const char *ns, const char *name)
{
	for (size_t i = 0; i < s->npods; i++)
		if (strcmp(s->pods[i].pod.name, name) == 0 && strcmp(s->pods[i].ns, ns) == 0)
			return &s->pods[i];
	return NULL;
}

void services_pod(struct services *s, const cJSON *pod, bool deleted)
{
	const char *ns = json_str(pod, "metadata.namespace", "");
	const char *name = json_str(pod, "metadata.name", NULL);
	const char *inst = instance_of(pod);
	struct pod_entry *e;

	if (!name)
		return;
	e = pod_find(s, ns, name);
	if (deleted || !inst) {
		if (e) {
			free(e->ns);
			free(e->instance);
			pod_clear(&e->pod);
			*e = s->pods[--s->npods];
			changed(s);
		}
		return;
	}
	if (!e) {
		if (s->npods == s->pods_cap) {
			s->pods_cap = s->pods_cap ? s->pods_cap * 2 : 32;
			s->pods = xreallocarray(s->pods, s->pods_cap, sizeof(*s->pods));
		}
		e = &s->pods[s->npods++];
		memset(e, 0, sizeof(*e));
		e->ns = xstrdup(ns);
		e->cpu_m = e->mem = -1;
		e->gpu_util = -1;
	} else {
		free(e->instance);
		pod_clear(&e->pod);
	}
	e->instance = xstrdup(inst);
	pod_fill(&e->pod, pod);
	changed(s);
}

/* --- events --- */

/* event_time: the newest of an Event's timestamps, old-style
 * (lastTimestamp, firstTimestamp) or new-style (series, eventTime). */
static int64_t event_time(const cJSON *ev)
{
	static const char *const keys[] = {
		"series.lastObservedTime", "lastTimestamp", "eventTime", "firstTimestamp", "metadata.creationTimestamp",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		int64_t t = parse_time(json_str(ev, keys[i], NULL));

		if (t > 0)
			return t;
	}
	return 0;
}

void services_event(struct services *s, const cJSON *ev, bool deleted)
{
	const char *uid = json_str(ev, "metadata.uid", json_str(ev, "metadata.name", ""));
	const char *ns = json_str(ev, "involvedObject.namespace", json_str(ev, "metadata.namespace", ""));
	const char *pod = json_str(ev, "involvedObject.name", "");
	int64_t when = event_time(ev);
	struct warning *w = NULL;
	const char *kind;
	bool workload;

	for (size_t i = 0; i < s->nwarns; i++)
		if (str_eq(s->warns[i].uid, uid))
			w = &s->warns[i];
	if (deleted) {
		if (w) {
			warning_clear(w);
			*w = s->warns[--s->nwarns];
			changed(s);
		}
		return;
	}
	kind = json_str(ev, "involvedObject.kind", "");
	/* a workload whose pods the quota refuses has no pod to tell it by */
	workload = (str_eq(kind, "StatefulSet") || str_eq(kind, "ReplicaSet") || str_eq(kind, "Job")) &&
		   str_eq(json_str(ev, "reason", ""), "FailedCreate");
	if ((!str_eq(kind, "Pod") && !workload) || !str_eq(json_str(ev, "type", ""), "Warning"))
		return;
	/* one warning per pod: the newest */
	for (size_t i = 0; !w && i < s->nwarns; i++)
		if (s->warns[i].workload == workload && str_eq(s->warns[i].ns, ns) && str_eq(s->warns[i].pod, pod)) {
			if (s->warns[i].when > when)
				return;
			w = &s->warns[i];
		}
	if (w) {
		warning_clear(w);
	} else {
		s->warns = xreallocarray(s->warns, s->nwarns + 1, sizeof(*s->warns));
		w = &s->warns[s->nwarns++];
	}
	w->ns = xstrdup(ns);
	w->pod = xstrdup(pod);
	w->workload = workload;
	w->uid = xstrdup(uid);
	w->reason = xstrdup(json_str(ev, "reason", ""));
	w->message = xstrdup(json_str(ev, "message", w->reason));
	w->when = when;
	changed(s);
}

static const struct warning *warning_for(const struct services *s, const char *ns, const char *pod)
{
	for (size_t i = 0; i < s->nwarns; i++)
		if (!s->warns[i].workload && str_eq(s->warns[i].ns, ns) && str_eq(s->warns[i].pod, pod))
			return &s->warns[i];
	return NULL;
}

/* workload_warning: why a service's workload made no pod: a FailedCreate
 * about it, or about one of its ReplicaSets ("<deployment>-<hash>"). */
static const char *workload_warning(const struct services *s, const struct service *r)
{
	for (size_t k = 0; k < r->nworkloads; k++) {
		const char *name = r->workloads[k].name;
		size_t n = strlen(name);

		for (size_t i = 0; i < s->nwarns; i++) {
			const struct warning *w = &s->warns[i];

			if (w->workload && str_eq(w->ns, r->namespace) && strncmp(w->pod, name, n) == 0 &&
			    (w->pod[n] == '\0' || w->pod[n] == '-'))
				return w->message;
		}
	}
	return NULL;
}

/* --- workloads --- */

void services_workload(struct services *s, const char *res, const cJSON *obj, bool deleted)
{
	const char *ns = json_str(obj, "metadata.namespace", "");
	const char *name = json_str(obj, "metadata.name", NULL);
	const char *inst = instance_of(obj);
	const char *paused = key_str(json_get(obj, "metadata.annotations"), SERVICE_PAUSED_ANNOTATION);
	struct wl_entry *e = NULL;
	int64_t v;

	if (!name)
		return;
	for (size_t i = 0; i < s->nwls; i++)
		if (str_eq(s->wls[i].ns, ns) && str_eq(s->wls[i].wl.name, name) && str_eq(s->wls[i].wl.kind, res))
			e = &s->wls[i];
	if (e) {
		free(e->ns);
		free(e->instance);
		workload_clear(&e->wl);
		*e = s->wls[--s->nwls];
		changed(s);
	}
	if (deleted || !inst)
		return;
	s->wls = xreallocarray(s->wls, s->nwls + 1, sizeof(*s->wls));
	e = &s->wls[s->nwls++];
	e->ns = xstrdup(ns);
	e->instance = xstrdup(inst);
	e->wl.kind = xstrdup(res);
	e->wl.name = xstrdup(name);
	e->wl.replicas = (int)json_int(obj, "spec.replicas", 1);
	e->wl.paused_replicas = paused && str_parse_i64(paused, &v) == 0 && v >= 0 && v < 10000 ? (int)v : -1;
	changed(s);
}

/* --- ingresses --- */

void services_ingress(struct services *s, const cJSON *ing, bool deleted)
{
	const char *ns = json_str(ing, "metadata.namespace", "");
	const char *name = json_str(ing, "metadata.name", NULL);
	const char *inst = instance_of(ing);
	struct ing_entry *e = NULL;
	const cJSON *rule;

	if (!name)
		return;
	for (size_t i = 0; i < s->nings; i++)
		if (strcmp(s->ings[i].name, name) == 0 && strcmp(s->ings[i].ns, ns) == 0)
			e = &s->ings[i];
	if (e) {
		free(e->ns);
		free(e->name);
		free(e->instance);
		free_list(e->urls, e->nurls);
		*e = s->ings[--s->nings];
		e = NULL;
	}
	changed(s);
	if (deleted || !inst)
		return;
	if (s->nings == s->ings_cap) {
		s->ings_cap = s->ings_cap ? s->ings_cap * 2 : 16;
		s->ings = xreallocarray(s->ings, s->ings_cap, sizeof(*s->ings));
	}
	e = &s->ings[s->nings++];
	memset(e, 0, sizeof(*e));
	e->ns = xstrdup(ns);
	e->name = xstrdup(name);
	e->instance = xstrdup(inst);
	/* Onyxia's ServiceUrlResolver: host + path per rule, https:// prefixed */
	cJSON_ArrayForEach(rule, json_get(ing, "spec.rules")) {
		const char *host = json_str(rule, "host", NULL);
		const cJSON *p = json_get(rule, "http.paths.0");
		const char *path = json_str(p, "path", "");

		if (!host || e->nurls >= 16)
			continue;
		e->urls = xreallocarray(e->urls, e->nurls + 1, sizeof(char *));
		e->urls[e->nurls++] = xasprintf("https://%s%s", host, strcmp(path, "/") == 0 ? "" : path);
	}
}

/* --- metrics --- */

static void add_sample(struct service *r, int64_t cpu, int64_t mem)
{
	if (r->hist_len == SERVICE_HISTORY) {
		memmove(r->cpu_hist, r->cpu_hist + 1, sizeof(r->cpu_hist) - sizeof(r->cpu_hist[0]));
		memmove(r->mem_hist, r->mem_hist + 1, sizeof(r->mem_hist) - sizeof(r->mem_hist[0]));
		r->hist_len--;
	}
	r->cpu_hist[r->hist_len] = cpu;
	r->mem_hist[r->hist_len++] = mem;
}

static void rebuild(struct services *s);

void services_usage_begin(struct services *s)
{
	for (size_t i = 0; i < s->npods; i++) {
		s->pods[i].cpu_m = s->pods[i].mem = -1;
		s->pods[i].gpu_util = -1;
	}
}

void services_usage(struct services *s, const char *ns, const char *pod, int64_t cpu_m, int64_t mem,
		    int gpu_util)
{
	struct pod_entry *e = pod_find(s, ns, pod);

	if (e) {
		e->cpu_m = cpu_m;
		e->mem = mem;
		e->gpu_util = gpu_util;
	}
}

void services_usage_end(struct services *s)
{
	s->dirty = true;	/* the usage changed even if nothing else did */
	rebuild(s);
	for (size_t i = 0; i < s->nrows; i++)
		if (s->rows[i].cpu_m >= 0)
			add_sample(&s->rows[i], s->rows[i].cpu_m, s->rows[i].mem);
	s->generation++;
}

void services_metrics(struct services *s, const cJSON *list)
{
	const cJSON *items = json_get(list, "items");	/* NULL: one PodMetrics */
	const cJSON *it;

	services_usage_begin(s);
	for (it = items ? items->child : list; it; it = items ? it->next : NULL) {
		struct metrics_series m;

		if (metrics_parse_item(it, &m, NULL) == 0) {
			/* nanocores to millicores, rounded up as kubectl does */
			services_usage(s, m.ns, m.name, (m.now.cpu_nano + 999999) / 1000000, m.now.mem_bytes, -1);
			metrics_series_clear(&m);
		}
		if (!items)
			break;
	}
	services_usage_end(s);
}

/* --- the join --- */

static int row_cmp(const void *a, const void *b)
{
	const struct service *x = a, *y = b;
	int c = strcmp(x->namespace, y->namespace);

	return c ? c : strcmp(x->name, y->name);
}

static struct service *row_find(struct service *rows, size_t n, const char *ns, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].name, name) == 0 && strcmp(rows[i].namespace, ns) == 0)
			return &rows[i];
	return NULL;
}

static bool is_pending_status(const char *st)
{
	return str_has_prefix(st, "pending-");
}

/* derive: the state from the pods; no_pods_why: why no pod exists, if known */
static void derive(struct service *r, const char *no_pods_why)
{
	int crash = 0, pending = 0, done = 0, ready = 0, restarts = 0;
	const char *why = NULL;
	int64_t age = time(NULL) - r->created;

	free(r->state_text);
	r->state_text = NULL;
	for (size_t i = 0; i < r->npods; i++) {
		const struct service_pod *p = &r->pods[i];

		restarts += p->restarts;
		if (p->reason && strcmp(p->reason, "CrashLoopBackOff") == 0)
			crash++;
		else if (str_eq(p->phase, "Pending") && !p->node) {
			pending++;
			why = why ? why : p->reason;
		}
		if (str_eq(p->phase, "Succeeded"))
			done++;
		if (str_eq(p->phase, "Running") && p->ready == p->containers && !p->deleting)
			ready++;
	}
	r->ready = ready;
	r->total = (int)r->npods;
	if (is_pending_status(r->helm_status)) {
		r->state = SERVICE_INSTALLING;
		r->state_text = xstrdup(str_eq(r->helm_status, "pending-upgrade") ? "upgrading" :
					str_eq(r->helm_status, "pending-rollback") ? "rolling back" : "installing");
	} else if (str_eq(r->helm_status, "uninstalling")) {
		r->state = SERVICE_DELETING;
	} else if (str_eq(r->helm_status, "failed")) {
		r->state = SERVICE_FAILED;
	} else if (r->suspended || (r->scaled_down && ready == 0)) {
		r->state = SERVICE_PAUSED;
		if (r->npods > 0)
			r->state_text = xstrdup("pausing");
	} else if (r->npods == 0 && no_pods_why) {
		r->state = SERVICE_PENDING;
		r->state_text = xasprintf("pending: %s", no_pods_why);
	} else if (r->npods == 0) {
		r->state = age < 120 ? SERVICE_STARTING : SERVICE_RUNNING;
		r->state_text = xstrdup(age < 120 ? "starting" : "running (no pods)");
	} else if (crash) {
		r->state = SERVICE_CRASHLOOP;
		r->state_text = xasprintf("crash-looping (%d restarts)", restarts);
	} else if (pending) {
		r->state = SERVICE_PENDING;
		r->state_text = xasprintf("pending: %s", why ? why : "waiting for a node");
	} else if (done == (int)r->npods) {
		r->state = SERVICE_COMPLETED;
	} else if (ready == (int)r->npods) {
		r->state = SERVICE_RUNNING;
	} else {
		r->state = SERVICE_STARTING;
		r->state_text = xasprintf("starting %d/%d", ready, (int)r->npods);
	}
	if (!r->state_text)
		r->state_text = xstrdup(service_state_name(r->state));
}

static void rebuild(struct services *s)
{
	struct service *rows = NULL;
	size_t n = 0;

	if (!s->dirty)
		return;
	for (size_t i = 0; i < s->nrevs; i++) {
		const struct revision *v = &s->revs[i];
		struct service *r = row_find(rows, n, v->ns, v->name);

		if (str_eq(v->status, "uninstalled") || str_eq(v->status, "superseded"))
			continue;
		if (r && r->revision >= v->revision)
			continue;
		if (!r) {
			rows = xreallocarray(rows, n + 1, sizeof(*rows));
			r = &rows[n++];
			memset(r, 0, sizeof(*r));
			r->name = xstrdup(v->name);
			r->namespace = xstrdup(v->ns);
		} else {
			free(r->chart_name);
			free(r->chart_version);
			free(r->app_version);
			free(r->helm_status);
			free(r->notes);
			cJSON_Delete(r->values);
		}
		r->revision = v->revision;
		r->chart_name = dup_or_null(v->rel.chart_name);
		r->chart_version = dup_or_null(v->rel.chart_version);
		r->app_version = dup_or_null(v->rel.app_version);
		r->helm_status = xstrdup(v->status);
		r->notes = dup_or_null(v->rel.notes);
		r->values = v->rel.config ? cJSON_Duplicate(v->rel.config, 1) : NULL;
		r->created = parse_time(v->rel.first_deployed ? v->rel.first_deployed : v->rel.updated);
	}
	for (size_t i = 0; i < n; i++) {
		struct service *r = &rows[i];
		struct service *old = row_find(s->rows, s->nrows, r->namespace, r->name);
		const cJSON *susp = json_get(r->values, "global.suspend");
		int64_t gpu_busy, gpu_known;	/* percent x GPUs measured, GPUs measured */

		r->suspendable = susp != NULL;
		r->suspended = cJSON_IsTrue(susp);
		r->cpu_m = r->mem = -1;
		r->gpu_util = -1;
		gpu_busy = gpu_known = 0;
		for (size_t k = 0; k < s->npods; k++) {
			struct pod_entry *e = &s->pods[k];
			struct service_pod *p;

			if (strcmp(e->ns, r->namespace) != 0 || strcmp(e->instance, r->name) != 0)
				continue;
			r->pods = xreallocarray(r->pods, r->npods + 1, sizeof(*r->pods));
			p = &r->pods[r->npods++];
			*p = e->pod;
			p->name = xstrdup(e->pod.name);
			p->phase = xstrdup(e->pod.phase);
			p->node = dup_or_null(e->pod.node);
			if (e->pod.reason) {
				p->reason = xstrdup(e->pod.reason);
			} else {
				const struct warning *w = warning_for(s, e->ns, e->pod.name);

				/* once scheduled, an old FailedScheduling no longer applies */
				if (w && !(e->pod.node && str_eq(w->reason, "FailedScheduling")))
					p->reason = xstrdup(w->message);
			}
			r->gpus += p->gpus;
			if (p->gpus > 0 && e->gpu_util >= 0) {
				/* each GPU counts once: a 2-GPU pod weighs twice */
				gpu_busy += (int64_t)e->gpu_util * p->gpus;
				gpu_known += p->gpus;
			}
			if (e->cpu_m >= 0) {
				r->cpu_m = (r->cpu_m < 0 ? 0 : r->cpu_m) + e->cpu_m;
				r->mem = (r->mem < 0 ? 0 : r->mem) + e->mem;
			}
		}
		if (gpu_known > 0)
			r->gpu_util = (int)((gpu_busy + gpu_known / 2) / gpu_known);
		for (size_t k = 0; k < s->nings; k++) {
			struct ing_entry *e = &s->ings[k];

			if (strcmp(e->ns, r->namespace) != 0 || strcmp(e->instance, r->name) != 0)
				continue;
			for (size_t u = 0; u < e->nurls; u++) {
				r->urls = xreallocarray(r->urls, r->nurls + 1, sizeof(char *));
				r->urls[r->nurls++] = xstrdup(e->urls[u]);
			}
		}
		r->scaled_down = false;
		for (size_t k = 0; k < s->nwls; k++) {
			struct wl_entry *e = &s->wls[k];
			struct service_workload *w;

			if (strcmp(e->ns, r->namespace) != 0 || strcmp(e->instance, r->name) != 0)
				continue;
			r->workloads = xreallocarray(r->workloads, r->nworkloads + 1, sizeof(*r->workloads));
			w = &r->workloads[r->nworkloads++];
			*w = e->wl;
			w->kind = xstrdup(e->wl.kind);
			w->name = xstrdup(e->wl.name);
		}
		if (r->nworkloads > 0) {
			r->scaled_down = true;
			for (size_t k = 0; k < r->nworkloads; k++)
				if (r->workloads[k].replicas > 0)
					r->scaled_down = false;
		}
		for (size_t k = 0; k < s->nonyx; k++) {
			if (str_eq(s->onyx[k].ns, r->namespace) && str_eq(s->onyx[k].release, r->name)) {
				r->friendly_name = dup_or_null(s->onyx[k].friendly);
				r->catalog = dup_or_null(s->onyx[k].catalog);
			}
		}
		if (old) {
			memcpy(r->cpu_hist, old->cpu_hist, sizeof(r->cpu_hist));
			memcpy(r->mem_hist, old->mem_hist, sizeof(r->mem_hist));
			r->hist_len = old->hist_len;
		}
		derive(r, r->npods == 0 ? workload_warning(s, r) : NULL);
	}
	if (n > 1)
		qsort(rows, n, sizeof(*rows), row_cmp);
	for (size_t i = 0; i < s->nrows; i++)
		row_clear(&s->rows[i]);
	free(s->rows);
	s->rows = rows;
	s->nrows = n;
	s->dirty = false;
}

size_t services_count(struct services *s)
{
	rebuild(s);
	return s->nrows;
}

const struct service *services_at(struct services *s, size_t i)
{
	rebuild(s);
	return i < s->nrows ? &s->rows[i] : NULL;
}

const struct service *services_find(struct services *s, const char *ns, const char *name)
{
	rebuild(s);
	return row_find(s->rows, s->nrows, ns, name);
}

const char *service_state_name(enum service_state st)
{
	static const char *const names[] = {
		[SERVICE_RUNNING] = "running", [SERVICE_STARTING] = "starting",
		[SERVICE_PENDING] = "pending", [SERVICE_CRASHLOOP] = "crash-looping",
		[SERVICE_PAUSED] = "paused", [SERVICE_FAILED] = "failed",
		[SERVICE_INSTALLING] = "installing", [SERVICE_DELETING] = "deleting",
		[SERVICE_COMPLETED] = "completed",
	};

	return (size_t)st < sizeof(names) / sizeof(names[0]) ? names[st] : "unknown";
}

const char *service_friendly_name(const struct service *svc)
{
	const char *f = svc->friendly_name;

	/* a launch records the chart's name when given none (as Onyxia's
	 * web does): the release name, which begins with it, says more */
	if (!f || !*f || str_eq(f, svc->name) || (svc->chart_name && str_eq(f, svc->chart_name)))
		return NULL;
	return f;
}

const char *service_display_name(const struct service *svc)
{
	const char *f = service_friendly_name(svc);

	return f ? f : svc->name;
}

bool service_owns_object(const struct service *svc, const char *ns, const char *name)
{
	size_t n = strlen(svc->name);

	if (!str_eq(ns, svc->namespace))
		return false;
	for (size_t i = 0; i < svc->npods; i++)
		if (str_eq(svc->pods[i].name, name))
			return true;
	for (size_t i = 0; i < svc->nworkloads; i++)
		if (str_eq(svc->workloads[i].name, name))
			return true;
	/* objects a chart names after its release: NAME, NAME-x */
	return strncmp(name, svc->name, n) == 0 && (name[n] == '\0' || name[n] == '-');
}

static bool word_at(const char *p, size_t n, const char *w)
{
	size_t k = strlen(w);

	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++)
		if (tolower((unsigned char)p[i]) != w[i])
			return false;
	return true;
}

static const char *const secret_words[] = {
	"password", "passwd", "mot de passe", "token", "secret", "api key", "apikey", "access key",
};

bool service_secret_in_line(const char *line, size_t n, size_t *start, size_t *end)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t w = 0; w < sizeof(secret_words) / sizeof(secret_words[0]); w++) {
			size_t j, a, b;

			if (!word_at(line + i, n - i, secret_words[w]))
				continue;
			/* the value follows the next ':' or '=' within a few columns */
			for (j = i + strlen(secret_words[w]); j < n && j < i + strlen(secret_words[w]) + 12; j++)
				if (line[j] == ':' || line[j] == '=')
					break;
			if (j >= n || (line[j] != ':' && line[j] != '='))
				continue;
			a = j + 1;
			b = n;
			while (a < b && (line[a] == ' ' || line[a] == '*' || line[a] == '`' || line[a] == '"' || line[a] == '\''))
				a++;
			while (b > a && (line[b - 1] == ' ' || line[b - 1] == '*' || line[b - 1] == '`' ||
					 line[b - 1] == '"' || line[b - 1] == '\'' || line[b - 1] == '\r'))
				b--;
			if (b <= a)
				continue;
			*start = a;
			*end = b;
			return true;
		}
	}
	return false;
}

bool service_key_is_secret(const char *key)
{
	static const char *const words[] = { "password", "passwd", "token", "secret", "apikey", "api_key", "credential" };
	size_t n = key ? strlen(key) : 0;

	for (size_t i = 0; i < n; i++)
		for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++)
			if (word_at(key + i, n - i, words[w]))
				return true;
	return false;
}
