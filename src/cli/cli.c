/*
 * cli.c: dispatch of the headless subcommands, their shared flags, and
 * the session each one runs on (see cli.h).
 *
 * A subcommand parses its flags (the global ones are accepted by all),
 * builds the loop, http and kube from the kubeconfig, starts its requests
 * and runs the loop until they are answered (at most CLI_WAIT_MS), then
 * prints.  Nothing here draws: output is plain text or JSON on stdout,
 * errors are one "error: ..." line on stderr.
 */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli-internal.h"
#include "datalab/core/build.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/utf8.h"
#include "datalab/kube/informer.h"
#include "datalab/kube/kubeconfig.h"
#include "datalab/net/http.h"


static const struct {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
} cmds[] = {
	{ "services", cli_services },
	{ "pods", cli_pods },
	{ "nodes", cli_nodes },
	{ "events", cli_events },
	{ "exec", cli_exec },
	{ "logs", cli_logs },
	{ "version", cli_version },
};

bool cli_is_command(const char *name)
{
	for (size_t i = 0; name && i < DL_ARRAY_LEN(cmds); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return true;
	return false;
}

int cli_error(const struct cli *c, const char *fmt, ...)
{
	va_list ap;
	char *msg, *clean;

	(void)c;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	/* messages may quote the server: never let it reach the tty raw */
	clean = utf8_sanitize_dup(msg, 0);
	fprintf(stderr, "error: %s\n", clean);
	free(msg);
	free(clean);
	return CLI_ERROR;
}

int cli_usage_error(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nSee '%s %s --help' for usage.\n", c->prog, c->cmd);
	return CLI_USAGE;
}

int cli_parse(struct cli *c, int argc, char **argv, const char *shorts, const struct option *longs,
	      int (*fn)(struct cli *c, int opt, const char *arg, void *ctx), void *ctx)
{
	struct option all[32];
	char sh[64];
	size_t n = 0;
	int opt;
	static const struct option global[] = {
		{ "kubeconfig", required_argument, NULL, 0x100 },
		{ "context", required_argument, NULL, 0x101 },
		{ "namespace", required_argument, NULL, 'n' },
		{ "all-namespaces", no_argument, NULL, 'A' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(global); i++)
		all[n++] = global[i];
	for (const struct option *o = longs; o && o->name && n < DL_ARRAY_LEN(all) - 1; o++)
		all[n++] = *o;
	memset(&all[n], 0, sizeof(all[n]));
	snprintf(sh, sizeof(sh), "n:Ao:h%s", shorts ? shorts : "");
	optind = 0;	/* GNU: start afresh (tests run several commands) */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, sh, all, NULL)) != -1) {
		switch (opt) {
		case 0x100:
			c->kubeconfig = optarg;
			break;
		case 0x101:
			c->context = optarg;
			break;
		case 'n':
			c->ns_flag = optarg;
			break;
		case 'A':
			c->all_ns = true;
			break;
		case 'o':
			if (strcmp(optarg, "json") == 0)
				c->out = CLI_OUT_JSON;
			else if (strcmp(optarg, "wide") == 0)
				c->out = CLI_OUT_WIDE;
			else
				return cli_usage_error(c, "unknown output format '%s' (json or wide)", optarg), -1;
			break;
		case 'h':
			return -2;
		case '?':
			if (optopt)
				return cli_usage_error(c, "unknown or incomplete option '-%c'", optopt), -1;
			return cli_usage_error(c, "unknown or incomplete option '%s'", argv[optind - 1]), -1;
		default:
			if (!fn || fn(c, opt, optarg, ctx) != 0)
				return -1;
		}
	}
	return optind;
}

int cli_connect(struct cli *c)
{
	struct kubeconfig_opts o = { .kubeconfig = c->kubeconfig, .context = c->context, .namespace = c->ns_flag };
	struct error err;
	struct kubeconfig *kc = kubeconfig_load(&o, &err);

	if (!kc)
		return cli_error(c, "%s", err.msg), -1;
	c->ns = kc->namespace;
	c->loop = loop_new();
	c->http = http_new(c->loop);
	c->kube = kube_new(c->loop, c->http, kc);
	c->now = (int64_t)time(NULL);
	return 0;
}

void cli_disconnect(struct cli *c)
{
	kube_free(c->kube);
	http_free(c->http);
	loop_free(c->loop);
	c->kube = NULL;
	c->http = NULL;
	c->loop = NULL;
}

bool cli_wait(struct cli *c, const volatile bool *flag, long ms)
{
	uint64_t end = time_mono_ms() + (uint64_t)ms;

	while (!*flag && !loop_stopped(c->loop)) {
		uint64_t now = time_mono_ms();

		if (now >= end)
			return false;
		loop_run_once(c->loop, (long)DL_MIN(end - now, (uint64_t)1000));
	}
	return *flag;
}

struct fetch_ctx {
	struct cli_fetch *f;
	int *left;
};

static void on_fetched(struct kube_list *l, cJSON *list, const struct error *err, void *arg)
{
	struct fetch_ctx *x = arg;

	(void)l;
	x->f->list = list;
	x->f->err = *err;
	x->f->done = true;
	(*x->left)--;
}

