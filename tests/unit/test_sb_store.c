/* test_sb_store.c: the sandbox's object store: writes, invariants after
 * each operation, persistence across reopen, the ring and snapshots. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/sandbox/gc.h"
#include "datalab/sandbox/kinds.h"
#include "datalab/sandbox/store.h"
#include "testutil.h"

static char tmp[64];
static struct kinds *ks;
static struct store *st;

static void check_invariants(void)
{
	struct error err;

	ck_assert_msg(store_check(st, &err) == 0, "invariants: %s", err.msg);
}

static void open_store(void)
{
	struct error err;
	struct store_opts o = { .no_fsync = true, .ring = 64 };

	st = store_open(tmp, ks, NULL, &o, &err);
	ck_assert_msg(st != NULL, "%s", err.msg);
	check_invariants();
}

static void setup(void)
{
	snprintf(tmp, sizeof(tmp), "%s", "/tmp/dl-sbstore-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ks = kinds_new();
	open_store();
}

static void teardown(void)
{
	store_close(st);
	kinds_free(ks);
	file_remove_tree(tmp, NULL);
}

static const struct kind *K(const char *group, const char *res)
{
	const struct kind *k = kinds_find_storage(ks, group, res);

	ck_assert_ptr_nonnull(k);
	return k;
}

static cJSON *parse(const char *s)
{
	cJSON *o = cJSON_Parse(s);

	ck_assert_ptr_nonnull(o);
	return o;
}

static const struct store_obj *create(const char *group, const char *res, const char *ns, const char *json)
{
	struct status s;
	const struct store_obj *o = NULL;
	int rc;

	status_init(&s);
	rc = store_create(st, K(group, res), ns, parse(json), NULL, &o, &s);
	ck_assert_msg(rc == 0, "create: %d %s", s.code, s.message ? s.message : "");
	status_release(&s);
	check_invariants();
	return o;
}

static void make_ns(const char *name)
{
	char *j = xasprintf("{\"metadata\":{\"name\":\"%s\"}}", name);

	create("", "namespaces", NULL, j);
	free(j);
}

START_TEST(test_create_get)
{
	const struct store_obj *o;
	struct status s;

	make_ns("default");
	o = create("", "configmaps", "default", "{\"metadata\":{\"name\":\"a\"},\"data\":{\"k\":\"v\"}}");
	ck_assert_str_eq(json_str(o->obj, "apiVersion", ""), "v1");
	ck_assert_str_eq(json_str(o->obj, "kind", ""), "ConfigMap");
	ck_assert_str_eq(json_str(o->obj, "metadata.namespace", ""), "default");
	ck_assert_int_eq(strlen(json_str(o->obj, "metadata.uid", "")), 36);
	ck_assert_ptr_nonnull(json_get(o->obj, "metadata.creationTimestamp"));
	ck_assert_uint_eq(o->rv, store_rv(st));
	ck_assert_ptr_eq(store_get(st, K("", "configmaps"), "default", "a"), o);
	ck_assert_ptr_eq(store_find_uid(st, json_str(o->obj, "metadata.uid", "")), o);
	/* the JSON text is the object */
	ck_assert_ptr_nonnull(strstr(o->json, "\"resourceVersion\""));

	status_init(&s);
	ck_assert_int_eq(store_create(st, K("", "configmaps"), "default",
				      parse("{\"metadata\":{\"name\":\"a\"}}"), NULL, NULL, &s), -1);
	ck_assert_int_eq(s.code, 409);
	ck_assert_str_eq(s.reason, "AlreadyExists");
	ck_assert_str_eq(s.message, "configmaps \"a\" already exists");
	status_release(&s);

	ck_assert_int_eq(store_create(st, K("", "configmaps"), "nope",
				      parse("{\"metadata\":{\"name\":\"b\"}}"), NULL, NULL, &s), -1);
	ck_assert_int_eq(s.code, 404);
	ck_assert_str_eq(s.message, "namespaces \"nope\" not found");
	status_release(&s);
	check_invariants();
}
END_TEST

