/*
 * get.c: the listing subcommands: pods, nodes, events, services.
 *
 * Each LISTs what it needs (several lists at once), then prints kubectl's
 * columns through kube/columns (or a kubectl "List" with -o json).
 * services joins helm's release Secrets with pods, ingresses, events and,
 * when the Metrics API answers, usage, through model/services.
 */
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli-internal.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/utf8.h"
#include "datalab/kube/columns.h"
#include "datalab/kube/informer.h"
#include "datalab/kube/quantity.h"
#include "datalab/model/services.h"

static const char usage_get[] =
	"usage: datalab %s [-n NAMESPACE | -A] [-o json|wide] [-w] [--kubeconfig FILE] [--context NAME]\n";

static bool watch_flag;

static int get_opt(struct cli *c, int opt, const char *arg, void *ctx)
{
	(void)arg;
	(void)ctx;
	if (opt != 'w')
		return -1;
	if (strcmp(c->cmd, "pods") != 0 && strcmp(c->cmd, "events") != 0)
		return cli_usage_error(c, "only pods and events can be watched"), -1;
	watch_flag = true;
	return 0;
}

/* start: flags, no positional argument, then the session */
static int start(struct cli *c, int argc, char **argv)
{
	static const struct option longs[] = { { "watch", no_argument, NULL, 'w' }, { NULL, 0, NULL, 0 } };
	int i;

	watch_flag = false;
	i = cli_parse(c, argc, argv, "w", longs, get_opt, NULL);

	if (i == -2) {
		printf(usage_get, c->cmd);
		return -2;
	}
	if (i < 0)
		return -1;
	if (i < argc) {
		cli_usage_error(c, "unexpected argument '%s'", argv[i]);
		return -1;
	}
	if (watch_flag && c->out == CLI_OUT_JSON) {
		cli_usage_error(c, "--watch prints columns, not JSON");
		return -1;
	}
	if (cli_connect(c) != 0)
		return -3;
	return 0;
}

static int start_rc(int rc)
{
	return rc == -2 ? CLI_OK : rc == -3 ? CLI_ERROR : CLI_USAGE;
}

static const char *const *with_ns(const struct cli *c, const char *const *header, const char **buf, size_t max)
{
	size_t n = 0;

	if (!c->all_ns)
		return header;
	buf[n++] = "NAMESPACE";
	while (header[n - 1] && n < max - 1) {
		buf[n] = header[n - 1];
		n++;
	}
	buf[n] = NULL;
	return buf;
}

static int obj_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	int k = strcmp(json_str(x, "metadata.namespace", ""), json_str(y, "metadata.namespace", ""));

	return k ? k : strcmp(json_str(x, "metadata.name", ""), json_str(y, "metadata.name", ""));
}

/* sorted: the items of list as an array (borrowed), by namespace and name */
static const cJSON **sorted(const cJSON *list, size_t *n, int (*cmp)(const void *, const void *))
{
	const cJSON *it, **v;

	*n = (size_t)cJSON_GetArraySize(json_get(list, "items"));
	v = xcalloc(*n + 1, sizeof(*v));
	*n = 0;
	cJSON_ArrayForEach(it, json_get(list, "items"))
		if (cJSON_IsObject(it))
			v[(*n)++] = it;
	qsort(v, *n, sizeof(*v), cmp);
	return v;
}

static void print_rows(const char *const *header, struct columns_row *rows, size_t n)
{
	struct buf out = BUF_INIT;

	columns_print(&out, header, rows, n);
	fwrite(out.data, 1, out.len, stdout);
	buf_release(&out);
	for (size_t i = 0; i < n; i++)
		columns_row_clear(&rows[i]);
}

static int print_json_items(cJSON *list)
{
	cJSON *items = cJSON_DetachItemFromObjectCaseSensitive(list, "items");

	cli_print_list_json(stdout, items ? items : cJSON_CreateArray());
	return CLI_OK;
}

/* a kind listed as kubectl get lists it: namespaced, its columns from
 * kube/columns, its rows in cmp's order */
struct get_kind {
	const char *resource;
	const char *const *header, *const *wide_header;
	void (*columns)(struct columns_row *r, const cJSON *obj, int64_t now, bool wide);
	int (*cmp)(const void *a, const void *b);
};

/* kind_row: one object's row, led by its namespace when -A */
static void kind_row(const struct cli *c, const struct get_kind *k, struct columns_row *r, const cJSON *obj,
		     int64_t now)
{
	if (c->all_ns)
		columns_add(r, json_str(obj, "metadata.namespace", ""));
	k->columns(r, obj, now, c->out == CLI_OUT_WIDE);
}

