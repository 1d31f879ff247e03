/*
 * context.c: assembling the x-onyxia context.
 *
 * Mirrors what Onyxia's launcher thunk puts in XOnyxiaContext, from local
 * sources instead of an OIDC token and the onyxia-api: the region file
 * gives expose/S3/defaultConfiguration, the account file the identity
 * and keys, the environment the AWS_* a shell already has.  Later
 * sources win: region < account < environment < git config (only for
 * git.name/email the account leaves empty).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datalab/catalog/context.h"
#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/xdg.h"
#include "datalab/core/yaml.h"

static const char *env_get(const char *const *env, const char *key)
{
	size_t n = strlen(key);

	for (; env && *env; env++)
		if (strncmp(*env, key, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

static const cJSON *get(const cJSON *obj, const char *key)
{
	return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

static const char *sget(const cJSON *obj, const char *key)
{
	const cJSON *v = get(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void put(cJSON *obj, const char *key, cJSON *v)
{
	if (!v)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddItemToObject(obj, key, v);
}

static void put_str(cJSON *obj, const char *key, const char *s)
{
	if (s)
		put(obj, key, cJSON_CreateString(s));
}

static void put_copy(cJSON *obj, const char *key, const cJSON *v)
{
	if (v)
		put(obj, key, cJSON_Duplicate(v, true));
}

/* Deep merge: objects key by key, anything else replaced. */
static void merge(cJSON *dst, const cJSON *src, int depth)
{
	if (!cJSON_IsObject(src) || depth > 32)
		return;
	for (const cJSON *c = src->child; c; c = c->next) {
		cJSON *d = cJSON_GetObjectItemCaseSensitive(dst, c->string);

		if (cJSON_IsObject(d) && cJSON_IsObject(c))
			merge(d, c, depth + 1);
		else
			put_copy(dst, c->string, c);
	}
}

/* A copy of v, or an empty object when v is absent. */
static cJSON *dup_or_empty(const cJSON *v)
{
	return v ? cJSON_Duplicate(v, true) : cJSON_CreateObject();
}

static cJSON *section(cJSON *ctx, const char *key)
{
	cJSON *s = cJSON_GetObjectItemCaseSensitive(ctx, key);

	return s ? s : cJSON_AddObjectToObject(ctx, key);
}

/* A trimmed copy of command output (git prints a newline). */
static char *trimmed(const char *s)
{
	char *t;

	if (!s)
		return NULL;
	t = xstrdup(s);
	str_trim(t);
	if (!*t) {
		free(t);
		return NULL;
	}
	return t;
}

const cJSON *context_region_pick(const cJSON *doc, const char *id)
{
	const cJSON *regions = get(doc, "regions"), *c;

	if (!cJSON_IsArray(regions))
		return cJSON_IsObject(doc) ? doc : NULL;
	for (c = regions->child; c; c = c->next)
		if (!id || str_eq(sget(c, "id"), id))
			return c;
	return NULL;
}

int context_random_subdomain(void)
{
	unsigned int r = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
			r = (unsigned int)getpid() * 2654435761u;
		close(fd);
	}
	return (int)(r % 1000000u);
}

/* "https://minio.example:9000/x" → host "minio.example", port 9000. */
static void endpoint_split(const char *url, char *host, size_t hsize, int *port)
{
	const char *p = url, *end;
	size_t n;

	*port = 443;
	if (str_has_prefix(p, "http://")) {
		p += 7;
		*port = 80;
	} else if (str_has_prefix(p, "https://")) {
		p += 8;
	}
	end = p + strcspn(p, "/?#");
	n = (size_t)(end - p);
	{
		const char *colon = memchr(p, ':', n);

		if (colon && p[0] != '[') {
			char digits[8];
			size_t dn = (size_t)(end - colon - 1);
			int64_t v;

			if (dn > 0 && dn < sizeof(digits)) {
				memcpy(digits, colon + 1, dn);
				digits[dn] = '\0';
				if (str_parse_i64(digits, &v) == 0 && v > 0 && v < 65536)
					*port = (int)v;
			}
			n = (size_t)(colon - p);
		}
	}
	if (n >= hsize)
		n = hsize - 1;
	memcpy(host, p, n);
	host[n] = '\0';
}

