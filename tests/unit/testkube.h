/*
 * testkube.h: a kube client on a test server, as the kube suites build it.
 *
 * The suite makes its temporary folder and starts its server (testserver.h
 * or its own thread); testkube_write puts a kubeconfig naming that port in
 * the folder, testkube_config loads it, testkube_open builds the loop, the
 * http multi and the kube client on it, and testkube_close frees all three.
 */
#ifndef DATALAB_TESTKUBE_H
#define DATALAB_TESTKUBE_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/common.h"
#include "datalab/core/file.h"
#include "datalab/core/loop.h"
#include "datalab/core/mem.h"
#include "datalab/kube/client.h"
#include "datalab/kube/kubeconfig.h"
#include "datalab/net/http.h"

/* testkube_write: writes DIR/kubeconfig, one context "t": cluster "c" at
 * http://127.0.0.1:PORT, namespace ns (NULL: none), user "u" whose value
 * is the YAML user ("{token: good}", "{}", or an indented block after a
 * newline).  Returns the file's path (caller frees). */
static DL_UNUSED char *testkube_write(const char *dir, int port, const char *ns, const char *user)
{
	char *ctx = ns ? xasprintf("{cluster: c, user: u, namespace: %s}", ns) : xstrdup("{cluster: c, user: u}");
	char *yaml = xasprintf("current-context: t\ncontexts:\n- name: t\n  context: %s\n"
			       "clusters:\n- name: c\n  cluster: {server: 'http://127.0.0.1:%d'}\n"
			       "users:\n- name: u\n  user: %s\n", ctx, port, user);
	char *path = file_join(dir, "kubeconfig");

	ck_assert_int_eq(file_write_atomic(path, yaml, strlen(yaml), 0600, NULL), 0);
	free(yaml);
	free(ctx);
	return path;
}

/* testkube_config: testkube_write, then the kubeconfig loaded (it must
 * load); the caller owns it (kube_new takes it). */
static DL_UNUSED struct kubeconfig *testkube_config(const char *dir, int port, const char *ns, const char *user)
{
	char *path = testkube_write(dir, port, ns, user);
	struct kubeconfig_opts o = { .kubeconfig = path };
	struct kubeconfig *kc;
	struct error err;

	kc = kubeconfig_load(&o, &err);
	ck_assert_msg(kc != NULL, "%s", err.msg);
	free(path);
	return kc;
}

/* testkube_open: a new loop, its http multi and a kube client on kc
 * (taken), into the suite's three pointers. */
static DL_UNUSED void testkube_open(struct kubeconfig *kc, struct loop **l, struct http **h, struct kube **k)
{
	*l = loop_new();
	*h = http_new(*l);
	*k = kube_new(*l, *h, kc);
}

/* testkube_close: frees what testkube_open made, the client first. */
static DL_UNUSED void testkube_close(struct loop *l, struct http *h, struct kube *k)
{
	kube_free(k);
	http_free(h);
	loop_free(l);
}

#endif
