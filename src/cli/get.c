/*
 * get.c: the listing subcommands: pods, nodes, events, services.
 *
 * Each LISTs what it needs (several lists at once), then prints kubectl's
 * columns through kube/columns (or a kubectl "List" with -o json).
 * services joins helm's release Secrets with pods, ingresses, events and,
 * when the Metrics API answers, usage, through model/services.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-internal.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/utf8.h"
#include "datalab/kube/columns.h"
#include "datalab/kube/quantity.h"
#include "datalab/model/services.h"

static const char usage_get[] =
	"usage: datalab %s [-n NAMESPACE | -A] [-o json|wide] [--kubeconfig FILE] [--context NAME]\n";

/* start: flags, no positional argument, then the session */
static int start(struct cli *c, int argc, char **argv)
{
	int i = cli_parse(c, argc, argv, "", NULL, NULL, NULL);

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

/* row_ns: a row that starts with the namespace when -A */
static void row_ns(const struct cli *c, struct columns_row *r, const cJSON *obj)
{
	if (c->all_ns)
		columns_add(r, json_str(obj, "metadata.namespace", ""));
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

/* ---- pods ---- */

int cli_pods(struct cli *c, int argc, char **argv)
{
	struct cli_fetch f = { .resource = "pods" };
	const char *hdr[COLUMNS_MAX + 2];
	const cJSON **v;
	struct columns_row *rows;
	size_t n;
	int rc = start(c, argc, argv);

	if (rc)
		return start_rc(rc);
	if (cli_fetch_all(c, &f, 1) != 0) {
		cli_disconnect(c);
		return CLI_ERROR;
	}
	if (c->out == CLI_OUT_JSON) {
		rc = print_json_items(f.list);
	} else {
		v = sorted(f.list, &n, obj_cmp);
		rows = xcalloc(n + 1, sizeof(*rows));
		for (size_t i = 0; i < n; i++) {
			row_ns(c, &rows[i], v[i]);
			columns_pod(&rows[i], v[i], c->now, c->out == CLI_OUT_WIDE);
		}
		if (n)
			print_rows(with_ns(c, c->out == CLI_OUT_WIDE ? columns_pod_wide_header : columns_pod_header, hdr,
					   DL_ARRAY_LEN(hdr)), rows, n);
		else
			cli_no_resources(c);
		free(rows);
		free(v);
	}
	cJSON_Delete(f.list);
	cli_disconnect(c);
	return rc;
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
	struct cli_fetch f = { .resource = "events" };
	const char *hdr[COLUMNS_MAX + 2];
	const cJSON **v;
	struct columns_row *rows;
	size_t n;
	int rc = start(c, argc, argv);

	if (rc)
		return start_rc(rc);
	if (cli_fetch_all(c, &f, 1) != 0) {
		cli_disconnect(c);
		return CLI_ERROR;
	}
	if (c->out == CLI_OUT_JSON) {
		rc = print_json_items(f.list);
	} else {
		/* oldest first, as kubectl events: the newest lands by the prompt */
		v = sorted(f.list, &n, event_cmp);
		rows = xcalloc(n + 1, sizeof(*rows));
		for (size_t i = 0; i < n; i++) {
			row_ns(c, &rows[i], v[i]);
			columns_event(&rows[i], v[i], c->now, c->out == CLI_OUT_WIDE);
		}
		if (n)
			print_rows(with_ns(c, c->out == CLI_OUT_WIDE ? columns_event_wide_header : columns_event_header, hdr,
					   DL_ARRAY_LEN(hdr)), rows, n);
		else
			cli_no_resources(c);
		free(rows);
		free(v);
	}
	cJSON_Delete(f.list);
	cli_disconnect(c);
	return rc;
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