START_TEST(test_invalid_names_and_labels)
{
	struct status s;
	cJSON *j;
	char *txt;
	uint64_t rv;

	make_ns("default");
	rv = store_rv(st);
	status_init(&s);
	ck_assert_int_eq(store_create(st, K("", "secrets"), "default",
				      parse("{\"metadata\":{\"name\":\"Bad_Name\"}}"), NULL, NULL, &s), -1);
	ck_assert_int_eq(s.code, 422);
	ck_assert_str_eq(s.reason, "Invalid");
	ck_assert_ptr_nonnull(strstr(s.message, "Secret \"Bad_Name\" is invalid: metadata.name: "
				     "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"));
	j = status_to_json(&s);
	ck_assert_str_eq(json_str(j, "details.causes.0.field", ""), "metadata.name");
	cJSON_Delete(j);
	status_release(&s);

	/* an escape sequence in a label value comes back quoted, not raw */
	ck_assert_int_eq(store_create(st, K("", "configmaps"), "default",
				      parse("{\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"\\u001b[2J\"}}}"),
				      NULL, NULL, &s), -1);
	ck_assert_int_eq(s.code, 422);
	ck_assert_ptr_null(strchr(s.message, 0x1b));
	ck_assert_ptr_nonnull(strstr(s.message, "\\x1b[2J"));
	txt = s.message;
	ck_assert_ptr_nonnull(strstr(txt, "metadata.labels: Invalid value"));
	status_release(&s);
	ck_assert_uint_eq(store_rv(st), rv);	/* nothing committed */
	ck_assert_uint_eq(store_count(st, K("", "configmaps"), NULL), 0);
	check_invariants();
}
END_TEST

START_TEST(test_update_conflict_generation)
{
	struct status s;
	const struct store_obj *o, *o2;
	cJSON *c;
	uint64_t rv;

	make_ns("default");
	o = create("apps", "deployments", "default",
		   "{\"metadata\":{\"name\":\"d\"},\"spec\":{\"selector\":{\"matchLabels\":{\"a\":\"b\"}},"
		   "\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":"
		   "[{\"name\":\"c\",\"image\":\"nginx\"}]}}}}");
	ck_assert_int_eq(json_int(o->obj, "metadata.generation", 0), 1);
	ck_assert_int_eq(json_int(o->obj, "spec.replicas", 0), 1);
	ck_assert_str_eq(json_str(o->obj, "spec.strategy.type", ""), "RollingUpdate");
	rv = o->rv;

	/* stale resourceVersion: 409 Conflict */
	c = store_obj_copy(o);
	json_set_path(c, "metadata.resourceVersion", cJSON_CreateString("1"));
	status_init(&s);
	ck_assert_int_eq(store_update(st, K("apps", "deployments"), "default", c, NULL, NULL, &s), -1);
	ck_assert_int_eq(s.code, 409);
	ck_assert_str_eq(s.reason, "Conflict");
	ck_assert_str_eq(s.message, "Operation cannot be fulfilled on deployments.apps \"d\": the object "
			 "has been modified; please apply your changes to the latest version and try again");
	status_release(&s);

	/* a no-op update commits nothing */
	c = store_obj_copy(store_get(st, K("apps", "deployments"), "default", "d"));
	ck_assert_int_eq(store_update(st, K("apps", "deployments"), "default", c, NULL, &o2, &s), 0);
	ck_assert_uint_eq(store_rv(st), rv);

	/* a label change: new rv, same generation */
	c = store_obj_copy(o2);
	json_set_path(c, "metadata.labels", parse("{\"x\":\"y\"}"));
	ck_assert_int_eq(store_update(st, K("apps", "deployments"), "default", c, NULL, &o2, &s), 0);
	ck_assert_uint_gt(o2->rv, rv);
	ck_assert_int_eq(json_int(o2->obj, "metadata.generation", 0), 1);

	/* a spec change: generation 2 */
	c = store_obj_copy(o2);
	json_set_path(c, "spec.replicas", cJSON_CreateNumber(3));
	ck_assert_int_eq(store_update(st, K("apps", "deployments"), "default", c, NULL, &o2, &s), 0);
	ck_assert_int_eq(json_int(o2->obj, "metadata.generation", 0), 2);

	/* a status-only write does not bump it and keeps the spec */
	c = store_obj_copy(o2);
	json_set_path(c, "spec.replicas", cJSON_CreateNumber(9));
	json_set_path(c, "status.replicas", cJSON_CreateNumber(3));
	{
		struct store_write w = { .status_only = true };

		ck_assert_int_eq(store_update(st, K("apps", "deployments"), "default", c, &w, &o2, &s), 0);
	}
	ck_assert_int_eq(json_int(o2->obj, "metadata.generation", 0), 2);
	ck_assert_int_eq(json_int(o2->obj, "spec.replicas", 0), 3);
	ck_assert_int_eq(json_int(o2->obj, "status.replicas", 0), 3);
	check_invariants();
}
END_TEST

START_TEST(test_generate_name)
{
	const struct store_obj *o;

	make_ns("default");
	o = create("", "pods", "default", "{\"metadata\":{\"generateName\":\"web-\"},\"spec\":"
		   "{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:1\"}]}}");
	ck_assert_int_eq(strlen(o->name), 9);
	ck_assert(strncmp(o->name, "web-", 4) == 0);
	ck_assert_str_eq(json_str(o->obj, "status.phase", ""), "Pending");
	ck_assert_str_eq(json_str(o->obj, "spec.containers.0.imagePullPolicy", ""), "IfNotPresent");
}
END_TEST

static int nevents;
static enum store_op last_op;

static void count_events(struct store *s, const struct store_event *ev, void *arg)
{
	(void)s;
	(void)arg;
	nevents++;
	last_op = ev->op;
}

START_TEST(test_delete_and_finalizers)
{
	struct status s;
	const struct store_obj *o;
	cJSON *c;
	bool gone;
	uint64_t id;

	make_ns("default");
	id = store_subscribe(st, count_events, NULL);
	nevents = 0;
	create("", "configmaps", "default",
	       "{\"metadata\":{\"name\":\"f\",\"finalizers\":[\"example.com/keep\"]}}");
	ck_assert_int_eq(nevents, 1);
	status_init(&s);
	ck_assert_int_eq(store_delete(st, K("", "configmaps"), "default", "f", NULL, &o, &gone, &s), 0);
	ck_assert(!gone);
	ck_assert_ptr_nonnull(json_get(o->obj, "metadata.deletionTimestamp"));
	ck_assert_int_eq(nevents, 2);
	ck_assert_int_eq(last_op, STORE_MODIFIED);
	/* removing the finalizer completes the deletion */
	c = store_obj_copy(o);
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItem(c, "metadata"), "finalizers");
	ck_assert_int_eq(store_update(st, K("", "configmaps"), "default", c, NULL, &o, &s), 0);
	ck_assert_int_eq(last_op, STORE_DELETED);
	ck_assert_ptr_null(store_get(st, K("", "configmaps"), "default", "f"));
	ck_assert_int_eq(store_delete(st, K("", "configmaps"), "default", "f", NULL, &o, &gone, &s), -1);
	ck_assert_int_eq(s.code, 404);
	status_release(&s);
	store_unsubscribe(st, id);
	check_invariants();
}
END_TEST