/* kind_header: k's header, led by NAMESPACE when -A (buf holds it then) */
static const char *const *kind_header(const struct cli *c, const struct get_kind *k, const char **buf, size_t max)
{
	return with_ns(c, c->out == CLI_OUT_WIDE ? k->wide_header : k->header, buf, max);
}

/* ---- watching (-w): an informer, rows printed as they change ---- */

struct watch_run {
	struct cli *c;
	const struct get_kind *kind;
	const char *const *header;
	size_t w[COLUMNS_MAX], ncols;
	bool synced, failed, headed;
	int signo;
	struct error err;
	struct informer *inf;
};

static void collect(const cJSON *obj, void *arg)
{
	struct { const cJSON **v; size_t n; } *acc = arg;

	acc->v[acc->n++] = obj;
}

static void watch_print(struct watch_run *r, const cJSON *obj)
{
	struct columns_row row = { 0 };
	struct buf out = BUF_INIT;

	kind_row(r->c, r->kind, &row, obj, (int64_t)time(NULL));
	if (!r->headed) {
		/* the first row after an empty list brings the header */
		struct columns_row head = { 0 };

		for (size_t i = 0; i < r->ncols; i++)
			columns_add(&head, r->header[i]);
		columns_print_row(&out, &head, r->w, r->ncols);
		columns_row_clear(&head);
		r->headed = true;
	}
	columns_print_row(&out, &row, r->w, r->ncols);
	fwrite(out.data, 1, out.len, stdout);
	fflush(stdout);
	buf_release(&out);
	columns_row_clear(&row);
}

static void on_watch_sync(struct informer *inf, void *arg)
{
	struct watch_run *r = arg;
	struct { const cJSON **v; size_t n; } acc;
	struct columns_row *rows;
	struct buf out = BUF_INIT;

	if (r->synced)
		return;	/* a relist: its changes were printed one by one */
	r->synced = true;
	acc.v = xcalloc(informer_count(inf) + 1, sizeof(*acc.v));
	acc.n = 0;
	informer_each(inf, collect, &acc);
	qsort(acc.v, acc.n, sizeof(*acc.v), obj_cmp);
	rows = xcalloc(acc.n + 1, sizeof(*rows));
	for (size_t i = 0; i < acc.n; i++)
		kind_row(r->c, r->kind, &rows[i], acc.v[i], (int64_t)time(NULL));
	r->ncols = columns_measure(r->header, rows, acc.n, r->w);
	if (acc.n == 0) {
		cli_no_resources(r->c);
	} else {
		columns_print(&out, r->header, rows, acc.n);
		r->headed = true;
	}
	fwrite(out.data, 1, out.len, stdout);
	fflush(stdout);
	buf_release(&out);
	for (size_t i = 0; i < acc.n; i++)
		columns_row_clear(&rows[i]);
	free(rows);
	free(acc.v);
#ifdef __GLIBC__
	malloc_trim(0);	/* the first table's text and rows are gone */
#endif
}

static void on_watch_add(struct informer *inf, const cJSON *obj, void *arg)
{
	struct watch_run *r = arg;

	(void)inf;
	if (r->synced)
		watch_print(r, obj);
}

static void on_watch_update(struct informer *inf, const cJSON *obj, const cJSON *old, void *arg)
{
	(void)old;
	on_watch_add(inf, obj, arg);
}

static void on_watch_error(struct informer *inf, const struct error *err, void *arg)
{
	struct watch_run *r = arg;
	char *msg = utf8_sanitize_dup(err->msg, 0);

	(void)inf;
	if (!r->synced && (err->code == ERR_AUTH || err->code == ERR_FORBIDDEN || err->code == ERR_NOT_FOUND ||
			   err->code == ERR_INVALID)) {
		/* the first list was refused: as kubectl, give up with the reason */
		r->failed = true;
		r->err = *err;
		loop_stop(r->c->loop);
	} else {
		/* busy, failing or unreachable: the informer keeps trying */
		fprintf(stderr, "warning: %s; retrying\n", msg);
	}
	free(msg);
}

static void on_watch_fresh(struct informer *inf, void *arg)
{
	struct watch_run *r = arg;

	(void)inf;
	if (r->synced)
		fputs("watch resumed\n", stderr);
}

static void on_watch_signal(struct loop *l, int signo, void *arg)
{
	struct watch_run *r = arg;

	r->signo = signo;
	loop_stop(l);
}

