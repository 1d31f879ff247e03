/*
 * kubeconfig.c: loading, merging and resolving kubeconfig files, and the
 * credentials they name.
 *
 * Data flow: each file is read and turned into cJSON (core/yaml); its named
 * clusters, users and contexts are copied into merged arrays unless the
 * name is already there (first definition wins, whole), with relative paths
 * made absolute against the file's folder at that moment.  The chosen
 * context is then flattened into struct kubeconfig, decoding base64 data.
 * The exec plugin runs through core/proc; its stdout is one ExecCredential.
 */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/proc.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/yaml.h"
#include "datalab/kube/kubeconfig.h"

#define KUBECONFIG_MAX (16u * 1024 * 1024)
#define TOKEN_FILE_TTL_MS 60000
#define EXEC_API "client.authentication.k8s.io/v1"

struct merged {
	cJSON *clusters, *users, *contexts;
	char *current;
	struct buf sources;
};

static const cJSON *find_named(const cJSON *list, const char *name)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, list) {
		if (str_eq(json_str(e, "name", NULL), name))
			return e;
	}
	return NULL;
}

/* resolve: make obj[key] absolute against dir when it is relative */
static void resolve(cJSON *obj, const char *key, const char *dir, bool only_with_slash)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char *abs;

	if (!cJSON_IsString(v) || !*v->valuestring || v->valuestring[0] == '/')
		return;
	if (only_with_slash && !strchr(v->valuestring, '/'))
		return;
	if (v->valuestring[0] == '~' && v->valuestring[1] == '/' && getenv("HOME"))
		abs = file_join(getenv("HOME"), v->valuestring + 2);
	else
		abs = file_join(dir, v->valuestring);
	cJSON_SetValuestring(v, abs);
	free(abs);
}

static void merge_list(cJSON *into, const cJSON *from, const char *inner, const char *dir)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, from) {
		const char *name = json_str(e, "name", NULL);
		cJSON *copy, *body;

		if (!name || !*name || find_named(into, name))
			continue;
		copy = cJSON_Duplicate(e, 1);
		body = cJSON_GetObjectItemCaseSensitive(copy, inner);
		if (cJSON_IsObject(body)) {
			cJSON *ex = cJSON_GetObjectItemCaseSensitive(body, "exec");

			resolve(body, "certificate-authority", dir, false);
			resolve(body, "client-certificate", dir, false);
			resolve(body, "client-key", dir, false);
			resolve(body, "tokenFile", dir, false);
			if (cJSON_IsObject(ex))
				resolve(ex, "command", dir, true);
		}
		cJSON_AddItemToArray(into, copy);
	}
}