START_TEST(test_persistence)
{
	const struct store_obj *o;
	struct status s;
	uint64_t rv;
	char uid[40];
	int i;

	make_ns("default");
	for (i = 0; i < 50; i++) {
		char *j = xasprintf("{\"metadata\":{\"name\":\"cm-%02d\"},\"data\":{\"i\":\"%d\"}}", i, i);

		create("", "configmaps", "default", j);
		free(j);
	}
	status_init(&s);
	ck_assert_int_eq(store_delete(st, K("", "configmaps"), "default", "cm-07", NULL, NULL, NULL, &s), 0);
	o = store_get(st, K("", "configmaps"), "default", "cm-10");
	snprintf(uid, sizeof(uid), "%s", json_str(o->obj, "metadata.uid", ""));
	rv = store_rv(st);
	store_close(st);
	open_store();
	ck_assert_uint_eq(store_rv(st), rv);
	ck_assert_uint_eq(store_count(st, K("", "configmaps"), "default"), 49);
	ck_assert_ptr_null(store_get(st, K("", "configmaps"), "default", "cm-07"));
	o = store_get(st, K("", "configmaps"), "default", "cm-10");
	ck_assert_str_eq(json_str(o->obj, "metadata.uid", ""), uid);
	ck_assert_str_eq(json_str(o->obj, "data.i", ""), "10");
	/* compaction keeps the same state and the counter */
	{
		struct error err;

		ck_assert_int_eq(store_compact(st, &err), 0);
	}
	store_close(st);
	open_store();
	ck_assert_uint_eq(store_rv(st), rv);
	ck_assert_uint_eq(store_count(st, K("", "configmaps"), NULL), 49);
	/* a watch from before the restart is too old */
	ck_assert_int_eq(store_since(st, rv - 1, NULL, NULL, &s), -1);
	ck_assert_int_eq(s.code, 410);
	status_release(&s);
}
END_TEST