static int watch(struct cli *c, const struct get_kind *k)
{
	const char *hdr[COLUMNS_MAX + 2];
	struct watch_run r = { .c = c, .kind = k, .header = kind_header(c, k, hdr, DL_ARRAY_LEN(hdr)) };
	const struct informer_cbs cbs = { on_watch_add, on_watch_update, on_watch_add, on_watch_sync, on_watch_error,
					  on_watch_fresh };
	char path[512];
	struct informer_opts o = { .path = path };
	struct error err;

	informer_resource_path(k->resource, c->all_ns ? NULL : c->ns, path, sizeof(path));
	r.inf = informer_new(c->kube, &o, &cbs, &r);
	if (informer_start(r.inf, &err) != 0) {
		informer_free(r.inf);
		cli_disconnect(c);
		return cli_error(c, "%s", err.msg);
	}
	loop_on_signal(c->loop, SIGINT, on_watch_signal, &r);
	loop_on_signal(c->loop, SIGTERM, on_watch_signal, &r);
	loop_on_signal(c->loop, SIGHUP, on_watch_signal, &r);
	loop_run(c->loop);
	informer_free(r.inf);
	cli_disconnect(c);
	if (r.failed)
		return cli_error(c, "%s", r.err.msg);
	return CLI_OK;
}

/* get_list: pods and events alike: LIST (or watch with -w) and print */
static int get_list(struct cli *c, int argc, char **argv, const struct get_kind *k)
{
	struct cli_fetch f = { .resource = k->resource };
	const char *hdr[COLUMNS_MAX + 2];
	const cJSON **v;
	struct columns_row *rows;
	size_t n;
	int rc = start(c, argc, argv);

	if (rc)
		return start_rc(rc);
	if (watch_flag)
		return watch(c, k);
	if (cli_fetch_all(c, &f, 1) != 0) {
		cli_disconnect(c);
		return CLI_ERROR;
	}
	if (c->out == CLI_OUT_JSON) {
		rc = print_json_items(f.list);
	} else {
		v = sorted(f.list, &n, k->cmp);
		rows = xcalloc(n + 1, sizeof(*rows));
		for (size_t i = 0; i < n; i++)
			kind_row(c, k, &rows[i], v[i], c->now);
		if (n)
			print_rows(kind_header(c, k, hdr, DL_ARRAY_LEN(hdr)), rows, n);
		else
			cli_no_resources(c);
		free(rows);
		free(v);
	}
	cJSON_Delete(f.list);
	cli_disconnect(c);
	return rc;
}

/* ---- pods ---- */

int cli_pods(struct cli *c, int argc, char **argv)
{
	static const struct get_kind pods = { "pods", columns_pod_header, columns_pod_wide_header, columns_pod,
					      obj_cmp };

	return get_list(c, argc, argv, &pods);
}

/* ---- nodes ---- */

int cli_nodes(struct cli *c, int argc, char **argv)
{
	/* GPUs requested per node: every pod not finished, in every namespace
	 * (as kubectl describe node counts them); a user who may not list
	 * them all still sees the nodes, with "?" requested */
	struct cli_fetch f[2] = {
		{ .resource = "nodes" },
		{ .resource = "pods", .all_ns = true, .optional = true,
		  .query = "fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed" },
	};
	const cJSON **v;
	struct columns_row *rows;
	size_t n;
	int rc = start(c, argc, argv);

	if (rc)
		return start_rc(rc);
	if (cli_fetch_all(c, f, 2) != 0) {
		cli_disconnect(c);
		cJSON_Delete(f[1].list);
		return CLI_ERROR;
	}
	if (c->out == CLI_OUT_JSON) {
		rc = print_json_items(f[0].list);
	} else {
		v = sorted(f[0].list, &n, obj_cmp);
		rows = xcalloc(n + 1, sizeof(*rows));
		for (size_t i = 0; i < n; i++) {
			int64_t req = f[1].list ? 0 : -1;
			const cJSON *p;
			const char *name = json_str(v[i], "metadata.name", "");

			cJSON_ArrayForEach(p, json_get(f[1].list, "items")) {
				const char *phase = json_str(p, "status.phase", "");

				if (str_eq(json_str(p, "spec.nodeName", NULL), name) && strcmp(phase, "Succeeded") != 0 &&
				    strcmp(phase, "Failed") != 0)
					req += columns_gpu_request(p);
			}
			columns_node(&rows[i], v[i], req, c->now, c->out == CLI_OUT_WIDE);
		}
		if (n)
			print_rows(c->out == CLI_OUT_WIDE ? columns_node_wide_header : columns_node_header, rows, n);
		else
			fputs("No resources found\n", stderr);
		free(rows);
		free(v);
	}
	cJSON_Delete(f[0].list);
	cJSON_Delete(f[1].list);
	cli_disconnect(c);
	return rc;
}

