/*
 * cli-internal.h: what the subcommand files of src/cli share: the session
 * (loop, http, kube) built from the global flags, blocking waits on the
 * loop for lists, and the output format.  Not a public header.
 */
#ifndef DATALAB_CLI_INTERNAL_H
#define DATALAB_CLI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "datalab/cli/cli.h"
#include "datalab/core/error.h"
#include "datalab/core/loop.h"
#include "datalab/kube/client.h"

enum cli_output { CLI_OUT_TABLE, CLI_OUT_WIDE, CLI_OUT_JSON };

struct cli {
	const char *prog;		/* "datalab" */
	const char *cmd;		/* the subcommand */
	const char *kubeconfig, *context, *ns_flag;
	const char *ns;			/* the namespace in effect */
	bool all_ns;
	enum cli_output out;
	struct loop *loop;
	struct http *http;
	struct kube *kube;
	int64_t now;			/* unix seconds, for ages */
};

/* One LIST among several run together. */
struct cli_fetch {
	const char *resource;		/* "pods", "nodes", ... (informer_resource_path) */
	const char *query;		/* "labelSelector=owner%3Dhelm" or NULL */
	bool all_ns;			/* ignore the namespace */
	bool optional;			/* an error is kept in err, not fatal */
	cJSON *list;			/* out: owned by the caller */
	struct error err;		/* out */
	bool done;
};

#define CLI_WAIT_MS 60000L

/* cli_connect: loads the kubeconfig and builds the session; on failure
 * prints the error and returns -1. */
int cli_connect(struct cli *c);
void cli_disconnect(struct cli *c);
/* cli_fetch_all: runs the LISTs together; -1 after printing the first
 * error of a non-optional one. */
int cli_fetch_all(struct cli *c, struct cli_fetch *f, size_t n);
/* cli_wait: runs the loop until *flag or CLI_WAIT_MS; false on timeout. */
bool cli_wait(struct cli *c, const volatile bool *flag, long ms);
/* cli_error: "error: <msg>" on stderr; returns CLI_ERROR. */
int cli_error(const struct cli *c, const char *fmt, ...) DL_PRINTF(2, 3);
/* cli_usage_error: the message and a hint on stderr; returns CLI_USAGE. */
int cli_usage_error(const struct cli *c, const char *fmt, ...) DL_PRINTF(2, 3);
/* cli_print_list_json: items as a kubectl "List". */
void cli_print_list_json(FILE *f, cJSON *items);
/* cli_no_resources: kubectl's "No resources found in NS namespace." */
void cli_no_resources(const struct cli *c);

/* The subcommands (argv[0] is the subcommand's name). */
int cli_pods(struct cli *c, int argc, char **argv);
int cli_nodes(struct cli *c, int argc, char **argv);
int cli_events(struct cli *c, int argc, char **argv);
int cli_services(struct cli *c, int argc, char **argv);
int cli_exec(struct cli *c, int argc, char **argv);
int cli_logs(struct cli *c, int argc, char **argv);
int cli_version(struct cli *c, int argc, char **argv);

/* cli_parse_common: getopt_long over the global flags plus extra (short
 * string and long options of the command); calls fn for the command's
 * own options.  Returns the index of the first positional argument, or
 * -1 after a usage error was printed.  argv is permuted (GNU). */
struct option;
int cli_parse(struct cli *c, int argc, char **argv, const char *shorts, const struct option *longs,
	      int (*fn)(struct cli *c, int opt, const char *arg, void *ctx), void *ctx);

#endif
