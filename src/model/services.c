/*
 * services.c: the inputs of model/services (see services.h): Secrets,
 * pods, events, workloads, ingresses and usage land in small tables
 * (release revisions by Secret name, Onyxia names, pods, ingresses,
 * workloads, pod warnings).  services_join.c builds the service rows
 * from them lazily, on the first read after a change, so a burst of
 * watch events costs one join.  Metric histories live in the rows and
 * survive rebuilds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/catalog/record.h"
#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/helm/release.h"
#include "datalab/kube/metrics.h"
#include "datalab/model/kobj.h"
#include "datalab/model/services.h"
#include "services-internal.h"

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

void services_pod_clear(struct service_pod *p)
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

void services_workload_clear(struct service_workload *w)
{
	free(w->kind);
	free(w->name);
}

void services_release_clear(struct service *r)
{
	free(r->chart_name);
	free(r->chart_version);
	free(r->app_version);
	free(r->helm_status);
	free(r->notes);
	cJSON_Delete(r->values);
}

void services_row_clear(struct service *r)
{
	free(r->name);
	free(r->namespace);
	free(r->friendly_name);
	free(r->catalog);
	for (size_t i = 0; i < r->nworkloads; i++)
		services_workload_clear(&r->workloads[i]);
	free(r->workloads);
	services_release_clear(r);
	free_list(r->urls, r->nurls);
	for (size_t i = 0; i < r->npods; i++)
		services_pod_clear(&r->pods[i]);
	free(r->pods);
	free(r->state_text);
	free(r->state_detail);
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
		services_pod_clear(&s->pods[i].pod);
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
		services_workload_clear(&s->wls[i].wl);
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
		services_row_clear(&s->rows[i]);
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
	const char *v = kobj_key(json_get(secret, "data"), key);
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
	const char *data = kobj_key(json_get(secret, "data"), "release");
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

static char *pod_reason(const cJSON *pod)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_get(pod, "status.containerStatuses")) {
		const char *why = json_str(c, "state.waiting.reason", NULL);

		if (why && strcmp(why, "ContainerCreating") != 0 && strcmp(why, "PodInitializing") != 0)
			return xstrdup(why);
	}
	return kobj_sched_message(pod);
}

static void pod_fill(struct service_pod *p, const cJSON *pod)
{
	const char *node = json_str(pod, "spec.nodeName", NULL);
	const cJSON *c;

	p->name = xstrdup(json_str(pod, "metadata.name", ""));
	p->phase = xstrdup(json_str(pod, "status.phase", "Pending"));
	p->node = node ? xstrdup(node) : NULL;
	p->reason = pod_reason(pod);
	p->created = kobj_time(pod, "metadata.creationTimestamp");
	p->deleting = json_get(pod, "metadata.deletionTimestamp") != NULL;
	cJSON_ArrayForEach(c, json_get(pod, "spec.containers")) {
		p->containers++;
		p->gpus += (int)kobj_request(c, "nvidia.com/gpu", false);
		p->cpu_request_m += kobj_request(c, "cpu", true);
		p->mem_request += kobj_request(c, "memory", false);
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
	const char *inst = kobj_instance(pod);
	struct pod_entry *e;

	if (!name)
		return;
	e = pod_find(s, ns, name);
	if (deleted || !inst) {
		if (e) {
			free(e->ns);
			free(e->instance);
			services_pod_clear(&e->pod);
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
		services_pod_clear(&e->pod);
	}
	e->instance = xstrdup(inst);
	pod_fill(&e->pod, pod);
	changed(s);
}

/* --- events --- */

void services_event(struct services *s, const cJSON *ev, bool deleted)
{
	const char *uid = json_str(ev, "metadata.uid", json_str(ev, "metadata.name", ""));
	const char *ns = json_str(ev, "involvedObject.namespace", json_str(ev, "metadata.namespace", ""));
	const char *pod = json_str(ev, "involvedObject.name", "");
	int64_t when = kobj_event_time(ev);
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

/* --- workloads --- */

void services_workload(struct services *s, const char *res, const cJSON *obj, bool deleted)
{
	const char *ns = json_str(obj, "metadata.namespace", "");
	const char *name = json_str(obj, "metadata.name", NULL);
	const char *inst = kobj_instance(obj);
	const char *paused = kobj_key(json_get(obj, "metadata.annotations"), SERVICE_PAUSED_ANNOTATION);
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
		services_workload_clear(&e->wl);
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
	const char *inst = kobj_instance(ing);
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
	services_rebuild(s);
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