/* ---- events ---- */

static int event_cmp(const void *a, const void *b)
{
	int64_t x = columns_event_time(*(const cJSON *const *)a), y = columns_event_time(*(const cJSON *const *)b);

	return x < y ? -1 : x > y ? 1 : obj_cmp(a, b);
}

int cli_events(struct cli *c, int argc, char **argv)
{
	/* oldest first, as kubectl events: the newest lands by the prompt */
	static const struct get_kind events = { "events", columns_event_header, columns_event_wide_header,
						columns_event, event_cmp };

	return get_list(c, argc, argv, &events);
}

/* ---- services ---- */

static const char *const services_header[] = { "NAME", "CHART", "STATUS", "READY", "CPU", "MEMORY", "GPUS", "AGE",
					       NULL };
static const char *const services_wide_header[] = { "NAME", "CHART", "STATUS", "READY", "CPU", "MEMORY", "GPUS",
						    "AGE", "REVISION", "APP VERSION", "URL", NULL };

static void fmt_cpu(char *dst, size_t size, int64_t m)
{
	if (m < 0)
		snprintf(dst, size, "-");
	else
		snprintf(dst, size, "%lldm", (long long)m);
}

/* fmt_mem: as kubectl top, in Mi (rounded up) */
static void fmt_mem(char *dst, size_t size, int64_t bytes)
{
	if (bytes < 0)
		snprintf(dst, size, "-");
	else
		snprintf(dst, size, "%lldMi", (long long)((bytes + 1024 * 1024 - 1) / (1024 * 1024)));
}

static void service_row(const struct cli *c, struct columns_row *r, const struct service *s)
{
	char cpu[32], mem[32], age[32];

	if (c->all_ns)
		columns_add(r, s->namespace);
	columns_add(r, s->name);
	if (s->chart_name && s->chart_version)
		columns_addf(r, "%s-%s", s->chart_name, s->chart_version);
	else
		columns_add(r, s->chart_name ? s->chart_name : "-");
	columns_add(r, s->state_text);
	columns_addf(r, "%d/%d", s->ready, s->total);
	fmt_cpu(cpu, sizeof(cpu), s->cpu_m);
	fmt_mem(mem, sizeof(mem), s->mem);
	columns_add(r, cpu);
	columns_add(r, mem);
	columns_addf(r, "%d", s->gpus);
	if (s->created)
		time_age(age, sizeof(age), c->now - s->created);
	else
		snprintf(age, sizeof(age), "<unknown>");
	columns_add(r, age);
	if (c->out != CLI_OUT_WIDE)
		return;
	columns_addf(r, "%ld", s->revision);
	columns_add(r, s->app_version ? s->app_version : "-");
	columns_add(r, s->nurls ? s->urls[0] : "-");
}

static cJSON *service_json(const struct service *s)
{
	cJSON *o = cJSON_CreateObject(), *pods = cJSON_CreateArray(), *urls = cJSON_CreateArray();

	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "namespace", s->namespace);
	cJSON_AddStringToObject(o, "displayName", service_display_name(s));
	if (s->catalog)
		cJSON_AddStringToObject(o, "catalog", s->catalog);
	cJSON_AddStringToObject(o, "chart", s->chart_name ? s->chart_name : "");
	cJSON_AddStringToObject(o, "chartVersion", s->chart_version ? s->chart_version : "");
	cJSON_AddStringToObject(o, "appVersion", s->app_version ? s->app_version : "");
	cJSON_AddNumberToObject(o, "revision", (double)s->revision);
	cJSON_AddStringToObject(o, "helmStatus", s->helm_status ? s->helm_status : "");
	cJSON_AddStringToObject(o, "state", service_state_name(s->state));
	cJSON_AddStringToObject(o, "status", s->state_text ? s->state_text : "");
	cJSON_AddNumberToObject(o, "ready", s->ready);
	cJSON_AddNumberToObject(o, "total", s->total);
	cJSON_AddNumberToObject(o, "gpus", s->gpus);
	if (s->cpu_m >= 0) {
		cJSON_AddNumberToObject(o, "cpuMillicores", (double)s->cpu_m);
		cJSON_AddNumberToObject(o, "memoryBytes", (double)s->mem);
	}
	cJSON_AddBoolToObject(o, "suspended", s->suspended || s->scaled_down);
	for (size_t i = 0; i < s->nurls; i++)
		cJSON_AddItemToArray(urls, cJSON_CreateString(s->urls[i]));
	cJSON_AddItemToObject(o, "urls", urls);
	for (size_t i = 0; i < s->npods; i++) {
		const struct service_pod *p = &s->pods[i];
		cJSON *po = cJSON_CreateObject();

		cJSON_AddStringToObject(po, "name", p->name);
		cJSON_AddStringToObject(po, "phase", p->phase ? p->phase : "");
		cJSON_AddStringToObject(po, "node", p->node ? p->node : "");
		cJSON_AddNumberToObject(po, "ready", p->ready);
		cJSON_AddNumberToObject(po, "containers", p->containers);
		cJSON_AddNumberToObject(po, "restarts", p->restarts);
		cJSON_AddNumberToObject(po, "gpus", p->gpus);
		if (p->reason)
			cJSON_AddStringToObject(po, "reason", p->reason);
		cJSON_AddItemToArray(pods, po);
	}
	cJSON_AddItemToObject(o, "pods", pods);
	return o;
}

