/*
 * test_kubeconfig.c: loading and merging kubeconfig files as kubectl does,
 * credentials (token, tokenFile, basic, certificates, exec plugins run on
 * the loop), in-cluster config, and the messages when something is missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datalab/core/file.h"
#include "datalab/core/loop.h"
#include "datalab/core/mem.h"
#include "datalab/core/timeutil.h"
#include "datalab/kube/kubeconfig.h"
#include "testutil.h"

static char dir[64];

static char *put(const char *name, const char *text)
{
	char *path = file_join(dir, name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/dl-kc-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("HOME", dir, 1);
	unsetenv("KUBECONFIG");
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
}

static void teardown(void)
{
	file_remove_tree(dir, NULL);
}

static const char *A =
	"apiVersion: v1\n"
	"kind: Config\n"
	"clusters:\n"
	"- name: lab\n"
	"  cluster:\n"
	"    server: https://lab.example:6443/\n"
	"    certificate-authority: certs/ca.crt\n"
	"    tls-server-name: kubernetes\n"
	"users:\n"
	"- name: alice\n"
	"  user:\n"
	"    token: from-a\n"
	"contexts:\n"
	"- name: lab\n"
	"  context: {cluster: lab, user: alice, namespace: user-alice}\n"
	"- name: nons\n"
	"  context: {cluster: lab, user: alice}\n";

static const char *B =
	"apiVersion: v1\n"
	"kind: Config\n"
	"current-context: lab\n"
	"clusters:\n"
	"- name: lab\n"
	"  cluster:\n"
	"    server: https://other:1\n"
	"    insecure-skip-tls-verify: true\n"
	"- name: local\n"
	"  cluster:\n"
	"    server: http://127.0.0.1:8080\n"
	"    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n"
	"users:\n"
	"- name: alice\n"
	"  user:\n"
	"    token: from-b\n"
	"- name: bob\n"
	"  user:\n"
	"    username: bob\n"
	"    password: s3cret\n"
	"    client-certificate-data: Y2VydA==\n"
	"    client-key-data: a2V5\n"
	"contexts:\n"
	"- name: local\n"
	"  context: {cluster: local, user: bob, namespace: team}\n";

START_TEST(test_merge_first_wins)
{
	char *a = put("a.yaml", A), *b = put("b.yaml", B);
	char *env = xasprintf("%s::%s/missing.yaml:%s", a, dir, b);
	struct kubeconfig *kc;
	struct error err;
	struct buf h = BUF_INIT;
	char *want;

	setenv("KUBECONFIG", env, 1);
	kc = kubeconfig_load(NULL, &err);
	ck_assert_msg(kc != NULL, "%s", err.msg);
	/* current-context from b, the only one setting it; lab's cluster and
	 * alice come whole from a */
	ck_assert_str_eq(kc->context, "lab");
	ck_assert_str_eq(kc->server, "https://lab.example:6443");
	ck_assert_str_eq(kc->namespace, "user-alice");
	ck_assert(!kc->tls.insecure);
	want = xasprintf("%s/certs/ca.crt", dir);
	ck_assert_str_eq(kc->ca_file, want);
	ck_assert_str_eq(kc->tls.ca_file, want);
	ck_assert_str_eq(kc->tls.server_name, "kubernetes");
	ck_assert_int_eq(kubeconfig_auth_header(kc, &h, &err), 0);
	ck_assert_str_eq(h.data, "Authorization: Bearer from-a");
	kubeconfig_free(kc);
	free(want);

	/* --context picks an entry only b has; -n overrides its namespace */
	{
		struct kubeconfig_opts o = { .context = "local" };

		kc = kubeconfig_load(&o, &err);
		ck_assert_msg(kc != NULL, "%s", err.msg);
		ck_assert_str_eq(kc->server, "http://127.0.0.1:8080");
		ck_assert_str_eq(kc->namespace, "team");
		ck_assert_str_eq(kc->ca_data.data, "-----BEGIN CERTIFICATE-----\n");
		ck_assert_uint_eq(kc->tls.ca_len, kc->ca_data.len);
		ck_assert_str_eq(kc->cert_data.data, "cert");
		ck_assert_str_eq(kc->key_data.data, "key");
		buf_reset(&h);
		ck_assert_int_eq(kubeconfig_auth_header(kc, &h, &err), 0);
		ck_assert_str_eq(h.data, "Authorization: Basic Ym9iOnMzY3JldA==");
		kubeconfig_free(kc);
		o.namespace = "elsewhere";
		kc = kubeconfig_load(&o, &err);
		ck_assert_str_eq(kc->namespace, "elsewhere");
		kubeconfig_free(kc);
		o.context = "nons";
		o.namespace = NULL;
		kc = kubeconfig_load(&o, &err);
		ck_assert_str_eq(kc->namespace, "default");
		kubeconfig_free(kc);
	}
	/* reversed order: b's definitions win */
	free(env);
	env = xasprintf("%s:%s", b, a);
	setenv("KUBECONFIG", env, 1);
	kc = kubeconfig_load(NULL, &err);
	ck_assert_str_eq(kc->server, "https://other:1");
	ck_assert(kc->tls.insecure);
	kubeconfig_free(kc);
	buf_release(&h);
	free(env);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_flag_and_home)
{
	char *a = put("a.yaml", A);
	struct kubeconfig_opts o = { .kubeconfig = a, .context = "lab" };
	struct kubeconfig *kc;
	struct error err;

	/* --kubeconfig means that file alone, even with KUBECONFIG set */
	setenv("KUBECONFIG", "/nonexistent", 1);
	kc = kubeconfig_load(&o, &err);
	ck_assert_msg(kc != NULL, "%s", err.msg);
	ck_assert_str_eq(kc->sources, a);
	kubeconfig_free(kc);
	o.kubeconfig = "/nonexistent/config";
	ck_assert_ptr_null(kubeconfig_load(&o, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "'/nonexistent/config'"));
	/* ~/.kube/config */
	unsetenv("KUBECONFIG");
	{
		char *kd = file_join(dir, ".kube");

		mkdir(kd, 0700);
		free(kd);
		free(put(".kube/config", B));
	}
	o.kubeconfig = NULL;
	o.context = "local";
	kc = kubeconfig_load(&o, &err);
	ck_assert_msg(kc != NULL, "%s", err.msg);
	ck_assert_str_eq(kc->server, "http://127.0.0.1:8080");
	kubeconfig_free(kc);
	/* its current-context names a context it lacks */
	ck_assert_ptr_null(kubeconfig_load(NULL, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "context 'lab' not found in kubeconfig '"));
	ck_assert_ptr_nonnull(strstr(err.msg, "/.kube/config'"));
	free(a);
}
END_TEST