static void build_s3(cJSON *ctx, const cJSON *region, const cJSON *account, const char *const *env,
		     const char *idep)
{
	cJSON *s3 = section(ctx, "s3");
	const cJSON *data = get(get(region, "data"), "S3"), *wd, *acc = get(account, "s3");
	const char *url = NULL, *v;
	char host[256] = "";
	int port = 443;
	bool anonymous;

	if (cJSON_IsArray(data))
		data = data->child;
	wd = get(data, "workingDirectory");
	put_str(s3, "profileName", "default");
	url = sget(data, "URL");
	put_str(s3, "AWS_DEFAULT_REGION", sget(data, "region") ? sget(data, "region") : "us-east-1");
	put(s3, "pathStyleAccess", cJSON_CreateBool(get(data, "pathStyleAccess") ?
						     cJSON_IsTrue(get(data, "pathStyleAccess")) : true));
	if (str_eq(sget(wd, "bucketMode"), "shared") && sget(wd, "bucketName")) {
		char *p = xasprintf("%s/%s%s/", sget(wd, "bucketName"), sget(wd, "prefix") ? sget(wd, "prefix") : "", idep);

		put_str(s3, "AWS_BUCKET_NAME", sget(wd, "bucketName"));
		put_str(s3, "workingDirectoryPath", p);
		free(p);
	} else {
		const char *prefix = sget(wd, "bucketNamePrefix") ? sget(wd, "bucketNamePrefix") : "user-";
		char *b = xasprintf("%s%s", prefix, idep), *p = xasprintf("%s/", b);

		put_str(s3, "AWS_BUCKET_NAME", b);
		put_str(s3, "workingDirectoryPath", p);
		free(b);
		free(p);
	}
	/* The account, then the environment, may name another endpoint. */
	if (sget(acc, "URL"))
		url = sget(acc, "URL");
	if ((v = env_get(env, "AWS_ENDPOINT_URL_S3")) || (v = env_get(env, "AWS_ENDPOINT_URL")) ||
	    (v = env_get(env, "AWS_S3_ENDPOINT")))
		url = v;
	if (url) {
		endpoint_split(url, host, sizeof(host), &port);
		put_str(s3, "AWS_S3_ENDPOINT", host);
		put(s3, "port", cJSON_CreateNumber(port));
	}
	for (const cJSON *c = cJSON_IsObject(acc) ? acc->child : NULL; c; c = c->next)
		if (strcmp(c->string, "URL") != 0)
			put_copy(s3, c->string, c);
	if ((v = env_get(env, "AWS_ACCESS_KEY_ID")))
		put_str(s3, "AWS_ACCESS_KEY_ID", v);
	if ((v = env_get(env, "AWS_SECRET_ACCESS_KEY")))
		put_str(s3, "AWS_SECRET_ACCESS_KEY", v);
	if ((v = env_get(env, "AWS_SESSION_TOKEN")))
		put_str(s3, "AWS_SESSION_TOKEN", v);
	if ((v = env_get(env, "AWS_DEFAULT_REGION")) || (v = env_get(env, "AWS_REGION")))
		put_str(s3, "AWS_DEFAULT_REGION", v);
	if (!get(s3, "AWS_SESSION_TOKEN"))
		put_str(s3, "AWS_SESSION_TOKEN", "");
	anonymous = !sget(s3, "AWS_ACCESS_KEY_ID") || !*sget(s3, "AWS_ACCESS_KEY_ID");
	put(s3, "isAnonymous", cJSON_CreateBool(anonymous));
}

static void build_region(cJSON *ctx, const cJSON *region, const cJSON *account)
{
	static const struct { const char *from, *to; } map[] = {
		{ "ipprotection", "defaultIpProtection" },
		{ "networkPolicy", "defaultNetworkPolicy" },
		{ "kafka", "kafka" },
		{ "from", "from" },
		{ "tolerations", "tolerations" },
		{ "nodeSelector", "nodeSelector" },
		{ "startupProbe", "startupProbe" },
		{ "sliders", "sliders" },
		{ "resources", "resources" },
	};
	const cJSON *services = get(region, "services");
	const cJSON *dc = get(services, "defaultConfiguration");
	cJSON *r = section(ctx, "region");

	put_str(r, "allowedURIPattern", sget(services, "allowedURIPattern") ?
		sget(services, "allowedURIPattern") : "^https://");
	put(r, "customValues", dup_or_empty(get(services, "customValues")));
	for (size_t i = 0; i < DL_ARRAY_LEN(map); i++)
		put_copy(r, map[i].to, get(dc, map[i].from));
	put_copy(r, "openshiftSCC", get(services, "openshiftSCC"));
	merge(r, get(account, "region"), 0);
}

