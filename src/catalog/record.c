/*
 * record.c: Onyxia's release record (record.h).
 *
 * The objects are built as onyxia-api builds them (HelmAppsService and
 * KubernetesService): data base64'd as Secret data is on the wire, in the
 * order catalog, owner, friendlyName, share; one ownerReference to helm's
 * first storage Secret with controller=true.  A write is a small chain of
 * kube calls, one in flight at a time: GET the owner, POST the record,
 * and on 409 (a launch reusing a release name) a merge PATCH instead.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/catalog/record.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"

char *record_name(const char *release)
{
	return xasprintf(RECORD_PREFIX "%s", release);
}

char *record_helm_secret(const char *release, long rev)
{
	return xasprintf("sh.helm.release.v1.%s.v%ld", release, rev);
}

static void add_b64(cJSON *data, const char *key, const char *value)
{
	struct buf b;
	char *enc;

	if (!value)
		return;
	buf_init(&b, 0);
	str_base64_encode(&b, value, strlen(value));
	enc = buf_take(&b, NULL);
	cJSON_AddStringToObject(data, key, enc);
	free(enc);
}

static cJSON *record_data(const struct record *r)
{
	cJSON *data = cJSON_CreateObject();

	add_b64(data, "catalog", r->catalog);
	add_b64(data, "owner", r->owner);
	add_b64(data, "friendlyName", r->friendly_name);
	if (r->share >= 0)
		add_b64(data, "share", r->share ? "true" : "false");
	return data;
}

/* The ownerReferences array naming helm_secret, or NULL without a uid. */
static cJSON *owner_refs(const cJSON *helm_secret)
{
	const char *uid = json_str(helm_secret, "metadata.uid", NULL);
	const char *name = json_str(helm_secret, "metadata.name", NULL);
	cJSON *refs, *ref;

	if (!uid || !*uid || !name || !*name)
		return NULL;
	refs = cJSON_CreateArray();
	ref = cJSON_CreateObject();
	cJSON_AddStringToObject(ref, "apiVersion", json_str(helm_secret, "apiVersion", "v1"));
	cJSON_AddStringToObject(ref, "kind", json_str(helm_secret, "kind", "Secret"));
	cJSON_AddStringToObject(ref, "name", name);
	cJSON_AddStringToObject(ref, "uid", uid);
	cJSON_AddTrueToObject(ref, "controller");
	cJSON_AddItemToArray(refs, ref);
	return refs;
}

cJSON *record_secret(const struct record *r, const cJSON *helm_secret)
{
	cJSON *o = cJSON_CreateObject(), *meta, *refs = owner_refs(helm_secret);
	char *name = record_name(r->release);

	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddStringToObject(o, "kind", "Secret");
	cJSON_AddStringToObject(o, "type", RECORD_TYPE);
	meta = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(meta, "name", name);
	if (r->namespace)
		cJSON_AddStringToObject(meta, "namespace", r->namespace);
	if (refs)
		cJSON_AddItemToObject(meta, "ownerReferences", refs);
	cJSON_AddItemToObject(o, "data", record_data(r));
	free(name);
	return o;
}

cJSON *record_patch(const struct record *r, const cJSON *helm_secret)
{
	cJSON *o = cJSON_CreateObject(), *refs = owner_refs(helm_secret);

	if (refs)
		cJSON_AddItemToObject(cJSON_AddObjectToObject(o, "metadata"), "ownerReferences", refs);
	cJSON_AddItemToObject(o, "data", record_data(r));
	return o;
}

static void add_literal(const char **argv, size_t *n, char **own, size_t *nown, const char *key, const char *value)
{
	if (!value)
		return;
	own[*nown] = xasprintf("--from-literal=%s=%s", key, value);
	argv[(*n)++] = own[(*nown)++];
}

int record_command(const struct record *r, const char *kube_context, struct buf *out)
{
	const char *argv[20];
	char *own[8];
	size_t n = 0, nown = 0;
	char *name = record_name(r->release), *helm = record_helm_secret(r->release, 1);
	char *type = xasprintf("--type=%s", RECORD_TYPE);
	int rc;

	buf_addf(out, "# Onyxia's record of the release, owned by %s: uninstalling removes it\n", helm);
	argv[n++] = "kubectl";
	argv[n++] = "create";
	argv[n++] = "secret";
	argv[n++] = "generic";
	argv[n++] = name;
	argv[n++] = type;
	add_literal(argv, &n, own, &nown, "catalog", r->catalog);
	add_literal(argv, &n, own, &nown, "owner", r->owner);
	add_literal(argv, &n, own, &nown, "friendlyName", r->friendly_name);
	if (r->share >= 0)
		add_literal(argv, &n, own, &nown, "share", r->share ? "true" : "false");
	if (r->namespace) {
		argv[n++] = "-n";
		argv[n++] = r->namespace;
	}
	if (kube_context) {
		argv[n++] = "--context";
		argv[n++] = kube_context;
	}
	argv[n] = NULL;
	str_shell_join(out, argv);
	rc = buf_addc(out, '\n');
	for (size_t i = 0; i < nown; i++)
		free(own[i]);
	free(type);
	free(helm);
	free(name);
	return rc;
}