START_TEST(test_torn_journal)
{
	char *path = xasprintf("%s/store/journal", tmp);
	FILE *f;

	make_ns("default");
	create("", "configmaps", "default", "{\"metadata\":{\"name\":\"ok\"}}");
	store_close(st);
	f = fopen(path, "a");
	fputs("P /configmaps 99 {\"apiVersion\":\"v1\",\"kind\":\"Conf", f);
	fclose(f);
	open_store();
	ck_assert_ptr_nonnull(store_get(st, K("", "configmaps"), "default", "ok"));
	ck_assert_uint_eq(store_count(st, K("", "configmaps"), NULL), 1);
	create("", "configmaps", "default", "{\"metadata\":{\"name\":\"after\"}}");
	store_close(st);
	open_store();
	ck_assert_uint_eq(store_count(st, K("", "configmaps"), NULL), 2);
	free(path);
}
END_TEST

START_TEST(test_snapshot)
{
	const struct kind *cm = K("", "configmaps");
	const struct store_obj **v;
	struct status s;
	cJSON *c;
	uint64_t rv;
	size_t n;

	make_ns("a");
	make_ns("b");
	create("", "configmaps", "b", "{\"metadata\":{\"name\":\"z\"},\"data\":{\"v\":\"1\"}}");
	create("", "configmaps", "a", "{\"metadata\":{\"name\":\"y\"}}");
	rv = store_rv(st);
	create("", "configmaps", "a", "{\"metadata\":{\"name\":\"x\"}}");
	c = store_obj_copy(store_get(st, cm, "b", "z"));
	json_set_path(c, "data.v", cJSON_CreateString("2"));
	status_init(&s);
	ck_assert_int_eq(store_update(st, cm, "b", c, NULL, NULL, &s), 0);
	ck_assert_int_eq(store_delete(st, cm, "a", "y", NULL, NULL, NULL, &s), 0);

	v = store_snapshot(st, cm, NULL, rv, &n, &s);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0]->name, "y");
	ck_assert_str_eq(v[1]->name, "z");
	ck_assert_str_eq(json_str(v[1]->obj, "data.v", ""), "1");
	store_snapshot_free(v);

	v = store_snapshot(st, cm, "a", store_rv(st), &n, &s);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0]->name, "x");
	store_snapshot_free(v);
	check_invariants();
}
END_TEST

START_TEST(test_ring_overflow)
{
	struct status s;
	uint64_t first;
	int i;

	make_ns("default");
	first = store_rv(st);
	for (i = 0; i < 100; i++) {
		char *j = xasprintf("{\"metadata\":{\"name\":\"r%d\"}}", i);

		create("", "configmaps", "default", j);
		free(j);
	}
	status_init(&s);
	ck_assert_uint_gt(store_oldest_rv(st), first);
	ck_assert_int_eq(store_since(st, first, NULL, NULL, &s), -1);
	ck_assert_int_eq(s.code, 410);
	ck_assert_str_eq(s.reason, "Expired");
	status_release(&s);
	check_invariants();
}
END_TEST

START_TEST(test_crd_registers_kind)
{
	const struct kind *k;
	struct error err;

	create("apiextensions.k8s.io", "customresourcedefinitions", NULL,
	       "{\"metadata\":{\"name\":\"widgets.example.com\"},\"spec\":{\"group\":\"example.com\","
	       "\"scope\":\"Namespaced\",\"names\":{\"plural\":\"widgets\",\"kind\":\"Widget\","
	       "\"shortNames\":[\"wd\"]},\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true,"
	       "\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\"}}}]}}");
	k = kinds_find(ks, "example.com", "v1", "widgets");
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->kind, "Widget");
	ck_assert_ptr_eq(kinds_resolve(ks, "wd"), k);
	make_ns("default");
	create("example.com", "widgets", "default", "{\"metadata\":{\"name\":\"w1\"},\"spec\":{\"x\":1}}");
	store_close(st);
	kinds_free(ks);
	ks = kinds_new();
	open_store();
	ck_assert_ptr_nonnull(kinds_find(ks, "example.com", "v1", "widgets"));
	ck_assert_uint_eq(store_count(st, kinds_find(ks, "example.com", "v1", "widgets"), NULL), 1);
	ck_assert_int_eq(store_check(st, &err), 0);
}
END_TEST