static void build_k8s(cJSON *ctx, const cJSON *region, int sub)
{
	const cJSON *services = get(region, "services");
	const cJSON *expose = get(services, "expose"), *cm = get(expose, "certManager"), *istio;
	cJSON *k = section(ctx, "k8s");
	char num[16];

	put_str(k, "domain", sget(expose, "domain") ? sget(expose, "domain") : "");
	put_str(k, "ingressClassName", sget(expose, "ingressClassName") ? sget(expose, "ingressClassName") : "");
	put(k, "ingress", cJSON_CreateBool(get(expose, "ingress") ? cJSON_IsTrue(get(expose, "ingress")) : true));
	put(k, "route", cJSON_CreateBool(cJSON_IsTrue(get(expose, "route"))));
	istio = get(expose, "istio");
	if (istio)
		put_copy(k, "istio", istio);
	else
		put(k, "istio", cJSON_Parse("{\"enabled\":false,\"gateways\":[]}"));
	snprintf(num, sizeof(num), "%d", sub);
	put_str(k, "randomSubdomain", num);
	put_str(k, "initScriptUrl", sget(services, "initScript") ? sget(services, "initScript") : "");
	put(k, "useCertManager", cJSON_CreateBool(cJSON_IsTrue(get(cm, "useCertManager"))));
	put_str(k, "certManagerClusterIssuer", sget(cm, "certManagerClusterIssuer") ?
		sget(cm, "certManagerClusterIssuer") : "");
}

