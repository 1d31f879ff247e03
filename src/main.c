/*
 * main.c: datalab's entry point: the headless subcommands, or the console.
 */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/log.h"
#include "datalab/core/loop.h"
#include "datalab/ui/app.h"
#include "datalab/ui/catalogview.h"
#include "datalab/ui/terminals.h"
#include "datalab/ui/welcome.h"

#ifndef DATALAB_VERSION
#define DATALAB_VERSION "0.1"
#endif

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
	struct catalogview_opts cat = { 0 };
	struct error err;
	struct loop *loop;
	struct app *app;
	int c;

	setlocale(LC_ALL, "");
	if (argc > 1 && strcmp(argv[1], "version") == 0) {
		printf("datalab %s\n", DATALAB_VERSION);
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
			setenv("KUBECONFIG", optarg, 1);
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
			printf("datalab %s\n", DATALAB_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	log_open(NULL);
	log_info("datalab %s starting", DATALAB_VERSION);
	loop = loop_new();
	app = app_new(loop, &opts, &err);
	if (!app) {
		fprintf(stderr, "datalab: %s\n", err.msg);
		loop_free(loop);
		return 1;
	}
	app_add_view(app, welcome_new());
	app_add_view(app, terminals_new());
	app_show(app, "welcome");
	if (catalogview_add(app, &cat, &err) < 0) {
		app_free(app);
		loop_free(loop);
		fprintf(stderr, "datalab: %s\n", err.msg);
		return 2;
	}
	loop_run(loop);
	app_free(app);
	loop_free(loop);
	log_info("datalab exits");
	log_close();
	return 0;
}
