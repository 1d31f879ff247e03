/*
 * runner_cmd.c: building helm command lines (runner.h), apart from running
 * them (runner.c).
 *
 * Every argument that comes from a user or a catalog is checked so it
 * cannot turn into an option: names must be DNS labels, free values may
 * not start with '-', paths go in "--flag=value" form.  The values file
 * is written here, at build time, because the line shown before the run
 * names it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/helm/runner.h"

#define MAX_ARGS 256

struct runner_cmd {
	enum runner_kind kind;
	char *argv[MAX_ARGS + 1];
	size_t argc;
	char *release;
	char *line;
	char *script;
	char *values_dir;
	char *values_path;
	char *values_yaml;
};

static void add(struct runner_cmd *c, const char *s)
{
	if (c->argc >= MAX_ARGS)
		fatal("helm command over %d arguments", MAX_ARGS);
	c->argv[c->argc++] = xstrdup(s);
}

static void add2(struct runner_cmd *c, const char *flag, const char *value)
{
	add(c, flag);
	add(c, value);
}

/* DNS-1123 label of at most max bytes: what helm and Kubernetes accept
 * for release names (53) and namespaces (63). */
static bool dns_label(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* A free value: non-empty, no leading '-', no control bytes. */
static bool plain_value(const char *s)
{
	if (!s || !*s || s[0] == '-')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static struct runner_cmd *cmd_new(enum runner_kind kind, const struct helm_target *t,
				  struct error *err)
{
	struct runner_cmd *c;

	if (t && t->namespace && !dns_label(t->namespace, 63)) {
		error_set(err, ERR_INVALID, "namespace is not a valid name");
		return NULL;
	}
	if (t && ((t->kubeconfig && !plain_value(t->kubeconfig)) ||
	    (t->context && (!t->context[0] || strpbrk(t->context, "\r\n"))))) {
		error_set(err, ERR_INVALID, "kubeconfig path or context is not usable");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->kind = kind;
	c->argv[c->argc++] = runner_helm_path();
	return c;
}

/* The target's flags, after the subcommand's own arguments. */
static void add_target(struct runner_cmd *c, const struct helm_target *t)
{
	char *s;

	if (!t)
		return;
	if (t->namespace)
		add2(c, "-n", t->namespace);
	if (t->kubeconfig) {
		s = xasprintf("--kubeconfig=%s", t->kubeconfig);
		add(c, s);
		free(s);
	}
	if (t->context) {
		s = xasprintf("--kube-context=%s", t->context);
		add(c, s);
		free(s);
	}
}

static int write_values(struct runner_cmd *c, const char *yaml, struct error *err)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/datalab-helm-XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
	size_t n = strlen(yaml), off = 0;
	int fd;

	/* mkdtemp makes the folder 0700: nobody else can even list it */
	if (!mkdtemp(tmpl)) {
		error_sys(err, "cannot create a private folder for values");
		free(tmpl);
		return -1;
	}
	c->values_dir = tmpl;
	c->values_path = file_join(tmpl, "values.yaml");
	fd = open(c->values_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_sys(err, "cannot write '%s'", c->values_path);
	while (off < n) {
		ssize_t w = write(fd, yaml + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			close(fd);
			return error_sys(err, "cannot write '%s'", c->values_path);
		}
		off += (size_t)w;
	}
	if (close(fd) != 0)
		return error_sys(err, "cannot write '%s'", c->values_path);
	c->values_yaml = xstrdup(yaml);
	return 0;
}

/* The shell line and the script, fixed once the argv is complete. */
static void render(struct runner_cmd *c)
{
	struct buf b;
	const char *argv[MAX_ARGS + 1];
	const char *delim = "EOF";
	char alt[32];

	memcpy(argv, c->argv, sizeof(argv[0]) * (c->argc + 1));
	argv[0] = "helm";
	buf_init(&b, 0);
	str_shell_join(&b, argv);
	c->line = buf_take(&b, NULL);
	if (c->values_path) {
		/* a heredoc delimiter that no line of the values equals */
		for (int i = 0; strstr(c->values_yaml, delim); i++) {
			snprintf(alt, sizeof(alt), "EOF_%d", i);
			delim = alt;
		}
		buf_addf(&b, "cat << '%s' > ./values.yaml\n%s%s%s\n", delim, c->values_yaml,
		    str_has_suffix(c->values_yaml, "\n") || !*c->values_yaml ? "" : "\n", delim);
		for (size_t i = 0; i < c->argc; i++)
			if (c->argv[i] == c->values_path || !strcmp(c->argv[i], c->values_path))
				argv[i] = "values.yaml";
	}
	str_shell_join(&b, argv);
	buf_addc(&b, '\n');
	c->script = buf_take(&b, NULL);
}

void runner_cmd_remove_values(struct runner_cmd *c)
{
	if (c->values_dir)
		file_remove_tree(c->values_dir, NULL);
	free(c->values_dir);
	c->values_dir = NULL;
}

void runner_cmd_free(struct runner_cmd *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->argc; i++)
		free(c->argv[i]);
	runner_cmd_remove_values(c);
	free(c->values_path);
	free(c->values_yaml);
	free(c->release);
	free(c->line);
	free(c->script);
	free(c);
}

struct runner_cmd *runner_cmd_install(enum runner_kind kind, const struct helm_target *t,
				      const struct runner_install *in, struct error *err)
{
	struct runner_cmd *c;
	bool upgrade = kind != RUNNER_INSTALL;

	if (kind != RUNNER_UPGRADE_INSTALL && kind != RUNNER_INSTALL && kind != RUNNER_SUSPEND &&
	    kind != RUNNER_RESUME) {
		error_set(err, ERR_INVALID, "not an install or upgrade command");
		return NULL;
	}
	if (!dns_label(in->release, 53)) {
		error_set(err, ERR_INVALID, "release name '%.64s' is not a lower-case DNS label of at most 53 characters",
		    in->release ? in->release : "");
		return NULL;
	}
	if (!plain_value(in->chart) || (in->version && !plain_value(in->version)) ||
	    (in->timeout && !plain_value(in->timeout))) {
		error_set(err, ERR_INVALID, "chart, version or timeout is not usable");
		return NULL;
	}
	if (in->repo_url && !str_has_prefix(in->repo_url, "https://") &&
	    !str_has_prefix(in->repo_url, "http://")) {
		error_set(err, ERR_INVALID, "repository url is not http or https");
		return NULL;
	}
	for (const char *const *s = in->sets; s && *s; s++) {
		if (!plain_value(*s) || !strchr(*s, '=')) {
			error_set(err, ERR_INVALID, "'--set %.64s' is not path=value", *s);
			return NULL;
		}
	}
	if (!(c = cmd_new(kind, t, err)))
		return NULL;
	c->release = xstrdup(in->release);
	if (upgrade) {
		add(c, "upgrade");
		if (kind == RUNNER_UPGRADE_INSTALL)
			add2(c, "--install", "--history-max");
		else
			add(c, "--history-max");
		add(c, "0");
	} else {
		add(c, "install");
	}
	add(c, in->release);
	add(c, in->chart);
	if (in->repo_url)
		add2(c, "--repo", in->repo_url);
	if (in->repo_url && in->ca_file && plain_value(in->ca_file)) {
		char *s = xasprintf("--ca-file=%s", in->ca_file);

		add(c, s);
		free(s);
	}
	if (in->repo_url && in->insecure_tls)
		add(c, "--insecure-skip-tls-verify");
	add_target(c, t);
	if (in->version)
		add2(c, "--version", in->version);
	if (in->values_yaml) {
		if (write_values(c, in->values_yaml, err) != 0) {
			runner_cmd_free(c);
			return NULL;
		}
		add2(c, "-f", c->values_path);
	}
	if (kind == RUNNER_SUSPEND || kind == RUNNER_RESUME) {
		add(c, "--reuse-values");
		add2(c, "--set", kind == RUNNER_SUSPEND ? "global.suspend=true" : "global.suspend=false");
	}
	for (const char *const *s = in->sets; s && *s; s++)
		add2(c, "--set", *s);
	if (in->timeout)
		add2(c, "--timeout", in->timeout);
	if (in->create_namespace)
		add(c, "--create-namespace");
	if (in->wait)
		add(c, "--wait");
	if (in->dry_run)
		add(c, "--dry-run=client");
	add2(c, "--output", "json");
	render(c);
	return c;
}

struct runner_cmd *runner_cmd_release(enum runner_kind kind, const struct helm_target *t,
				      const char *release, struct error *err)
{
	struct runner_cmd *c;

	if (!dns_label(release, 53)) {
		error_set(err, ERR_INVALID, "release name '%.64s' is not valid", release ? release : "");
		return NULL;
	}
	switch (kind) {
	case RUNNER_UNINSTALL:
	case RUNNER_STATUS:
	case RUNNER_GET_VALUES:
	case RUNNER_GET_NOTES:
	case RUNNER_GET_MANIFEST:
	case RUNNER_HISTORY:
		break;
	default:
		error_set(err, ERR_INVALID, "not a command on one release");
		return NULL;
	}
	if (!(c = cmd_new(kind, t, err)))
		return NULL;
	c->release = xstrdup(release);
	switch (kind) {
	case RUNNER_UNINSTALL:
		add2(c, "uninstall", release);
		break;
	case RUNNER_STATUS:
		add2(c, "status", release);
		break;
	case RUNNER_GET_VALUES:
		add2(c, "get", "values");
		add(c, release);
		break;
	case RUNNER_GET_NOTES:
		add2(c, "get", "notes");
		add(c, release);
		break;
	case RUNNER_GET_MANIFEST:
		add2(c, "get", "manifest");
		add(c, release);
		break;
	default:
		add2(c, "history", release);
		break;
	}
	add_target(c, t);
	if (kind == RUNNER_STATUS || kind == RUNNER_GET_VALUES || kind == RUNNER_HISTORY)
		add2(c, "--output", "json");
	render(c);
	return c;
}

struct runner_cmd *runner_cmd_list(const struct helm_target *t, bool all_namespaces,
				   struct error *err)
{
	struct runner_cmd *c = cmd_new(RUNNER_LIST, t, err);

	if (!c)
		return NULL;
	/* helm 4 has no --all: name the states, so that an install or an
	 * uninstall shows while it runs (the default is deployed + failed) */
	add2(c, "list", "--deployed");
	add2(c, "--failed", "--pending");
	add(c, "--uninstalling");
	if (all_namespaces) {
		struct helm_target t2 = { t ? t->kubeconfig : NULL, t ? t->context : NULL, NULL };

		add(c, "-A");
		add_target(c, &t2);
	} else {
		add_target(c, t);
	}
	add2(c, "--output", "json");
	render(c);
	return c;
}

struct runner_cmd *runner_cmd_rollback(const struct helm_target *t, const char *release,
				       long revision, struct error *err)
{
	struct runner_cmd *c;
	char rev[32];

	if (!dns_label(release, 53) || revision < 0) {
		error_set(err, ERR_INVALID, "release name or revision is not valid");
		return NULL;
	}
	if (!(c = cmd_new(RUNNER_ROLLBACK, t, err)))
		return NULL;
	c->release = xstrdup(release);
	add2(c, "rollback", release);
	if (revision > 0) {
		snprintf(rev, sizeof(rev), "%ld", revision);
		add(c, rev);
	}
	add_target(c, t);
	render(c);
	return c;
}

const char *runner_cmd_line(const struct runner_cmd *c)
{
	return c->line;
}

const char *runner_cmd_script(const struct runner_cmd *c)
{
	return c->script;
}

const char *const *runner_cmd_argv(const struct runner_cmd *c)
{
	return (const char *const *)c->argv;
}

enum runner_kind runner_cmd_kind(const struct runner_cmd *c)
{
	return c->kind;
}

const char *runner_cmd_values_path(const struct runner_cmd *c)
{
	return c->values_path;
}

const char *runner_cmd_release_name(const struct runner_cmd *c)
{
	return c->release;
}

char *runner_helm_path(void)
{
	const char *env = getenv("DATALAB_HELM");
	char self[4096], *slash, *cand;
	ssize_t n;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')))
			*slash = '\0';
		cand = xasprintf("%s/../.tools/bin/helm", self);
		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
		/* build/tests/ and build/asan/tests/ sit deeper in a checkout */
		for (int up = 2; up <= 3; up++) {
			cand = xasprintf("%s/%s.tools/bin/helm", self, up == 2 ? "../../" : "../../../");
			if (access(cand, X_OK) == 0)
				return cand;
			free(cand);
		}
	}
	return xstrdup("helm");
}