static const struct store_obj *owned(const char *group, const char *res, const char *name,
				    const struct store_obj *owner, const char *extra)
{
	char *j = xasprintf("{\"metadata\":{\"name\":\"%s\",\"ownerReferences\":[{\"apiVersion\":"
			    "\"%s\",\"kind\":\"%s\",\"name\":\"%s\",\"uid\":\"%s\","
			    "\"controller\":true,\"blockOwnerDeletion\":true}]}%s}", name,
			    json_str(owner->obj, "apiVersion", ""), json_str(owner->obj, "kind", ""),
			    owner->name, json_str(owner->obj, "metadata.uid", ""), extra);
	const struct store_obj *o = create(group, res, "default", j);

	free(j);
	return o;
}

#define TPL ",\"spec\":{\"selector\":{\"matchLabels\":{\"a\":\"b\"}},\"template\":{\"metadata\":" \
	"{\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}}"

START_TEST(test_gc_cascade)
{
	struct gc *g = gc_start(st);
	const struct store_obj *d, *rs;
	struct store_delete opt = { .propagation = STORE_PROPAGATE_FOREGROUND, .grace_seconds = -1 };
	struct status s;
	bool gone;

	make_ns("default");
	gc_run(g);
	ck_assert_ptr_nonnull(store_get(st, K("", "serviceaccounts"), "default", "default"));
	/* background: deployment -> replicaset -> pod, collected in passes */
	d = create("apps", "deployments", "default", "{\"metadata\":{\"name\":\"d\"}" TPL "}");
	rs = owned("apps", "replicasets", "rs", d, TPL);
	owned("", "pods", "p", rs, ",\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}");
	status_init(&s);
	ck_assert_int_eq(store_delete(st, K("apps", "deployments"), "default", "d", NULL, NULL, &gone, &s), 0);
	ck_assert(gone);
	while (gc_run(g) > 0)
		check_invariants();
	ck_assert_ptr_null(store_get(st, K("apps", "replicasets"), "default", "rs"));
	ck_assert_ptr_null(store_get(st, K("", "pods"), "default", "p"));

	/* foreground: the owner waits, with its finalizer, until dependents are gone */
	d = create("apps", "deployments", "default", "{\"metadata\":{\"name\":\"f\"}" TPL "}");
	owned("apps", "replicasets", "frs", d, TPL);
	ck_assert_int_eq(store_delete(st, K("apps", "deployments"), "default", "f", &opt, &d, &gone, &s), 0);
	ck_assert(!gone);
	ck_assert_str_eq(json_str(d->obj, "metadata.finalizers.0", ""), "foregroundDeletion");
	while (gc_run(g) > 0)
		check_invariants();
	ck_assert_ptr_null(store_get(st, K("apps", "replicasets"), "default", "frs"));
	ck_assert_ptr_null(store_get(st, K("apps", "deployments"), "default", "f"));

	/* orphan: the dependent stays without its reference */
	d = create("apps", "deployments", "default", "{\"metadata\":{\"name\":\"o\"}" TPL "}");
	owned("apps", "replicasets", "ors", d, TPL);
	opt.propagation = STORE_PROPAGATE_ORPHAN;
	ck_assert_int_eq(store_delete(st, K("apps", "deployments"), "default", "o", &opt, NULL, &gone, &s), 0);
	while (gc_run(g) > 0)
		check_invariants();
	ck_assert_ptr_null(store_get(st, K("apps", "deployments"), "default", "o"));
	rs = store_get(st, K("apps", "replicasets"), "default", "ors");
	ck_assert_ptr_nonnull(rs);
	ck_assert_ptr_null(json_get(rs->obj, "metadata.ownerReferences"));

	/* a namespace: its objects first, then itself */
	make_ns("gone");
	create("", "configmaps", "gone", "{\"metadata\":{\"name\":\"c\"}}");
	ck_assert_int_eq(store_delete(st, K("", "namespaces"), NULL, "gone", NULL, &d, &gone, &s), 0);
	ck_assert(!gone);
	ck_assert_str_eq(json_str(d->obj, "status.phase", ""), "Terminating");
	ck_assert_int_eq(store_create(st, K("", "configmaps"), "gone", parse("{\"metadata\":{\"name\":\"late\"}}"),
				      NULL, NULL, &s), -1);
	ck_assert_int_eq(s.code, 403);
	status_release(&s);
	while (gc_run(g) > 0)
		check_invariants();
	ck_assert_ptr_null(store_get(st, K("", "configmaps"), "gone", "c"));
	ck_assert_ptr_null(store_get(st, K("", "namespaces"), NULL, "gone"));
	gc_stop(g);
}
END_TEST