cJSON *context_build(const struct context_input *in, struct error *err)
{
	const cJSON *acc = in->account, *region = context_region_pick(in->region, NULL);
	const cJSON *au = get(acc, "user"), *ag = get(acc, "git"), *ap = get(acc, "project");
	cJSON *ctx, *user, *git, *project, *service;
	char *gname = trimmed(in->git_name), *gmail = trimmed(in->git_email);
	const char *idep, *lang, *prefix;
	char pw[17];
	struct buf b;
	char *id;

	if (in->account && !cJSON_IsObject(in->account))
		return error_set(err, ERR_INVALID, "account is not an object"), NULL;
	ctx = cJSON_CreateObject();
	prefix = sget(get(region, "services"), "namespacePrefix") ? sget(get(region, "services"), "namespacePrefix") : "user-";
	if (sget(au, "idep"))
		idep = sget(au, "idep");
	else if (in->namespace && str_has_prefix(in->namespace, prefix) && in->namespace[strlen(prefix)])
		idep = in->namespace + strlen(prefix);
	else
		idep = env_get(in->env, "USER") ? env_get(in->env, "USER") : "user";
	user = section(ctx, "user");
	put_str(user, "idep", idep);
	put_str(user, "name", sget(au, "name") ? sget(au, "name") : gname ? gname : idep);
	put_str(user, "email", sget(au, "email") ? sget(au, "email") : gmail ? gmail : "");
	put_str(user, "password", sget(au, "password") ? sget(au, "password") : "");
	put_str(user, "ip", sget(au, "ip") ? sget(au, "ip") : "");
	put(user, "darkMode", cJSON_CreateBool(cJSON_IsTrue(get(au, "darkMode"))));
	lang = sget(au, "lang");
	if (!lang) {
		const char *l = env_get(in->env, "LANG");

		lang = l && strlen(l) >= 2 && l[0] != 'C' ? (str_has_prefix(l, "fr") ? "fr" : "en") : "en";
	}
	put_str(user, "lang", lang);
	put(user, "profile", dup_or_empty(get(au, "profile")));

	service = section(ctx, "service");
	if (in->one_time_password) {
		put_str(service, "oneTimePassword", in->one_time_password);
	} else {
		str_random_alnum(pw, 16);
		pw[16] = '\0';
		put_str(service, "oneTimePassword", pw);
	}

	project = section(ctx, "project");
	if (in->namespace && *in->namespace)
		id = xstrdup(in->namespace);
	else
		id = sget(ap, "id") ? xstrdup(sget(ap, "id")) : xasprintf("%s%s", prefix, idep);
	put_str(project, "id", id);
	put_str(project, "password", sget(ap, "password") ? sget(ap, "password") : "");
	{
		char *raw = xasprintf("%s:%s", id, sget(ap, "password") ? sget(ap, "password") : "");

		buf_init(&b, 0);
		str_base64_encode(&b, raw, strlen(raw));
		put_str(project, "basic", b.data);
		buf_release(&b);
		free(raw);
	}

	git = section(ctx, "git");
	put_str(git, "name", sget(ag, "name") ? sget(ag, "name") : gname ? gname : "");
	put_str(git, "email", sget(ag, "email") ? sget(ag, "email") : gmail ? gmail : sget(user, "email"));
	put_str(git, "token", sget(ag, "token") ? sget(ag, "token") : "");
	put(git, "credentials_cache_duration",
	    cJSON_IsNumber(get(ag, "credentials_cache_duration")) ?
	    cJSON_Duplicate(get(ag, "credentials_cache_duration"), false) : cJSON_CreateNumber(0));
	if (sget(ag, "project"))
		put_str(git, "project", sget(ag, "project"));

	put(ctx, "vault", dup_or_empty(get(acc, "vault")));
	build_s3(ctx, region, acc, in->env, idep);
	build_region(ctx, region, acc);
	build_k8s(ctx, region, in->random_subdomain >= 0 ? in->random_subdomain % 1000000 :
		  context_random_subdomain());
	/* the account may name the ingress domain and class a region would */
	{
		const cJSON *ak = get(acc, "k8s");

		for (const cJSON *c = cJSON_IsObject(ak) ? ak->child : NULL; c; c = c->next)
			if (strcmp(c->string, "randomSubdomain") != 0 && !(cJSON_IsString(c) && !*c->valuestring))
				put_copy(section(ctx, "k8s"), c->string, c);
	}
	put(ctx, "proxyInjection", dup_or_empty(get(region, "proxyInjection")));
	put(ctx, "packageRepositoryInjection",
	    dup_or_empty(get(region, "packageRepositoryInjection")));
	put(ctx, "certificateAuthorityInjection",
	    dup_or_empty(get(region, "certificateAuthorityInjection")));
	free(id);
	free(gname);
	free(gmail);
	return ctx;
}

char *context_account_path(struct error *err)
{
	return xdg_path(XDG_CONFIG, CONTEXT_ACCOUNT_FILE, err);
}

cJSON *context_account_load(const char *path, struct error *err)
{
	struct stat st;
	struct buf b;
	cJSON *root;

	if (stat(path, &st) != 0)
		return cJSON_CreateObject();
	if (st.st_mode & 077)
		return error_set(err, ERR_FORBIDDEN, "'%s' is readable by others: chmod 600 it", path), NULL;
	buf_init(&b, CONTEXT_MAX_FILE);
	if (file_read(path, &b, err) < 0) {
		buf_release(&b);
		return NULL;
	}
	root = yaml_parse(b.data, b.len, NULL, err);
	buf_release(&b);
	if (!root)
		return NULL;
	if (cJSON_IsNull(root)) {
		cJSON_Delete(root);
		return cJSON_CreateObject();
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return error_set(err, ERR_PARSE, "'%s' does not hold an object", path), NULL;
	}
	return root;
}

int context_account_save(const char *path, const cJSON *account, struct error *err)
{
	struct buf b;
	int rc;

	buf_init(&b, 0);
	if (json_print(&b, account, true) < 0 || buf_addc(&b, '\n') < 0) {
		buf_release(&b);
		return error_set(err, ERR_LIMIT, "account too large");
	}
	rc = file_write_atomic(path, b.data, b.len, 0600, err);
	buf_release(&b);
	return rc;
}