static const struct {
	const char *name;
	const char *yaml;
	const char *context;
	const char *msg;
} broken[] = {
	{ "no current context", "clusters: []\n", NULL, "no current context in kubeconfig '" },
	{ "missing context", "current-context: x\n", NULL, "context 'x' not found in kubeconfig '" },
	{ "missing cluster", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n",
	  NULL, "cluster 'c' of context 'x' not found" },
	{ "missing user",
	  "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster: {server: 'http://h'}\n",
	  NULL, "user 'u' of context 'x' not found" },
	{ "no server", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {}\n",
	  NULL, "cluster 'c' has no server" },
	{ "bad yaml", "clusters: [\n", NULL, "kubeconfig '" },
	{ "not a mapping", "- a\n- b\n", NULL, "is not a mapping" },
	{ "bad base64",
	  "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {server: 'https://h', certificate-authority-data: '!!'}\n",
	  NULL, "'certificate-authority-data' of the cluster is not base64" },
	{ "ca and insecure",
	  "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {server: 'https://h', certificate-authority: /ca, insecure-skip-tls-verify: true}\n",
	  NULL, "both a certificate authority and insecure-skip-tls-verify" },
	{ "auth provider",
	  "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster: {server: 'https://h'}\nusers:\n- name: u\n  user: {auth-provider: {name: oidc}}\n",
	  NULL, "uses an auth-provider" },
};