/* ---- writing ---- */

enum write_step { STEP_OWNER, STEP_CREATE, STEP_UPDATE };

struct record_write {
	struct kube *k;
	struct record r;	/* strings owned */
	record_done_fn *fn;
	void *arg;
	enum write_step step;
	struct kube_call *call;
	cJSON *helm;		/* the owner, once read */
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void write_free(struct record_write *w)
{
	free((char *)w->r.release);
	free((char *)w->r.namespace);
	free((char *)w->r.catalog);
	free((char *)w->r.owner);
	free((char *)w->r.friendly_name);
	cJSON_Delete(w->helm);
	free(w);
}

static void write_finish(struct record_write *w, const struct error *err)
{
	struct error ok;

	w->call = NULL;
	if (!err) {
		error_clear(&ok);
		err = &ok;
	}
	log_info("release record of %s: %s", w->r.release, err->code == ERR_NONE ? "written" : err->msg);
	w->fn(w->arg, err);
	write_free(w);
}

static void step_done(struct kube_call *c, cJSON *body, const struct error *err, void *arg);

/* send: the call of w->step; -1 with err when it cannot be sent. */
static int send_step(struct record_write *w, struct error *err)
{
	struct kube_req rq = { .timeout_ms = 30000 };
	char *path, *name = record_name(w->r.release);
	struct buf body;
	cJSON *o = NULL;

	buf_init(&body, 0);
	switch (w->step) {
	case STEP_OWNER: {
		char *helm = record_helm_secret(w->r.release, 1);

		path = xasprintf("/api/v1/namespaces/%s/secrets/%s", w->r.namespace, helm);
		free(helm);
		break;
	}
	case STEP_CREATE:
		path = xasprintf("/api/v1/namespaces/%s/secrets", w->r.namespace);
		o = record_secret(&w->r, w->helm);
		rq.method = "POST";
		break;
	default:
		path = xasprintf("/api/v1/namespaces/%s/secrets/%s", w->r.namespace, name);
		o = record_patch(&w->r, w->helm);
		rq.method = "PATCH";
		rq.content_type = "application/merge-patch+json";
		break;
	}
	if (o) {
		json_print(&body, o, false);
		cJSON_Delete(o);
		rq.body = body.data;
		rq.body_len = body.len;
	}
	rq.path = path;
	w->call = kube_call(w->k, &rq, step_done, w, err);
	free(path);
	free(name);
	buf_release(&body);
	return w->call ? 0 : -1;
}

static void step_done(struct kube_call *c, cJSON *body, const struct error *err, void *arg)
{
	struct record_write *w = arg;
	struct error e;

	(void)body;
	w->call = NULL;
	if (w->step == STEP_OWNER && err->code == ERR_NONE) {
		w->helm = kube_call_take_body(c);
		w->step = STEP_CREATE;
	} else if (w->step == STEP_CREATE && err->code == ERR_CONFLICT) {
		w->step = STEP_UPDATE;
	} else {
		write_finish(w, err);
		return;
	}
	if (send_step(w, &e) < 0)
		write_finish(w, &e);
}

struct record_write *record_write_start(struct kube *k, const struct record *r, record_done_fn *fn, void *arg,
					struct error *err)
{
	struct record_write *w;

	if (!r->release || !*r->release || !r->namespace || !*r->namespace) {
		error_set(err, ERR_INVALID, "a release record needs a release and a namespace");
		return NULL;
	}
	w = xcalloc(1, sizeof(*w));
	w->k = k;
	w->r.release = xstrdup(r->release);
	w->r.namespace = xstrdup(r->namespace);
	w->r.catalog = dup_or_null(r->catalog);
	w->r.owner = dup_or_null(r->owner);
	w->r.friendly_name = dup_or_null(r->friendly_name);
	w->r.share = r->share;
	w->fn = fn;
	w->arg = arg;
	w->step = STEP_OWNER;
	if (send_step(w, err) < 0) {
		write_free(w);
		return NULL;
	}
	return w;
}

void record_write_cancel(struct record_write *w)
{
	if (!w)
		return;
	kube_cancel(w->call);
	write_free(w);
}
