/*
 * runner.h: the real `helm` run as a child of the event loop.
 *
 * A command is built first (runner_cmd_*), which fixes its argv and its
 * shell rendering (runner_cmd_line) so the UI can show it before it runs;
 * runner_start then spawns it through core/proc, never blocking: stdout
 * and stderr arrive as lines, and on exit the `-o json` output is parsed
 * for the command's kind (helm/release.h).  Each started command is
 * appended to XDG_STATE/history as "<RFC 3339 UTC>\t<line>\n".
 *
 * Which helm: $DATALAB_HELM when set; else <dir>/../.tools/bin/helm when
 * it exists, <dir> being the folder of the running binary (a source
 * checkout's bin/), or two or three levels up (test binaries under
 * build/tests/ and build/asan/tests/); else "helm" looked up in PATH.
 *
 * Installs run `helm upgrade --install --history-max 0 NAME CHART ...
 * --output json`, as Onyxia's API does: a retry after a failed first
 * install upgrades the failed release instead of failing with "cannot
 * re-use a name", and the same command serves pause/resume.  RUNNER_INSTALL
 * (`helm install`) remains for --dry-run=client, which needs no cluster.
 * User values go to a file -f <private temp folder>/values.yaml (0700
 * folder, 0600 file), never to the command line; the folder is removed
 * when the command is freed.
 */
#ifndef DATALAB_HELM_RUNNER_H
#define DATALAB_HELM_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/core/error.h"
#include "datalab/core/loop.h"
#include "datalab/helm/release.h"

/* Where a command acts; NULL fields are left to helm's defaults. */
struct helm_target {
	const char *kubeconfig;	/* --kubeconfig */
	const char *context;	/* --kube-context */
	const char *namespace;	/* -n */
};

enum runner_kind {
	RUNNER_UPGRADE_INSTALL,	/* upgrade --install ... --output json -> release */
	RUNNER_INSTALL,		/* install ... --output json -> release */
	RUNNER_SUSPEND,		/* upgrade --reuse-values --set global.suspend=true -> release */
	RUNNER_RESUME,		/* the same with false -> release */
	RUNNER_UNINSTALL,	/* text */
	RUNNER_LIST,		/* list (all live states) --output json -> releases */
	RUNNER_STATUS,		/* status --output json -> release */
	RUNNER_GET_VALUES,	/* get values --output json -> values */
	RUNNER_GET_NOTES,	/* text */
	RUNNER_GET_MANIFEST,	/* text */
	RUNNER_HISTORY,		/* history --output json -> releases */
	RUNNER_ROLLBACK,	/* text */
};

/* What to install or upgrade.  chart is a chart name when repo_url is
 * set (helm fetches repo_url/index.yaml itself: no `helm repo add`),
 * else a "repo/chart" reference, a path, or an oci:// URL. */
struct runner_install {
	const char *release;
	const char *chart;
	const char *repo_url;	/* --repo */
	const char *version;	/* --version; NULL = latest (suspend/resume: pass the release's) */
	const char *values_yaml;	/* written to the private values.yaml; NULL = none */
	const char *const *sets;	/* "path=value" for --set, NULL-terminated; may be NULL */
	const char *timeout;	/* --timeout ("5m0s"); NULL = helm's */
	const char *ca_file;	/* --ca-file for the repository (its CA, PEM) */
	bool insecure_tls;	/* --insecure-skip-tls-verify for the repository */
	bool create_namespace;	/* --create-namespace */
	bool dry_run;		/* --dry-run=client */
	bool wait;		/* --wait (the watcher) */
};

struct runner_cmd;

/* Builders: NULL with err on a bad argument (a name helm would refuse,
 * or a values file that cannot be written).  Free with runner_cmd_free
 * unless handed to runner_start. */
struct runner_cmd *runner_cmd_install(enum runner_kind kind, const struct helm_target *t,
				      const struct runner_install *in, struct error *err);
/* runner_cmd_release: RUNNER_UNINSTALL, STATUS, GET_VALUES, GET_NOTES,
 * GET_MANIFEST or HISTORY of one release. */
struct runner_cmd *runner_cmd_release(enum runner_kind kind, const struct helm_target *t,
				      const char *release, struct error *err);
/* runner_cmd_list: RUNNER_LIST of the target namespace, or of all (-A). */
struct runner_cmd *runner_cmd_list(const struct helm_target *t, bool all_namespaces,
				   struct error *err);
/* runner_cmd_rollback: revision 0 = the previous one. */
struct runner_cmd *runner_cmd_rollback(const struct helm_target *t, const char *release,
				       long revision, struct error *err);

/* runner_cmd_line: the command as one shell line (str_shell_join; argv[0]
 * shown as "helm").  Valid until the command is freed. */
const char *runner_cmd_line(const struct runner_cmd *c);
/* runner_cmd_script: a copyable script, Onyxia's command bar style: the
 * values as a quoted heredoc into ./values.yaml, then the line with
 * "-f values.yaml".  Valid until the command is freed. */
const char *runner_cmd_script(const struct runner_cmd *c);
/* runner_cmd_argv: the NULL-terminated argv, argv[0] the helm binary. */
const char *const *runner_cmd_argv(const struct runner_cmd *c);
enum runner_kind runner_cmd_kind(const struct runner_cmd *c);
/* runner_cmd_release_name: the release the command acts on, or NULL. */
const char *runner_cmd_release_name(const struct runner_cmd *c);
/* runner_cmd_values_path: the private values file, or NULL. */
const char *runner_cmd_values_path(const struct runner_cmd *c);
/* runner_cmd_remove_values: removes the private values folder now (the
 * runner does once helm exits); the line still names it. */
void runner_cmd_remove_values(struct runner_cmd *c);
void runner_cmd_free(struct runner_cmd *c);

/* runner_helm_path: the helm binary chosen as above (xmalloc'd). */
char *runner_helm_path(void);

/* What a finished command gave.  Borrowed: valid during on_done only. */
struct runner_result {
	int status;		/* helm's exit code; 128 + signal when killed */
	struct error err;	/* code ERR_NONE on success; else helm's last "Error: "
				 * line, sanitized (ERR_CHILD), or ERR_PARSE */
	const char *out;	/* all of stdout (capped at 64 MiB) */
	size_t out_len;
	const char *errout;	/* all of stderr (capped at 1 MiB) */
	size_t errout_len;
	struct release release;	/* install, upgrade, suspend, resume, status */
	struct release *releases;	/* list, history */
	size_t nreleases;
	const cJSON *values;	/* get values (a JSON null when none) */
};

struct runner;

struct runner_cbs {
	/* one line of output without its '\n' (stream 1 or 2); raw bytes */
	void (*on_line)(struct runner *r, int stream, const char *line, size_t n, void *arg);
	/* once; the runner may be freed from here */
	void (*on_done)(struct runner *r, const struct runner_result *res, void *arg);
};

/* runner_start: takes ownership of cmd (also on failure).  Returns NULL
 * with err when helm cannot be spawned. */
struct runner *runner_start(struct loop *l, struct runner_cmd *cmd, const struct runner_cbs *cbs,
			    void *arg, struct error *err);
const struct runner_cmd *runner_get_cmd(const struct runner *r);
bool runner_running(const struct runner *r);
/* runner_free: a running helm gets SIGTERM; on_done is not called. */
void runner_free(struct runner *r);

#endif