int cli_services(struct cli *c, int argc, char **argv)
{
	struct cli_fetch f[8] = {
		{ .resource = "secrets", .query = "labelSelector=owner%3Dhelm" },
		{ .resource = "pods" },
		{ .resource = "ingresses", .optional = true },
		{ .resource = "events", .optional = true, .query = "fieldSelector=type%3DWarning" },
		{ .resource = "podmetrics", .optional = true },
		{ .resource = "statefulsets", .optional = true },
		{ .resource = "deployments", .optional = true },
		/* Onyxia's own record of a launch: its friendly name */
		{ .resource = "secrets", .optional = true, .query = "fieldSelector=type%3Donyxia.sh%2Frelease.v1" },
	};
	struct services *s;
	const cJSON *it;
	struct columns_row *rows;
	size_t n;
	int rc = start(c, argc, argv), bad = 0;
	struct error err;

	if (rc)
		return start_rc(rc);
	if (cli_fetch_all(c, f, DL_ARRAY_LEN(f)) != 0) {
		for (size_t i = 0; i < DL_ARRAY_LEN(f); i++)
			cJSON_Delete(f[i].list);
		cli_disconnect(c);
		return CLI_ERROR;
	}
	s = services_new();
	cJSON_ArrayForEach(it, json_get(f[0].list, "items"))
		if (services_secret(s, it, false, &err) != 0)
			bad++;
	cJSON_ArrayForEach(it, json_get(f[7].list, "items"))
		services_secret(s, it, false, &err);
	cJSON_ArrayForEach(it, json_get(f[5].list, "items"))
		services_workload(s, "statefulsets", it, false);
	cJSON_ArrayForEach(it, json_get(f[6].list, "items"))
		services_workload(s, "deployments", it, false);
	cJSON_ArrayForEach(it, json_get(f[1].list, "items"))
		services_pod(s, it, false);
	cJSON_ArrayForEach(it, json_get(f[2].list, "items"))
		services_ingress(s, it, false);
	cJSON_ArrayForEach(it, json_get(f[3].list, "items"))
		services_event(s, it, false);
	if (f[4].list)
		services_metrics(s, f[4].list);
	if (bad)
		fprintf(stderr, "warning: %d helm release secret%s could not be read\n", bad, bad > 1 ? "s" : "");
	n = services_count(s);
	if (c->out == CLI_OUT_JSON) {
		cJSON *items = cJSON_CreateArray(), *list = cJSON_CreateObject();
		char *text;

		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(items, service_json(services_at(s, i)));
		cJSON_AddStringToObject(list, "kind", "ServiceList");
		cJSON_AddItemToObject(list, "items", items);
		text = cJSON_Print(list);
		printf("%s\n", text);
		free(text);
		cJSON_Delete(list);
	} else if (n == 0) {
		cli_no_resources(c);
	} else {
		const char *hdr[COLUMNS_MAX + 2];

		rows = xcalloc(n, sizeof(*rows));
		for (size_t i = 0; i < n; i++)
			service_row(c, &rows[i], services_at(s, i));
		print_rows(with_ns(c, c->out == CLI_OUT_WIDE ? services_wide_header : services_header, hdr,
				   DL_ARRAY_LEN(hdr)), rows, n);
		free(rows);
	}
	services_free(s);
	for (size_t i = 0; i < DL_ARRAY_LEN(f); i++)
		cJSON_Delete(f[i].list);
	cli_disconnect(c);
	return rc;
}