START_TEST(test_broken)
{
	char *p = put("broken.yaml", broken[_i].yaml);
	struct kubeconfig_opts o = { .kubeconfig = p, .context = broken[_i].context };
	struct error err;

	ck_assert_ptr_null(kubeconfig_load(&o, &err));
	ck_assert_msg(strstr(err.msg, broken[_i].msg) != NULL, "%s: '%s'", broken[_i].name, err.msg);
	free(p);
}
END_TEST

START_TEST(test_nothing_at_all)
{
	struct error err;

	ck_assert_ptr_null(kubeconfig_load(NULL, &err));
	ck_assert_str_eq(err.msg, "no kubeconfig: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config");
	setenv("KUBECONFIG", "/nonexistent/a:/nonexistent/b", 1);
	ck_assert_ptr_null(kubeconfig_load(NULL, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "none of the files in KUBECONFIG exist"));
}
END_TEST

START_TEST(test_in_cluster)
{
	struct kubeconfig_opts o = { .sa_dir = dir };
	struct kubeconfig *kc;
	struct error err;
	struct buf h = BUF_INIT;
	char *ca;

	free(put("token", "sa-token\n"));
	free(put("namespace", "jobs"));
	setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	kc = kubeconfig_load(&o, &err);
	ck_assert_msg(kc != NULL, "%s", err.msg);
	ck_assert(kc->in_cluster);
	ck_assert_str_eq(kc->server, "https://10.0.0.1:443");
	ck_assert_str_eq(kc->namespace, "jobs");
	ca = file_join(dir, "ca.crt");
	ck_assert_str_eq(kc->tls.ca_file, ca);
	ck_assert_int_eq(kubeconfig_auth_header(kc, &h, &err), 0);
	ck_assert_str_eq(h.data, "Authorization: Bearer sa-token");
	kubeconfig_free(kc);
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	kc = kubeconfig_load(&o, &err);
	ck_assert_str_eq(kc->server, "https://[fd00::1]:443");
	kubeconfig_free(kc);
	buf_release(&h);
	free(ca);
}
END_TEST

START_TEST(test_token_file)
{
	char *yaml, *p, *tf;
	struct kubeconfig_opts o = { 0 };
	struct kubeconfig *kc;
	struct error err;
	struct buf h = BUF_INIT;

	tf = put("tok", "  file-token \n");
	yaml = xasprintf("current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n"
			 "clusters:\n- name: c\n  cluster: {server: 'https://h'}\n"
			 "users:\n- name: u\n  user: {token: inline, tokenFile: tok}\n");
	p = put("kc.yaml", yaml);
	o.kubeconfig = p;
	kc = kubeconfig_load(&o, &err);
	ck_assert_msg(kc != NULL, "%s", err.msg);
	ck_assert_str_eq(kc->token_file, tf);
	ck_assert_int_eq(kubeconfig_auth_header(kc, &h, &err), 0);
	ck_assert_str_eq(h.data, "Authorization: Bearer file-token");
	/* cached for a minute, reread after an invalidation */
	free(put("tok", "rotated"));
	buf_reset(&h);
	kubeconfig_auth_header(kc, &h, &err);
	ck_assert_str_eq(h.data, "Authorization: Bearer file-token");
	kubeconfig_invalidate(kc);
	buf_reset(&h);
	kubeconfig_auth_header(kc, &h, &err);
	ck_assert_str_eq(h.data, "Authorization: Bearer rotated");
	unlink(tf);
	kubeconfig_invalidate(kc);
	ck_assert_int_eq(kubeconfig_auth_header(kc, &h, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, tf));
	kubeconfig_free(kc);
	buf_release(&h);
	free(yaml);
	free(p);
	free(tf);
}
END_TEST

/* ---- exec plugins ---- */

struct exec_result {
	int done;
	struct error err;
};

static void on_exec(struct kubeconfig *kc, const struct error *err, void *arg)
{
	struct exec_result *r = arg;

	(void)kc;
	r->done = 1;
	r->err = *err;
}

