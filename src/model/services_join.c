/*
 * services_join.c: the rows of model/services (see services.h): each
 * release's newest revision joined with its pods, ingresses, workloads,
 * Onyxia name and warnings, then its status derived from them; and the
 * names and secrets a person reads.  The tables are services.c's
 * (services-internal.h); rebuilding replaces every row but keeps each
 * one's metric history.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/model/kobj.h"
#include "datalab/model/services.h"
#include "services-internal.h"

static char *dup_or_null(const char *v)
{
	return v ? xstrdup(v) : NULL;
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
	free(r->state_detail);
	r->state_detail = xstrdup(r->state_text);
	if (r->state == SERVICE_PENDING) {
		char sum[160];

		/* a quota's refusal runs to 300 characters: the column says which
		 * resources, the detail view all of it */
		if (service_quota_summary(r->state_text, sum, sizeof(sum))) {
			free(r->state_text);
			r->state_text = xasprintf("pending: %s", sum);
		}
	}
}

/* belongs: whether an object of namespace ns labelled with release
 * inst is one of r's. */
static bool belongs(const struct service *r, const char *ns, const char *inst)
{
	return str_eq(ns, r->namespace) && str_eq(inst, r->name);
}

/* join_pods: r's pods, with their reasons (a warning when the pod says
 * none), and the usage summed over them. */
static void join_pods(const struct services *s, struct service *r)
{
	int64_t gpu_busy = 0, gpu_known = 0;	/* percent x GPUs measured, GPUs measured */

	r->cpu_m = r->mem = -1;
	r->gpu_util = -1;
	for (size_t k = 0; k < s->npods; k++) {
		const struct pod_entry *e = &s->pods[k];
		struct service_pod *p;

		if (!belongs(r, e->ns, e->instance))
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
}

/* join_urls: the URLs of r's ingresses. */
static void join_urls(const struct services *s, struct service *r)
{
	for (size_t k = 0; k < s->nings; k++) {
		const struct ing_entry *e = &s->ings[k];

		if (!belongs(r, e->ns, e->instance))
			continue;
		for (size_t u = 0; u < e->nurls; u++) {
			r->urls = xreallocarray(r->urls, r->nurls + 1, sizeof(char *));
			r->urls[r->nurls++] = xstrdup(e->urls[u]);
		}
	}
}

/* join_workloads: r's statefulsets and deployments; scaled down when
 * every one is at 0 replicas. */
static void join_workloads(const struct services *s, struct service *r)
{
	r->scaled_down = false;
	for (size_t k = 0; k < s->nwls; k++) {
		const struct wl_entry *e = &s->wls[k];
		struct service_workload *w;

		if (!belongs(r, e->ns, e->instance))
			continue;
		r->workloads = xreallocarray(r->workloads, r->nworkloads + 1, sizeof(*r->workloads));
		w = &r->workloads[r->nworkloads++];
		*w = e->wl;
		w->kind = xstrdup(e->wl.kind);
		w->name = xstrdup(e->wl.name);
	}
	for (size_t k = 0; k < r->nworkloads; k++)
		r->scaled_down = r->workloads[k].replicas == 0 && (k == 0 || r->scaled_down);
}

void services_rebuild(struct services *s)
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
			services_release_clear(r);
		}
		r->revision = v->revision;
		r->chart_name = dup_or_null(v->rel.chart_name);
		r->chart_version = dup_or_null(v->rel.chart_version);
		r->app_version = dup_or_null(v->rel.app_version);
		r->helm_status = xstrdup(v->status);
		r->notes = dup_or_null(v->rel.notes);
		r->values = v->rel.config ? cJSON_Duplicate(v->rel.config, 1) : NULL;
		r->created = kobj_parse_time(v->rel.first_deployed ? v->rel.first_deployed : v->rel.updated);
	}
	for (size_t i = 0; i < n; i++) {
		struct service *r = &rows[i];
		struct service *old = row_find(s->rows, s->nrows, r->namespace, r->name);
		const cJSON *susp = json_get(r->values, "global.suspend");

		r->suspendable = susp != NULL;
		r->suspended = cJSON_IsTrue(susp);
		join_pods(s, r);
		join_urls(s, r);
		join_workloads(s, r);
		for (size_t k = 0; k < s->nonyx; k++) {
			if (belongs(r, s->onyx[k].ns, s->onyx[k].release)) {
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
		services_row_clear(&s->rows[i]);
	free(s->rows);
	s->rows = rows;
	s->nrows = n;
	s->dirty = false;
}

size_t services_count(struct services *s)
{
	services_rebuild(s);
	return s->nrows;
}

const struct service *services_at(struct services *s, size_t i)
{
	services_rebuild(s);
	return i < s->nrows ? &s->rows[i] : NULL;
}

const struct service *services_find(struct services *s, const char *ns, const char *name)
{
	services_rebuild(s);
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

/* add_resource: a quota key (requests./limits. dropped) to b, "quota:
 * a, b", unless it is listed already. */
static void add_resource(struct buf *b, const char *p, size_t n)
{
	if (n > 9 && strncmp(p, "requests.", 9) == 0)
		p += 9, n -= 9;
	else if (n > 7 && strncmp(p, "limits.", 7) == 0)
		p += 7, n -= 7;
	/* each name follows ": " (the first) or ", " */
	for (const char *q = strchr(b->data, ':'); q; q = strchr(q + 1, ','))
		if (q[1] && strncmp(q + 2, p, n) == 0 && (q[2 + n] == ',' || q[2 + n] == '\0'))
			return;
	buf_addf(b, "%s%.*s", str_has_suffix(b->data, ":") ? " " : ", ", (int)n, p);
}

bool service_quota_summary(const char *text, char *dst, size_t size)
{
	const char *p, *end;
	struct buf b;

	if (!text)
		return false;
	buf_init(&b, 4096);
	if ((p = strstr(text, "exceeded quota: ")) && (p = strstr(p, ", requested: "))) {
		p += strlen(", requested: ");
		end = strstr(p, ", used: ");
		if (!end)
			end = p + strlen(p);
		buf_adds(&b, "quota:");
		while (p < end) {
			const char *eq = memchr(p, '=', (size_t)(end - p));
			const char *comma = memchr(p, ',', (size_t)(end - p));

			if (!eq)
				break;
			add_resource(&b, p, (size_t)(eq - p));
			p = comma ? comma + 1 : end;
		}
	} else if ((p = strstr(text, "failed quota: ")) && (p = strstr(p, ": must specify "))) {
		p += strlen(": must specify ");
		buf_adds(&b, "quota: must specify");
		while (*p && *p != ' ' && *p != ';') {
			size_t n = strcspn(p, ", ;");

			buf_addf(&b, "%s%.*s", str_has_suffix(b.data, "specify") ? " " : ", ", (int)n, p);
			p += n;
			if (*p == ',')
				p++;
		}
	}
	if (b.len == 0 || str_has_suffix(b.data, ":") || str_has_suffix(b.data, "specify")) {
		buf_release(&b);
		return false;
	}
	str_copy(dst, b.data, size);
	buf_release(&b);
	return true;
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