static int merge_file(struct merged *m, const char *path, struct error *err)
{
	struct buf b;
	cJSON *root;
	struct error yerr;
	char *tmp, *dir;
	const char *cur;

	buf_init(&b, KUBECONFIG_MAX);
	if (file_read(path, &b, err) != 0) {
		buf_release(&b);
		return -1;
	}
	root = yaml_parse(b.data, b.len, NULL, &yerr);
	buf_release(&b);
	if (!root)
		return error_set(err, ERR_PARSE, "kubeconfig '%s': %s", path, yerr.msg);
	if (!cJSON_IsObject(root) && !cJSON_IsNull(root)) {
		cJSON_Delete(root);
		return error_set(err, ERR_PARSE, "kubeconfig '%s' is not a mapping", path);
	}
	tmp = xstrdup(path);
	dir = dirname(tmp);
	merge_list(m->clusters, json_get(root, "clusters"), "cluster", dir);
	merge_list(m->users, json_get(root, "users"), "user", dir);
	merge_list(m->contexts, json_get(root, "contexts"), "context", dir);
	cur = json_str(root, "current-context", NULL);
	if (!m->current && cur && *cur)
		m->current = xstrdup(cur);
	if (m->sources.len)
		buf_addc(&m->sources, ':');
	buf_adds(&m->sources, path);
	free(tmp);
	cJSON_Delete(root);
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

static int decode_data(struct buf *out, const cJSON *obj, const char *key, const char *what,
		       struct error *err)
{
	const char *s = json_str(obj, key, NULL);

	if (!s || !*s)
		return 0;
	if (str_base64_decode(out, s, strlen(s)) != 0)
		return error_set(err, ERR_PARSE, "'%s' of %s is not base64", key, what);
	return 0;
}

static char **string_list(const cJSON *arr, const char *first)
{
	size_t n = (size_t)cJSON_GetArraySize(arr) + 2, i = 0;
	char **v = xcalloc(n, sizeof(*v));
	const cJSON *e;

	if (first)
		v[i++] = xstrdup(first);
	cJSON_ArrayForEach(e, arr) {
		if (cJSON_IsString(e))
			v[i++] = xstrdup(e->valuestring);
	}
	return v;
}

static struct kubeconfig_exec *exec_from(const cJSON *ex, struct error *err)
{
	struct kubeconfig_exec *x;
	const cJSON *e;
	size_t n = 0;
	const char *cmd = json_str(ex, "command", NULL);

	if (!cmd || !*cmd) {
		error_set(err, ERR_INVALID, "exec plugin without a command");
		return NULL;
	}
	x = xcalloc(1, sizeof(*x));
	x->api_version = xstrdup(json_str(ex, "apiVersion", EXEC_API));
	x->command = xstrdup(cmd);
	x->argv = string_list(json_get(ex, "args"), cmd);
	x->env = xcalloc((size_t)cJSON_GetArraySize(json_get(ex, "env")) + 1, sizeof(char *));
	cJSON_ArrayForEach(e, json_get(ex, "env")) {
		const char *k = json_str(e, "name", NULL), *v = json_str(e, "value", "");

		if (k)
			x->env[n++] = xasprintf("%s=%s", k, v);
	}
	x->install_hint = dup_or_null(json_str(ex, "installHint", NULL));
	x->provide_cluster_info = json_bool(ex, "provideClusterInfo", false);
	x->interactive_mode = xstrdup(json_str(ex, "interactiveMode", "IfAvailable"));
	return x;
}

static void exec_free(struct kubeconfig_exec *x)
{
	if (!x)
		return;
	free(x->api_version);
	free(x->command);
	str_free_list(x->argv);
	str_free_list(x->env);
	free(x->install_hint);
	free(x->interactive_mode);
	free(x);
}

static struct kubeconfig *kc_new(void)
{
	struct kubeconfig *kc = xcalloc(1, sizeof(*kc));

	buf_init(&kc->ca_data, 1024 * 1024);
	buf_init(&kc->cert_data, 1024 * 1024);
	buf_init(&kc->key_data, 1024 * 1024);
	buf_init(&kc->exec_cert, 1024 * 1024);
	buf_init(&kc->exec_key, 1024 * 1024);
	buf_init(&kc->exec_out, 4 * 1024 * 1024);
	buf_init(&kc->exec_err, 64 * 1024);
	return kc;
}

static void fill_tls(struct kubeconfig *kc)
{
	struct http_tls *t = &kc->tls;

	memset(t, 0, sizeof(*t));
	t->ca_file = kc->ca_file;
	if (kc->ca_data.len) {
		t->ca_data = kc->ca_data.data;
		t->ca_len = kc->ca_data.len;
	}
	t->cert_file = kc->cert_file;
	if (kc->cert_data.len) {
		t->cert_data = kc->cert_data.data;
		t->cert_len = kc->cert_data.len;
	}
	t->key_file = kc->key_file;
	if (kc->key_data.len) {
		t->key_data = kc->key_data.data;
		t->key_len = kc->key_data.len;
	}
	t->server_name = kc->server_name;
}

static int flatten(struct kubeconfig *kc, struct merged *m, const struct kubeconfig_opts *o,
		   struct error *err)
{
	const char *srcs = m->sources.data;
	const char *ctxname = o->context && *o->context ? o->context : m->current;
	const cJSON *ctx, *cl, *us = NULL, *c, *u;
	const char *clname, *usname, *ns, *server;
	size_t len;

	if (!ctxname)
		return error_set(err, ERR_INVALID, "no current context in kubeconfig '%s': pass --context", srcs);
	ctx = find_named(m->contexts, ctxname);
	if (!ctx)
		return error_set(err, ERR_NOT_FOUND, "context '%s' not found in kubeconfig '%s'", ctxname, srcs);
	c = json_get(ctx, "context");
	clname = json_str(c, "cluster", "");
	usname = json_str(c, "user", "");
	cl = find_named(m->clusters, clname);
	if (!cl)
		return error_set(err, ERR_NOT_FOUND, "cluster '%s' of context '%s' not found in kubeconfig '%s'",
				 clname, ctxname, srcs);
	if (*usname && !(us = find_named(m->users, usname)))
		return error_set(err, ERR_NOT_FOUND, "user '%s' of context '%s' not found in kubeconfig '%s'",
				 usname, ctxname, srcs);
	kc->context = xstrdup(ctxname);
	kc->cluster = xstrdup(clname);
	kc->user = xstrdup(usname);
	ns = o->namespace && *o->namespace ? o->namespace : json_str(c, "namespace", NULL);
	kc->namespace = xstrdup(ns && *ns ? ns : "default");
	kc->sources = xstrdup(srcs);

	c = json_get(cl, "cluster");
	server = json_str(c, "server", NULL);
	if (!server || !*server)
		return error_set(err, ERR_INVALID, "cluster '%s' has no server in kubeconfig '%s'", clname, srcs);
	kc->server = xstrdup(server);
	len = strlen(kc->server);
	while (len > 0 && kc->server[len - 1] == '/')
		kc->server[--len] = '\0';
	kc->ca_file = dup_or_null(json_str(c, "certificate-authority", NULL));
	if (decode_data(&kc->ca_data, c, "certificate-authority-data", "the cluster", err) != 0)
		return -1;
	kc->tls.insecure = json_bool(c, "insecure-skip-tls-verify", false);
	kc->server_name = dup_or_null(json_str(c, "tls-server-name", NULL));
	if (kc->tls.insecure && (kc->ca_file || kc->ca_data.len))
		return error_set(err, ERR_INVALID,
				 "cluster '%s' sets both a certificate authority and insecure-skip-tls-verify", clname);

	u = json_get(us, "user");
	if (u) {
		const cJSON *ex = json_get(u, "exec");

		kc->token = dup_or_null(json_str(u, "token", NULL));
		kc->token_file = dup_or_null(json_str(u, "tokenFile", NULL));
		kc->cert_file = dup_or_null(json_str(u, "client-certificate", NULL));
		kc->key_file = dup_or_null(json_str(u, "client-key", NULL));
		if (decode_data(&kc->cert_data, u, "client-certificate-data", "the user", err) != 0 ||
		    decode_data(&kc->key_data, u, "client-key-data", "the user", err) != 0)
			return -1;
		kc->username = dup_or_null(json_str(u, "username", NULL));
		kc->password = dup_or_null(json_str(u, "password", NULL));
		if (cJSON_IsObject(ex) && !(kc->exec = exec_from(ex, err)))
			return -1;
		if (json_get(u, "auth-provider"))
			return error_set(err, ERR_UNSUPPORTED,
					 "user '%s' uses an auth-provider, which datalab does not support: use an exec plugin",
					 usname);
	}
	{
		bool insecure = kc->tls.insecure;

		fill_tls(kc);
		kc->tls.insecure = insecure;
	}
	return 0;
}

static struct kubeconfig *in_cluster(const char *sa_dir, const char *ns_override, struct error *err)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
	struct kubeconfig *kc;
	struct buf ns = BUF_INIT;
	char *path;

	if (!host || !*host || !port || !*port)
		return NULL;
	path = file_join(sa_dir, "token");
	if (!file_exists(path)) {
		free(path);
		return NULL;
	}
	kc = kc_new();
	kc->in_cluster = true;
	kc->token_file = path;
	kc->context = xstrdup("");
	kc->cluster = xstrdup("in-cluster");
	kc->user = xstrdup("serviceaccount");
	kc->sources = xstrdup(sa_dir);
	/* brackets for an IPv6 literal */
	kc->server = strchr(host, ':') ? xasprintf("https://[%s]:%s", host, port)
				       : xasprintf("https://%s:%s", host, port);
	kc->ca_file = file_join(sa_dir, "ca.crt");
	path = file_join(sa_dir, "namespace");
	if (ns_override && *ns_override)
		kc->namespace = xstrdup(ns_override);
	else if (file_read(path, &ns, NULL) == 0 && ns.len)
		kc->namespace = xstrdup(str_trim(ns.data));
	else
		kc->namespace = xstrdup("default");
	free(path);
	buf_release(&ns);
	fill_tls(kc);
	(void)err;
	return kc;
}

