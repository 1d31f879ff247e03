/*
 * podexec_env.c: a container's environment as the kubelet builds it
 * (podexec.h: podexec_pod_env).
 *
 * Order: the image's defaults (PATH, HOSTNAME, TERM with a tty; HOME is
 * the caller's, the pod's folder),
 * the service variables of the default kubernetes Service, envFrom
 * (prefix + key, secrets base64-decoded), then env in order.  $(VAR)
 * refers to a variable defined before it, $$ escapes a '$', and an
 * unknown reference stays as written (k8s.io/kubernetes
 * third_party/forked/golang/expansion).  Later definitions win.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/kube/quantity.h"
#include "datalab/sandbox/podexec.h"

struct env {
	char **k, **v;
	size_t n;
};

static void env_set(struct env *e, const char *k, const char *v, size_t vlen)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->k[i], k) == 0) {
			free(e->v[i]);
			e->v[i] = xmemdup(v, vlen);
			return;
		}
	e->k = xreallocarray(e->k, e->n + 1, sizeof(*e->k));
	e->v = xreallocarray(e->v, e->n + 1, sizeof(*e->v));
	e->k[e->n] = xstrdup(k);
	e->v[e->n++] = xmemdup(v, vlen);
}

static const char *env_get(const struct env *e, const char *k, size_t klen)
{
	for (size_t i = 0; i < e->n; i++)
		if (strlen(e->k[i]) == klen && memcmp(e->k[i], k, klen) == 0)
			return e->v[i];
	return NULL;
}

static void env_release(struct env *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->k[i]);
		free(e->v[i]);
	}
	free(e->k);
	free(e->v);
}

/* expand: $(VAR) with the variables defined so far */
static char *expand(const struct env *e, const char *s)
{
	struct buf b = BUF_INIT;

	while (*s) {
		if (s[0] == '$' && s[1] == '$') {
			buf_addc(&b, '$');
			s += 2;
		} else if (s[0] == '$' && s[1] == '(') {
			const char *end = strchr(s + 2, ')');
			const char *v = end ? env_get(e, s + 2, (size_t)(end - s - 2)) : NULL;

			if (v) {
				buf_adds(&b, v);
				s = end + 1;
			} else {
				buf_add(&b, s, end ? (size_t)(end - s + 1) : strlen(s));
				s = end ? end + 1 : s + strlen(s);
			}
		} else {
			buf_addc(&b, *s++);
		}
	}
	return buf_take(&b, NULL);
}

/* field_ref: metadata.name, metadata.labels['k'], status.podIP ... */
static const char *field_ref(const cJSON *pod, const char *path)
{
	static const struct {
		const char *field, *path;
	} plain[] = {
		{ "metadata.name", "metadata.name" }, { "metadata.namespace", "metadata.namespace" },
		{ "metadata.uid", "metadata.uid" }, { "spec.nodeName", "spec.nodeName" },
		{ "spec.serviceAccountName", "spec.serviceAccountName" },
		{ "status.hostIP", "status.hostIP" }, { "status.podIP", "status.podIP" },
	};
	const char *open;

	for (size_t i = 0; i < DL_ARRAY_LEN(plain); i++)
		if (strcmp(path, plain[i].field) == 0)
			return json_str(pod, plain[i].path, "");
	if ((open = strstr(path, "['")) && str_has_suffix(path, "']")) {
		char *key = xstrndup(open + 2, strlen(open + 2) - 2);
		const cJSON *v = NULL;

		if (strncmp(path, "metadata.labels[", 16) == 0)
			v = json_get_key(json_get(pod, "metadata.labels"), key);
		else if (strncmp(path, "metadata.annotations[", 21) == 0)
			v = json_get_key(json_get(pod, "metadata.annotations"), key);
		free(key);
		return cJSON_IsString(v) ? v->valuestring : "";
	}
	return "";
}

/* resource_ref: limits.cpu etc. divided by the divisor, rounded up */
static void resource_ref(const cJSON *c, const cJSON *ref, struct buf *out)
{
	const char *res = json_str(ref, "resource", "");
	const char *dot = strchr(res, '.');
	const cJSON *list = dot ? json_get(c, strncmp(res, "limits", 6) == 0 ? "resources.limits" :
					   "resources.requests") : NULL;
	const cJSON *v = dot ? json_get_key(list, dot + 1) : NULL;
	struct quantity q, d;
	int64_t num, den;

	if (!cJSON_IsString(v) || quantity_parse_str(v->valuestring, &q, NULL) != 0) {
		buf_adds(out, "0");
		return;
	}
	if (quantity_parse_str(json_str(ref, "divisor", "1"), &d, NULL) != 0 || quantity_milli(&d) <= 0)
		quantity_from_milli(&d, 1000);
	num = quantity_milli(&q);
	den = quantity_milli(&d);
	buf_addf(out, "%lld", (long long)((num + den - 1) / den));
}

