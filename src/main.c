/*
 * main.c: datalab's entry point: the headless subcommands, or the console.
 *
 * The console is set up in run_console, in one place: the loop, HTTP,
 * the kubeconfig (--kubeconfig, --context, -n) and the Kubernetes
 * client, the live connection (informers, metrics, models), the frame
 * and its views.  Other views register there with one app_add_view line.
 * Without a usable kubeconfig the console still starts (the catalog, the
 * terminals and files need no cluster) and says why.
 */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "datalab/catalog/catalogs.h"
#include "datalab/cli/cli.h"
#include "datalab/cli/s3cli.h"
#include "datalab/core/build.h"
#include "datalab/core/log.h"
#include "datalab/core/loop.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/kube/client.h"
#include "datalab/kube/kubeconfig.h"
#include "datalab/model/live.h"
#include "datalab/net/http.h"
#include "datalab/ui/app.h"
#include "datalab/ui/buckets.h"
#include "datalab/ui/detail.h"
#include "datalab/ui/events.h"
#include "datalab/ui/namespaces.h"
#include "datalab/ui/nodes.h"
#include "datalab/ui/pods.h"
#include "datalab/ui/services_view.h"
#include "datalab/ui/shell.h"
#include "datalab/ui/catalogview.h"
#include "datalab/ui/terminals.h"
#include "datalab/ui/welcome.h"


static void usage(FILE *f)
{
	fputs("usage: datalab [--kubeconfig FILE] [--context NAME] [-n NAMESPACE] [--theme NAME]\n"
	      "       datalab [OPTIONS] launch 'https://HOST/launcher/CATALOG/CHART?...'\n"
	      "       datalab version\n"
	      "\n"
	      "A terminal console for cloud-native datalabs: launch services from Helm\n"
	      "catalogs, watch them, open terminals in them, manage files in S3.\n"
	      "Press ? inside for the keys.  See datalab(1).\n", f);
}

struct charts {
	struct catalog_list list;
	char *sandbox_url;
};

/* resolve_chart: pause and resume upgrade the release with its chart
 * again: the catalog Onyxia recorded for it (its Secret's "catalog"). */
static int resolve_chart(void *arg, const struct service *svc, char **chart, char **repo_url)
{
	struct charts *ch = arg;
	const struct catalog *cat = svc->catalog ? catalogs_find(&ch->list, svc->catalog) : NULL;
	struct error err;

	if (!cat || !svc->chart_name)
		return -1;
	*repo_url = catalog_location(cat, ch->sandbox_url, &err);
	if (!*repo_url)
		return -1;
	*chart = xstrdup(svc->chart_name);
	return 0;
}

/*
 * run_console: the console, from the loop to the views; returns the exit
 * status.  Views of other parts register with app_add_view below.
 */
static int run_console(const struct app_opts *o, const char *kubeconfig, struct catalogview_opts *cat)
{
	struct kubeconfig_opts ko = { .kubeconfig = kubeconfig, .context = o->context, .namespace = o->namespace };
	struct app_opts ao = *o;
	struct charts charts;
	struct error err, kerr;
	struct loop *loop = loop_new();
	struct http *http = NULL;
	struct kubeconfig *kc = kubeconfig_load(&ko, &kerr);
	struct kube *kube = NULL;
	struct live *live = NULL;
	struct shell *sh = NULL;
	struct app *app;
	char *dir;
	int rc = 0;

	catalogs_init(&charts.list);
	charts.sandbox_url = NULL;
	if (kc) {
		ao.context = kc->context;
		ao.namespace = kc->namespace;
	}
	app = app_new(loop, &ao, &err);
	if (!app) {
		fprintf(stderr, "datalab: %s\n", err.msg);
		kubeconfig_free(kc);
		loop_free(loop);
		return 1;
	}
	if (kc) {
		struct live_opts lo = { .namespace = kc->namespace, .kubeconfig = kubeconfig, .context = o->context };
		struct view *detail;

		http = http_new(loop);
		charts.sandbox_url = catalog_sandbox_url(kc);
		kube = kube_new(loop, http, kc);
		live = live_new(loop, kube, &lo);
		dir = catalogs_shipped_dir();
		if (catalogs_load_default(&charts.list, dir, &err) < 0)
			log_warn("catalogs: %s", err.msg);
		free(dir);
		live_set_chart_resolver(live, resolve_chart, &charts);
		sh = shell_attach(app, live);
		detail = detail_new(sh);
		app_add_view(app, services_view_new(sh, detail));
		app_add_view(app, pods_view_new(sh, detail));
		app_add_view(app, nodes_view_new(sh));
		app_add_view(app, events_view_new(sh, detail));
		app_add_view(app, namespaces_view_new(sh));
		app_add_view(app, detail);
	} else {
		log_warn("no cluster: %s", kerr.msg);
		app_add_view(app, welcome_new());
	}
	app_add_view(app, terminals_new());
	app_add_view(app, buckets_view_new());
	if (live && live_start(live, &err) < 0)
		app_toast(app, APP_ERROR, "%s", err.msg);
	if (live)
		app_show(app, "services");
	else
		app_show(app, "welcome");
	if (!kc)
		app_toast(app, APP_WARN, "no cluster: %s", kerr.msg);
	cat->http = http;
	cat->kubeconfig = kubeconfig;
	cat->kube = kube;
	if (catalogview_add(app, cat, &err) < 0) {
		fprintf(stderr, "datalab: %s\n", err.msg);
		rc = 2;
		goto out;
	}
	loop_run(loop);
out:
	/* views first (they stop their streams), then what they used */
	app_free(app);
	shell_free(sh);
	live_free(live);
	kube_free(kube);
	http_free(http);
	loop_free(loop);
	catalogs_release(&charts.list);
	free(charts.sandbox_url);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kubeconfig", required_argument, NULL, 'k' },
		{ "context", required_argument, NULL, 'c' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "theme", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct app_opts opts = { 0 };
	const char *kubeconfig = NULL;
	int c, rc;
	struct catalogview_opts cat = { 0 };

	setlocale(LC_ALL, "");
	if (argc > 1 && strcmp(argv[1], "s3") == 0)
		return s3cli_main(argc - 1, argv + 1);
	if (argc > 1 && cli_is_command(argv[1]))
		return cli_run(argc, argv);
	if (argc > 1 && strcmp(argv[1], "version") == 0) {
		printf("datalab %s\n", build_version());
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "launch") == 0) {
		/* datalab launch LINK [OPTIONS]: the form of an Onyxia launcher link */
		if (argc < 3) {
			usage(stderr);
			return 2;
		}
		cat.launch_link = argv[2];
		argv[2] = argv[0];
		argv += 2;
		argc -= 2;
	}
	while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kubeconfig = optarg;
			break;
		case 'c':
			opts.context = optarg;
			break;
		case 'n':
			opts.namespace = optarg;
			break;
		case 't':
			opts.theme = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("datalab %s\n", build_version());
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	/* datalab [OPTIONS] launch LINK: getopt has moved the operands last */
	if (!cat.launch_link && argc - optind == 2 && strcmp(argv[optind], "launch") == 0) {
		cat.launch_link = argv[optind + 1];
	} else if (optind < argc) {
		fprintf(stderr, "datalab: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	log_open(NULL);
	log_info("datalab %s starting", build_version());
	rc = run_console(&opts, kubeconfig, &cat);
	log_info("datalab exits");
	log_close();
	return rc;
}