START_TEST(test_graceful_delete)
{
	struct store_delete now = { .grace_seconds = 0 }, dflt = { .grace_seconds = -1 };
	const struct store_obj *o;
	struct status s;
	bool gone;

	make_ns("default");
	store_set_clock(st, 1735689600);	/* 2025-01-01T00:00:00Z */
	store_set_graceful(st, K("", "pods"), 30);
	create("", "pods", "default", "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":"
	       "[{\"name\":\"c\",\"image\":\"x\"}]}}");
	status_init(&s);
	ck_assert_int_eq(store_delete(st, K("", "pods"), "default", "p", &dflt, &o, &gone, &s), 0);
	ck_assert(!gone);
	ck_assert_str_eq(json_str(o->obj, "metadata.deletionTimestamp", ""), "2025-01-01T00:00:30Z");
	ck_assert_int_eq(json_int(o->obj, "metadata.deletionGracePeriodSeconds", 0), 30);
	ck_assert_ptr_nonnull(store_get(st, K("", "pods"), "default", "p"));
	/* the lifecycle's owner finishes it */
	ck_assert_int_eq(store_delete(st, K("", "pods"), "default", "p", &now, &o, &gone, &s), 0);
	ck_assert(gone);
	ck_assert_ptr_null(store_get(st, K("", "pods"), "default", "p"));
	/* other kinds stay immediate */
	create("", "configmaps", "default", "{\"metadata\":{\"name\":\"c\"}}");
	ck_assert_int_eq(store_delete(st, K("", "configmaps"), "default", "c", &dflt, &o, &gone, &s), 0);
	ck_assert(gone);
	check_invariants();
}
END_TEST

static int deny_big(struct store *s, enum store_op op, const struct kind *k, cJSON *obj,
		    const struct store_obj *old, const struct store_write *w, struct status *res, void *arg)
{
	(void)s;
	(void)old;
	(void)w;
	(*(int *)arg)++;
	if (op == STORE_ADDED && strcmp(k->resource, "configmaps") == 0 &&
	    json_get(obj, "data.big")) {
		status_set(res, 403, "Forbidden", "configmaps \"%s\" is forbidden: exceeded quota: q, "
			   "requested: count/big=1, used: count/big=0, limited: count/big=0",
			   json_str(obj, "metadata.name", ""));
		return -1;
	}
	/* a hook may also set defaults */
	if (op == STORE_ADDED && obj)
		json_set_path(obj, "metadata.annotations", cJSON_Parse("{\"admitted\":\"yes\"}"));
	return 0;
}

START_TEST(test_admission)
{
	const struct store_obj *o;
	struct status s;
	uint64_t rv;
	int calls = 0;

	make_ns("default");
	store_add_admission(st, deny_big, &calls);
	rv = store_rv(st);
	status_init(&s);
	ck_assert_int_eq(store_create(st, K("", "configmaps"), "default",
				      parse("{\"metadata\":{\"name\":\"b\"},\"data\":{\"big\":\"1\"}}"),
				      NULL, NULL, &s), -1);
	ck_assert_int_eq(s.code, 403);
	ck_assert_ptr_nonnull(strstr(s.message, "exceeded quota"));
	status_release(&s);
	ck_assert_uint_eq(store_rv(st), rv);
	ck_assert_ptr_null(store_get(st, K("", "configmaps"), "default", "b"));
	o = create("", "configmaps", "default", "{\"metadata\":{\"name\":\"ok\"}}");
	ck_assert_str_eq(json_str(o->obj, "metadata.annotations.admitted", ""), "yes");
	ck_assert_int_ge(calls, 2);
	check_invariants();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sb_store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_get);
	tcase_add_test(tc, test_invalid_names_and_labels);
	tcase_add_test(tc, test_update_conflict_generation);
	tcase_add_test(tc, test_generate_name);
	tcase_add_test(tc, test_delete_and_finalizers);
	tcase_add_test(tc, test_persistence);
	tcase_add_test(tc, test_torn_journal);
	tcase_add_test(tc, test_snapshot);
	tcase_add_test(tc, test_ring_overflow);
	tcase_add_test(tc, test_crd_registers_kind);
	tcase_add_test(tc, test_gc_cascade);
	tcase_add_test(tc, test_graceful_delete);
	tcase_add_test(tc, test_admission);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