static struct kubeconfig *exec_config(const char *script, const char *extra)
{
	char *sh = put("plugin.sh", script), *yaml, *p;
	struct kubeconfig_opts o = { 0 };
	struct kubeconfig *kc;
	struct error err;

	chmod(sh, 0755);
	yaml = xasprintf("current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n"
			 "clusters:\n- name: c\n  cluster: {server: 'https://h:6443', certificate-authority-data: 'Y2E='}\n"
			 "users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
			 "      command: ./plugin.sh\n      args: [--flag, two words]\n"
			 "      env: [{name: PLUGIN_VAR, value: hello}]\n"
			 "      interactiveMode: Never\n      provideClusterInfo: true\n%s",
			 extra ? extra : "");
	p = put("kc.yaml", yaml);
	o.kubeconfig = p;
	kc = kubeconfig_load(&o, &err);
	ck_assert_msg(kc != NULL, "%s", err.msg);
	free(sh);
	free(yaml);
	free(p);
	return kc;
}

static void run_exec(struct kubeconfig *kc, struct exec_result *r)
{
	struct loop *l = loop_new();
	struct error err;
	uint64_t end = time_mono_ms() + 5000;

	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(kubeconfig_exec_run(kc, l, on_exec, r, &err), 0);
	ck_assert(kubeconfig_exec_running(kc));
	ck_assert_int_eq(kubeconfig_exec_run(kc, l, on_exec, r, &err), -1);
	while (!r->done && time_mono_ms() < end)
		loop_run_once(l, 100);
	ck_assert(r->done);
	ck_assert(!kubeconfig_exec_running(kc));
	loop_free(l);
}

START_TEST(test_exec_plugin)
{
	char *script = xasprintf(
		"#!/bin/sh\n"
		"printf '%%s|%%s|%%s\\n' \"$1\" \"$2\" \"$PLUGIN_VAR\" > %s/args\n"
		"printf '%%s' \"$KUBERNETES_EXEC_INFO\" > %s/info\n"
		"echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
		"\"status\":{\"token\":\"exec-token\",\"expirationTimestamp\":\"2999-01-01T00:00:00Z\"}}'\n",
		dir, dir);
	struct kubeconfig *kc = exec_config(script, NULL);
	struct exec_result r;
	struct buf h = BUF_INIT, b = BUF_INIT;
	char *path;

	ck_assert(kubeconfig_exec_needed(kc));
	run_exec(kc, &r);
	ck_assert_msg(r.err.code == ERR_NONE, "%s", r.err.msg);
	ck_assert(!kubeconfig_exec_needed(kc));
	ck_assert_int_eq(kubeconfig_auth_header(kc, &h, NULL), 0);
	ck_assert_str_eq(h.data, "Authorization: Bearer exec-token");
	path = file_join(dir, "args");
	ck_assert_int_eq(file_read(path, &b, NULL), 0);
	ck_assert_str_eq(b.data, "--flag|two words|hello\n");
	free(path);
	buf_reset(&b);
	path = file_join(dir, "info");
	ck_assert_int_eq(file_read(path, &b, NULL), 0);
	ck_assert_str_eq(b.data, "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
				 "\"spec\":{\"interactive\":false,\"cluster\":{\"server\":\"https://h:6443\","
				 "\"certificate-authority-data\":\"Y2E=\"}}}");
	free(path);
	/* a 401 drops the credential: the plugin must run again */
	kubeconfig_invalidate(kc);
	ck_assert(kubeconfig_exec_needed(kc));
	kubeconfig_free(kc);
	free(script);
	buf_release(&h);
	buf_release(&b);
}
END_TEST