struct kubeconfig *kubeconfig_load(const struct kubeconfig_opts *opts, struct error *err)
{
	struct kubeconfig_opts none = { 0 };
	const struct kubeconfig_opts *o = opts ? opts : &none;
	const char *sa_dir = o->sa_dir ? o->sa_dir : KUBECONFIG_SA_DIR;
	struct merged m;
	struct kubeconfig *kc = NULL;
	const char *env = getenv("KUBECONFIG");
	int files = 0;

	memset(&m, 0, sizeof(m));
	m.clusters = cJSON_CreateArray();
	m.users = cJSON_CreateArray();
	m.contexts = cJSON_CreateArray();
	buf_init(&m.sources, 0);
	if (o->kubeconfig && *o->kubeconfig) {
		if (merge_file(&m, o->kubeconfig, err) != 0)
			goto out;
		files = 1;
	} else if (env && *env) {
		char **list = str_split(env, ':', NULL);

		for (size_t i = 0; list[i]; i++) {
			if (!*list[i] || !file_exists(list[i]))
				continue;
			if (merge_file(&m, list[i], err) != 0) {
				str_free_list(list);
				goto out;
			}
			files++;
		}
		str_free_list(list);
	} else if (getenv("HOME")) {
		char *path = xasprintf("%s/.kube/config", getenv("HOME"));

		if (file_exists(path)) {
			if (merge_file(&m, path, err) != 0) {
				free(path);
				goto out;
			}
			files = 1;
		}
		free(path);
	}
	if (files == 0) {
		kc = in_cluster(sa_dir, o->namespace, err);
		if (!kc)
			error_set(err, ERR_NOT_FOUND, env && *env
				  ? "no kubeconfig: none of the files in KUBECONFIG exist, and not running in a cluster"
				  : "no kubeconfig: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config");
		goto out;
	}
	kc = kc_new();
	if (flatten(kc, &m, o, err) != 0) {
		kubeconfig_free(kc);
		kc = NULL;
	}
out:
	cJSON_Delete(m.clusters);
	cJSON_Delete(m.users);
	cJSON_Delete(m.contexts);
	free(m.current);
	buf_release(&m.sources);
	return kc;
}