int cli_fetch_all(struct cli *c, struct cli_fetch *f, size_t n)
{
	struct fetch_ctx *ctx = xcalloc(n, sizeof(*ctx));
	struct kube_list **lists = xcalloc(n, sizeof(*lists));
	int left = 0, rc = 0;
	bool all_done = false;
	uint64_t end = time_mono_ms() + CLI_WAIT_MS;

	for (size_t i = 0; i < n; i++) {
		char path[512];

		ctx[i].f = &f[i];
		ctx[i].left = &left;
		f[i].done = false;
		f[i].list = NULL;
		error_clear(&f[i].err);
		if (informer_resource_path(f[i].resource, c->all_ns || f[i].all_ns ? NULL : c->ns, path,
					   sizeof(path)) != 0)
			fatal("cli: unknown resource '%s'", f[i].resource);
		left++;
		if (!(lists[i] = kube_list_start(c->kube, path, f[i].query, on_fetched, &ctx[i], &f[i].err))) {
			f[i].done = true;
			left--;
		}
	}
	while (left > 0 && time_mono_ms() < end)
		loop_run_once(c->loop, 1000);
	all_done = left == 0;
	for (size_t i = 0; i < n; i++) {
		if (!f[i].done) {
			kube_list_cancel(lists[i]);
			error_set(&f[i].err, ERR_TIMEOUT, "no answer from '%s' within %ld s", kube_config(c->kube)->server,
				  CLI_WAIT_MS / 1000);
			f[i].done = true;
		}
		if (f[i].err.code != ERR_NONE && !f[i].optional && rc == 0) {
			cli_error(c, "%s", f[i].err.msg);
			rc = -1;
		}
	}
	(void)all_done;
	free(ctx);
	free(lists);
	return rc;
}

void cli_print_list_json(FILE *f, cJSON *items)
{
	cJSON *list = cJSON_CreateObject();
	cJSON *meta;
	char *text;

	cJSON_AddStringToObject(list, "apiVersion", "v1");
	cJSON_AddItemToObject(list, "items", items);
	cJSON_AddStringToObject(list, "kind", "List");
	meta = cJSON_AddObjectToObject(list, "metadata");
	cJSON_AddStringToObject(meta, "resourceVersion", "");
	text = cJSON_Print(list);
	fprintf(f, "%s\n", text);
	free(text);
	cJSON_Delete(list);
}

void cli_no_resources(const struct cli *c)
{
	char *ns = utf8_sanitize_dup(c->ns ? c->ns : "", 0);

	if (c->all_ns)
		fputs("No resources found\n", stderr);
	else
		fprintf(stderr, "No resources found in %s namespace.\n", ns);
	free(ns);
}

/* ---- version ---- */

struct version_ctx {
	bool done;
	cJSON *body;
	struct error err;
};

static void on_version(struct kube_call *call, cJSON *body, const struct error *err, void *arg)
{
	struct version_ctx *v = arg;

	(void)body;
	v->err = *err;
	v->body = kube_call_take_body(call);
	v->done = true;
}

static int version_opt(struct cli *c, int opt, const char *arg, void *ctx)
{
	(void)c;
	(void)arg;
	if (opt == 0x200)
		*(bool *)ctx = true;
	return 0;
}

int cli_version(struct cli *c, int argc, char **argv)
{
	static const struct option longs[] = { { "client", no_argument, NULL, 0x200 }, { NULL, 0, NULL, 0 } };
	bool client_only = false;
	struct version_ctx v = { 0 };
	struct kube_req rq = { .path = "/version", .timeout_ms = 10000 };
	struct error err;
	int i = cli_parse(c, argc, argv, "", longs, version_opt, &client_only);
	char *gv;

	if (i == -2) {
		printf("usage: %s version [--client] [--kubeconfig FILE] [--context NAME]\n", c->prog);
		return CLI_OK;
	}
	if (i < 0)
		return CLI_USAGE;
	if (i < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[i]);
	printf("Client Version: datalab %s\n", build_version());
	if (client_only)
		return CLI_OK;
	fflush(stdout);
	if (cli_connect(c) != 0)
		return CLI_ERROR;
	if (!kube_call(c->kube, &rq, on_version, &v, &err)) {
		cli_disconnect(c);
		return cli_error(c, "%s", err.msg);
	}
	if (!cli_wait(c, &v.done, CLI_WAIT_MS)) {
		cli_disconnect(c);
		return cli_error(c, "no answer from the API server");
	}
	if (v.err.code != ERR_NONE) {
		cli_disconnect(c);
		cJSON_Delete(v.body);
		return cli_error(c, "%s", v.err.msg);
	}
	gv = utf8_sanitize_dup(json_str(v.body, "gitVersion", "unknown"), 0);
	printf("Server Version: %s\n", gv);
	free(gv);
	cJSON_Delete(v.body);
	cli_disconnect(c);
	return CLI_OK;
}

int cli_run(int argc, char **argv)
{
	struct cli c = { .prog = "datalab" };
	int rc;

	if (argc < 2 || !cli_is_command(argv[1]))
		return CLI_USAGE;
	c.cmd = argv[1];
	/* a closed pipe (datalab pods | head) is an ordinary end */
	signal(SIGPIPE, SIG_IGN);
	log_open(NULL);
	for (size_t i = 0; i < DL_ARRAY_LEN(cmds); i++) {
		if (strcmp(cmds[i].name, argv[1]) == 0) {
			rc = cmds[i].fn(&c, argc - 1, argv + 1);
			fflush(stdout);
			log_close();
			return rc;
		}
	}
	return CLI_USAGE;
}