START_TEST(test_exec_expiry_and_cert)
{
	struct kubeconfig *kc = exec_config(
		"#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
		"\"status\":{\"clientCertificateData\":\"CERT\",\"clientKeyData\":\"KEY\","
		"\"expirationTimestamp\":\"2001-01-01T00:00:00Z\"}}'\n", NULL);
	struct exec_result r;
	struct http_tls tls;

	run_exec(kc, &r);
	ck_assert_msg(r.err.code == ERR_NONE, "%s", r.err.msg);
	/* already expired: needed again */
	ck_assert(kubeconfig_exec_needed(kc));
	kubeconfig_tls(kc, &tls);
	ck_assert_uint_eq(tls.cert_len, 4);
	ck_assert_mem_eq(tls.cert_data, "CERT", 4);
	ck_assert_mem_eq(tls.key_data, "KEY", 3);
	kubeconfig_free(kc);
}
END_TEST

static const struct {
	const char *script;
	const char *msg;
} exec_failures[] = {
	{ "#!/bin/sh\necho 'token expired, run login' >&2\nexit 3\n",
	  "/plugin.sh' failed with exit code 3: token expired, run login" },
	{ "#!/bin/sh\necho 'not json'\n", "/plugin.sh' did not print an ExecCredential" },
	{ "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\"}}'\n",
	  "answered with apiVersion 'client.authentication.k8s.io/v1beta1'" },
	{ "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{}}'\n",
	  "gave neither a token nor a client certificate" },
	{ "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\",\"expirationTimestamp\":\"soon\"}}'\n",
	  "bad expirationTimestamp 'soon'" },
};

START_TEST(test_exec_failures)
{
	struct kubeconfig *kc = exec_config(exec_failures[_i].script, NULL);
	struct exec_result r;

	run_exec(kc, &r);
	ck_assert_int_ne(r.err.code, ERR_NONE);
	ck_assert_msg(strstr(r.err.msg, exec_failures[_i].msg) != NULL, "'%s'", r.err.msg);
	ck_assert(kubeconfig_exec_needed(kc));
	kubeconfig_free(kc);
}
END_TEST

START_TEST(test_exec_not_found)
{
	char *yaml = xasprintf("current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n"
			       "clusters:\n- name: c\n  cluster: {server: 'https://h'}\n"
			       "users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
			       "      command: no-such-plugin-dl\n      interactiveMode: Never\n"
			       "      installHint: install it with your package manager\n");
	char *p = put("kc.yaml", yaml);
	struct kubeconfig_opts o = { .kubeconfig = p };
	struct kubeconfig *kc = kubeconfig_load(&o, NULL);
	struct exec_result r;

	ck_assert_ptr_nonnull(kc);
	/* a bare command name is looked up in PATH, not made relative */
	ck_assert_str_eq(kc->exec->command, "no-such-plugin-dl");
	run_exec(kc, &r);
	ck_assert_str_eq(r.err.msg, "exec plugin 'no-such-plugin-dl' not found: install it with your package manager");
	kubeconfig_free(kc);
	free(yaml);
	free(p);
}
END_TEST

START_TEST(test_free_while_exec_runs)
{
	struct kubeconfig *kc = exec_config("#!/bin/sh\nsleep 5\n", NULL);
	struct loop *l = loop_new();
	struct exec_result r = { 0 };

	ck_assert_int_eq(kubeconfig_exec_run(kc, l, on_exec, &r, NULL), 0);
	loop_run_once(l, 10);
	kubeconfig_free(kc);
	loop_run_once(l, 50);
	ck_assert_int_eq(r.done, 0);
	loop_free(l);
}
END_TEST

static Suite *kubeconfig_suite(void)
{
	Suite *s = suite_create("kubeconfig");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_merge_first_wins);
	tcase_add_test(tc, test_flag_and_home);
	tcase_add_loop_test(tc, test_broken, 0, DL_ARRAY_LEN(broken));
	tcase_add_test(tc, test_nothing_at_all);
	tcase_add_test(tc, test_in_cluster);
	tcase_add_test(tc, test_token_file);
	tcase_add_test(tc, test_exec_plugin);
	tcase_add_test(tc, test_exec_expiry_and_cert);
	tcase_add_loop_test(tc, test_exec_failures, 0, DL_ARRAY_LEN(exec_failures));
	tcase_add_test(tc, test_exec_not_found);
	tcase_add_test(tc, test_free_while_exec_runs);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(kubeconfig_suite)