void kubeconfig_free(struct kubeconfig *kc)
{
	if (!kc)
		return;
	proc_free(kc->exec_proc);
	free(kc->context);
	free(kc->cluster);
	free(kc->user);
	free(kc->namespace);
	free(kc->server);
	free(kc->sources);
	free(kc->ca_file);
	free(kc->cert_file);
	free(kc->key_file);
	free(kc->server_name);
	buf_release(&kc->ca_data);
	buf_release(&kc->cert_data);
	buf_release(&kc->key_data);
	free(kc->token);
	free(kc->token_file);
	free(kc->username);
	free(kc->password);
	exec_free(kc->exec);
	free(kc->file_token);
	free(kc->exec_token);
	buf_release(&kc->exec_cert);
	buf_release(&kc->exec_key);
	buf_release(&kc->exec_out);
	buf_release(&kc->exec_err);
	free(kc);
}

/* ---- exec plugins ---- */

bool kubeconfig_exec_needed(const struct kubeconfig *kc)
{
	if (!kc->exec)
		return false;
	if (!kc->exec_valid)
		return true;
	/* renew a little early, so a request does not race the expiry */
	return kc->exec_expiry && time(NULL) + 10 >= kc->exec_expiry;
}

bool kubeconfig_exec_running(const struct kubeconfig *kc)
{
	return kc->exec_proc != NULL;
}

void kubeconfig_invalidate(struct kubeconfig *kc)
{
	kc->exec_valid = false;
	free(kc->file_token);
	kc->file_token = NULL;
}

static void exec_on_stdout(struct proc *p, const char *data, size_t n, void *arg)
{
	struct kubeconfig *kc = arg;

	(void)p;
	buf_add(&kc->exec_out, data, n);
}