/* key_ref: the value of a secretKeyRef / configMapKeyRef; -1 with err */
static int key_ref(const cJSON *pod, const cJSON *ref, bool secret, podexec_lookup_fn *lookup,
		   void *arg, struct buf *out, bool *skip, struct error *err)
{
	const char *ns = json_str(pod, "metadata.namespace", "default");
	const char *name = json_str(ref, "name", ""), *key = json_str(ref, "key", "");
	const cJSON *obj = lookup ? lookup(secret ? "Secret" : "ConfigMap", ns, name, arg) : NULL;
	const cJSON *v = obj ? json_get_key(json_get(obj, "data"), key) : NULL;

	*skip = false;
	if (!v && !secret && obj)
		v = json_get_key(json_get(obj, "binaryData"), key);
	if (cJSON_IsString(v)) {
		if (secret)
			return str_base64_decode(out, v->valuestring, strlen(v->valuestring)) == 0 ? 0 :
				error_set(err, ERR_INVALID, "secret \"%s\" key %s is not base64", name, key);
		buf_adds(out, v->valuestring);
		return 0;
	}
	if (json_bool(ref, "optional", false)) {
		*skip = true;
		return 0;
	}
	if (!obj)
		return error_set(err, ERR_NOT_FOUND, "%s \"%s\" not found", secret ? "secret" : "configmap",
				 name);
	return error_set(err, ERR_NOT_FOUND, "couldn't find key %s in %s %s/%s", key,
			 secret ? "Secret" : "ConfigMap", ns, name);
}

char **podexec_pod_env(const cJSON *pod, const char *container, bool tty, podexec_lookup_fn *lookup,
		    void *arg, struct error *err)
{
	struct env e = { NULL, NULL, 0 };
	const cJSON *c = NULL, *it;
	char **out;

	cJSON_ArrayForEach(it, json_get(pod, "spec.containers"))
		if (!container || str_eq(json_str(it, "name", ""), container)) {
			c = it;
			break;
		}
	if (!c) {
		error_set(err, ERR_NOT_FOUND, "container %s is not valid for pod %s",
			  container ? container : "", json_str(pod, "metadata.name", ""));
		return NULL;
	}
	env_set(&e, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 60);
	env_set(&e, "HOSTNAME", json_str(pod, "metadata.name", ""), strlen(json_str(pod, "metadata.name", "")));
	if (tty)
		env_set(&e, "TERM", "xterm", 5);
	env_set(&e, "KUBERNETES_SERVICE_HOST", "10.96.0.1", 9);
	env_set(&e, "KUBERNETES_SERVICE_PORT", "443", 3);
	env_set(&e, "KUBERNETES_SERVICE_PORT_HTTPS", "443", 3);
	env_set(&e, "KUBERNETES_PORT", "tcp://10.96.0.1:443", 19);
	cJSON_ArrayForEach(it, json_get(c, "envFrom")) {
		const cJSON *ref = json_get(it, "secretRef");
		bool secret = ref != NULL;
		const cJSON *obj, *kv;
		const char *prefix = json_str(it, "prefix", "");

		if (!ref)
			ref = json_get(it, "configMapRef");
		if (!ref)
			continue;
		obj = lookup ? lookup(secret ? "Secret" : "ConfigMap",
				      json_str(pod, "metadata.namespace", "default"),
				      json_str(ref, "name", ""), arg) : NULL;
		if (!obj) {
			if (json_bool(ref, "optional", false))
				continue;
			error_set(err, ERR_NOT_FOUND, "%s \"%s\" not found", secret ? "secret" : "configmap",
				  json_str(ref, "name", ""));
			env_release(&e);
			return NULL;
		}
		cJSON_ArrayForEach(kv, json_get(obj, "data")) {
			struct buf v = BUF_INIT;
			char *k;

			if (!cJSON_IsString(kv))
				continue;
			if (secret)
				str_base64_decode(&v, kv->valuestring, strlen(kv->valuestring));
			else
				buf_adds(&v, kv->valuestring);
			k = xasprintf("%s%s", prefix, kv->string);
			env_set(&e, k, v.data, v.len);
			free(k);
			buf_release(&v);
		}
	}
	cJSON_ArrayForEach(it, json_get(c, "env")) {
		const char *name = json_str(it, "name", "");
		const cJSON *from = json_get(it, "valueFrom");
		struct buf v = BUF_INIT;
		bool skip = false;

		if (!*name)
			continue;
		if (!from) {
			char *x = expand(&e, json_str(it, "value", ""));

			buf_adds(&v, x);
			free(x);
		} else if (json_get(from, "secretKeyRef") || json_get(from, "configMapKeyRef")) {
			bool secret = json_get(from, "secretKeyRef") != NULL;

			if (key_ref(pod, json_get(from, secret ? "secretKeyRef" : "configMapKeyRef"), secret,
				    lookup, arg, &v, &skip, err) != 0) {
				buf_release(&v);
				env_release(&e);
				return NULL;
			}
		} else if (json_get(from, "fieldRef")) {
			buf_adds(&v, field_ref(pod, json_str(from, "fieldRef.fieldPath", "")));
		} else if (json_get(from, "resourceFieldRef")) {
			resource_ref(c, json_get(from, "resourceFieldRef"), &v);
		}
		if (!skip)
			env_set(&e, name, v.data, v.len);
		buf_release(&v);
	}
	out = xcalloc(e.n + 1, sizeof(*out));
	for (size_t i = 0; i < e.n; i++)
		out[i] = xasprintf("%s=%s", e.k[i], e.v[i]);
	env_release(&e);
	return out;
}