static void exec_on_stderr(struct proc *p, const char *data, size_t n, void *arg)
{
	struct kubeconfig *kc = arg;

	(void)p;
	if (kc->exec_err.len < 4096)
		buf_add(&kc->exec_err, data, n);
}

static int exec_parse(struct kubeconfig *kc, struct error *err)
{
	const char *cmd = kc->exec->command;
	cJSON *root = json_parse(kc->exec_out.data, kc->exec_out.len, NULL);
	const char *tok, *cert, *key, *exp, *kind;
	int rc = -1;

	kind = json_str(root, "kind", NULL);
	if (!root || !str_eq(kind, "ExecCredential")) {
		error_set(err, ERR_AUTH, "exec plugin '%s' did not print an ExecCredential", cmd);
		goto out;
	}
	if (!str_eq(json_str(root, "apiVersion", NULL), kc->exec->api_version)) {
		error_set(err, ERR_AUTH, "exec plugin '%s' answered with apiVersion '%s', expected '%s'", cmd,
			  json_str(root, "apiVersion", ""), kc->exec->api_version);
		goto out;
	}
	tok = json_str(root, "status.token", NULL);
	cert = json_str(root, "status.clientCertificateData", NULL);
	key = json_str(root, "status.clientKeyData", NULL);
	if (!(tok && *tok) && !(cert && key)) {
		error_set(err, ERR_AUTH, "exec plugin '%s' gave neither a token nor a client certificate", cmd);
		goto out;
	}
	free(kc->exec_token);
	kc->exec_token = dup_or_null(tok);
	buf_reset(&kc->exec_cert);
	buf_reset(&kc->exec_key);
	if (cert && key) {
		buf_adds(&kc->exec_cert, cert);
		buf_adds(&kc->exec_key, key);
	}
	kc->exec_expiry = 0;
	exp = json_str(root, "status.expirationTimestamp", NULL);
	if (exp && time_parse_rfc3339(exp, &kc->exec_expiry) != 0) {
		error_set(err, ERR_AUTH, "exec plugin '%s' gave a bad expirationTimestamp '%s'", cmd, exp);
		goto out;
	}
	kc->exec_valid = true;
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

static void exec_on_exit(struct proc *p, int status, void *arg)
{
	struct kubeconfig *kc = arg;
	struct error err;
	void (*fn)(struct kubeconfig *, const struct error *, void *) = kc->exec_done;

	error_clear(&err);
	if (status == 127) {
		error_set(&err, ERR_CHILD, "exec plugin '%s' not found%s%s", kc->exec->command,
			  kc->exec->install_hint ? ": " : "",
			  kc->exec->install_hint ? kc->exec->install_hint : "");
	} else if (status != 0) {
		char *nl = strchr(kc->exec_err.data, '\n');

		if (nl)
			*nl = '\0';
		error_set(&err, ERR_CHILD, "exec plugin '%s' failed with exit code %d%s%s", kc->exec->command,
			  status, kc->exec_err.len ? ": " : "", kc->exec_err.data);
	} else {
		exec_parse(kc, &err);
	}
	err.status = status;
	proc_free(p);
	kc->exec_proc = NULL;
	kc->exec_done = NULL;
	if (fn)
		fn(kc, &err, kc->exec_arg);
}

int kubeconfig_exec_run(struct kubeconfig *kc, struct loop *l,
			void (*fn)(struct kubeconfig *kc, const struct error *err, void *arg), void *arg,
			struct error *err)
{
	struct proc_opts po = { 0 };
	struct proc_cbs cbs = { exec_on_stdout, exec_on_stderr, exec_on_exit };
	cJSON *info, *spec;
	char *info_json, *info_env;
	size_t nenv = 0;
	const char **env;

	if (!kc->exec)
		return error_set(err, ERR_INVALID, "no exec plugin configured");
	if (kc->exec_proc)
		return error_set(err, ERR_INVALID, "exec plugin '%s' is already running", kc->exec->command);
	if (str_eq(kc->exec->interactive_mode, "Always"))
		return error_set(err, ERR_AUTH, "exec plugin '%s' needs an interactive terminal", kc->exec->command);
	info = cJSON_CreateObject();
	cJSON_AddStringToObject(info, "apiVersion", kc->exec->api_version);
	cJSON_AddStringToObject(info, "kind", "ExecCredential");
	spec = cJSON_AddObjectToObject(info, "spec");
	cJSON_AddBoolToObject(spec, "interactive", false);
	if (kc->exec->provide_cluster_info) {
		cJSON *cl = cJSON_AddObjectToObject(spec, "cluster");
		struct buf b64 = BUF_INIT;

		cJSON_AddStringToObject(cl, "server", kc->server);
		if (kc->server_name)
			cJSON_AddStringToObject(cl, "tls-server-name", kc->server_name);
		if (kc->tls.insecure)
			cJSON_AddBoolToObject(cl, "insecure-skip-tls-verify", true);
		if (kc->ca_data.len) {
			str_base64_encode(&b64, kc->ca_data.data, kc->ca_data.len);
			cJSON_AddStringToObject(cl, "certificate-authority-data", b64.data);
		}
		buf_release(&b64);
	}
	info_json = cJSON_PrintUnformatted(info);
	cJSON_Delete(info);
	info_env = xasprintf("KUBERNETES_EXEC_INFO=%s", info_json);
	free(info_json);
	while (kc->exec->env[nenv])
		nenv++;
	env = xcalloc(nenv + 2, sizeof(*env));
	for (size_t i = 0; i < nenv; i++)
		env[i] = kc->exec->env[i];
	env[nenv] = info_env;
	po.argv = (const char *const *)kc->exec->argv;
	po.env_set = env;
	buf_reset(&kc->exec_out);
	buf_reset(&kc->exec_err);
	kc->exec_done = fn;
	kc->exec_arg = arg;
	kc->exec_proc = proc_spawn(l, &po, &cbs, kc, err);
	free(env);
	free(info_env);
	if (!kc->exec_proc) {
		kc->exec_done = NULL;
		return -1;
	}
	return 0;
}

/* ---- applying credentials ---- */

static const char *file_token(struct kubeconfig *kc, struct error *err)
{
	uint64_t now = time_mono_ms();
	struct buf b;

	if (kc->file_token && now - kc->file_token_read_ms < TOKEN_FILE_TTL_MS)
		return kc->file_token;
	buf_init(&b, 1024 * 1024);
	if (file_read(kc->token_file, &b, err) != 0) {
		buf_release(&b);
		return NULL;
	}
	free(kc->file_token);
	kc->file_token = xstrdup(str_trim(b.data));
	kc->file_token_read_ms = now;
	buf_release(&b);
	return kc->file_token;
}

int kubeconfig_auth_header(struct kubeconfig *kc, struct buf *out, struct error *err)
{
	const char *tok = NULL;

	if (kc->exec && kc->exec_valid && kc->exec_token)
		tok = kc->exec_token;
	else if (kc->token_file) {
		/* current client-go lets tokenFile win over token */
		if (!(tok = file_token(kc, err)))
			return -1;
	} else if (kc->token)
		tok = kc->token;
	if (tok && *tok)
		return buf_addf(out, "Authorization: Bearer %s", tok);
	if (kc->username && kc->password) {
		struct buf raw = BUF_INIT;
		int rc;

		buf_addf(&raw, "%s:%s", kc->username, kc->password);
		buf_adds(out, "Authorization: Basic ");
		rc = str_base64_encode(out, raw.data, raw.len);
		buf_release(&raw);
		return rc;
	}
	return 0;
}

void kubeconfig_tls(const struct kubeconfig *kc, struct http_tls *tls)
{
	*tls = kc->tls;
	if (kc->exec && kc->exec_valid && kc->exec_cert.len) {
		tls->cert_file = NULL;
		tls->key_file = NULL;
		tls->cert_data = kc->exec_cert.data;
		tls->cert_len = kc->exec_cert.len;
		tls->key_data = kc->exec_key.data;
		tls->key_len = kc->exec_key.len;
	}
}

int kubeconfig_apply(struct kubeconfig *kc, struct http_request *r, struct error *err)
{
	struct buf h = BUF_INIT;
	struct http_tls tls;

	if (kubeconfig_auth_header(kc, &h, err) != 0) {
		buf_release(&h);
		return -1;
	}
	if (h.len)
		http_request_header(r, "%s", h.data);
	buf_release(&h);
	kubeconfig_tls(kc, &tls);
	http_request_tls(r, &tls);
	return 0;
}
