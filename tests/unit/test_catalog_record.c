/*
 * test_catalog_record.c: Onyxia's release record: the Secret and the merge
 * patch as onyxia-api writes them (data base64'd, owned by helm's first
 * storage Secret as a controller), the kubectl line, and the write on the
 * real client stack against an in-process API server: GET the owner, then
 * POST; a 409 turns into a merge PATCH; a missing owner ends the write
 * with its error and nothing written; a cancelled write never calls back.
 */
#include <pthread.h>
#include <string.h>

#include "testutil.h"
#include "testserver.h"
#include "testkube.h"

#include "datalab/catalog/record.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/kube/client.h"
#include "datalab/kube/kubeconfig.h"
#include "datalab/net/http.h"

static const struct record nightly = {
	.release = "job-demo-4242",
	.namespace = "user-alice",
	.catalog = "demo",
	.owner = "alice",
	.friendly_name = "nightly",
	.share = 0,
};

static const char helm_secret[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"type\":\"helm.sh/release.v1\","
	"\"metadata\":{\"name\":\"sh.helm.release.v1.job-demo-4242.v1\",\"namespace\":\"user-alice\","
	"\"uid\":\"6b0f-uid\",\"labels\":{\"owner\":\"helm\",\"name\":\"job-demo-4242\"}}}";

static char *decoded(const cJSON *o, const char *key)
{
	const char *v = json_str(json_get(o, "data"), key, NULL);
	struct buf b;

	if (!v)
		return NULL;
	buf_init(&b, 0);
	ck_assert_int_eq(str_base64_decode(&b, v, strlen(v)), 0);
	return buf_take(&b, NULL);
}

static void assert_data(const cJSON *o, const char *key, const char *want)
{
	char *got = decoded(o, key);

	if (!want)
		ck_assert_msg(got == NULL, "%s present: %s", key, got);
	else
		ck_assert_msg(got && str_eq(got, want), "%s: got %s, want %s", key, got ? got : "(none)", want);
	free(got);
}

START_TEST(secret_as_onyxia_writes_it)
{
	cJSON *helm = cJSON_Parse(helm_secret), *o = record_secret(&nightly, helm);
	const cJSON *ref = cJSON_GetArrayItem(json_get(o, "metadata.ownerReferences"), 0);
	const cJSON *c;
	const char *order[] = { "catalog", "owner", "friendlyName", "share" };
	int i = 0;

	ck_assert_str_eq(json_str(o, "type", ""), "onyxia.sh/release.v1");
	ck_assert_str_eq(json_str(o, "kind", ""), "Secret");
	ck_assert_str_eq(json_str(o, "metadata.name", ""), "sh.onyxia.release.v1.job-demo-4242");
	ck_assert_str_eq(json_str(o, "metadata.namespace", ""), "user-alice");
	ck_assert_ptr_nonnull(ref);
	ck_assert_str_eq(json_str(ref, "name", ""), "sh.helm.release.v1.job-demo-4242.v1");
	ck_assert_str_eq(json_str(ref, "uid", ""), "6b0f-uid");
	ck_assert_str_eq(json_str(ref, "kind", ""), "Secret");
	ck_assert_str_eq(json_str(ref, "apiVersion", ""), "v1");
	ck_assert(json_bool(ref, "controller", false));
	assert_data(o, "catalog", "demo");
	assert_data(o, "owner", "alice");
	assert_data(o, "friendlyName", "nightly");
	assert_data(o, "share", "false");
	/* onyxia-api's order, so the two read alike in kubectl get -o yaml */
	cJSON_ArrayForEach(c, json_get(o, "data"))
		ck_assert_str_eq(c->string, order[i++]);
	cJSON_Delete(o);

	/* an informer's copy has no apiVersion or kind; no uid: no owner */
	cJSON_DeleteItemFromObject(helm, "apiVersion");
	cJSON_DeleteItemFromObject(helm, "kind");
	o = record_secret(&nightly, helm);
	ref = cJSON_GetArrayItem(json_get(o, "metadata.ownerReferences"), 0);
	ck_assert_str_eq(json_str(ref, "apiVersion", ""), "v1");
	ck_assert_str_eq(json_str(ref, "kind", ""), "Secret");
	cJSON_Delete(o);
	json_set_path(helm, "metadata.uid", cJSON_CreateString(""));
	o = record_secret(&nightly, helm);
	ck_assert_ptr_null(json_get(o, "metadata.ownerReferences"));
	cJSON_Delete(o);
	cJSON_Delete(helm);
}
END_TEST

START_TEST(patch_sets_only_what_is_given)
{
	struct record rename = { .release = "nb1", .friendly_name = "My notebook \xc3\xa9t\xc3\xa9", .share = -1 };
	cJSON *helm = cJSON_Parse(helm_secret), *o = record_patch(&rename, NULL);

	ck_assert_ptr_null(json_get(o, "metadata"));
	assert_data(o, "friendlyName", "My notebook \xc3\xa9t\xc3\xa9");
	assert_data(o, "catalog", NULL);
	assert_data(o, "owner", NULL);
	assert_data(o, "share", NULL);
	cJSON_Delete(o);
	o = record_patch(&nightly, helm);
	ck_assert_str_eq(json_str(cJSON_GetArrayItem(json_get(o, "metadata.ownerReferences"), 0), "uid", ""),
			 "6b0f-uid");
	assert_data(o, "share", "false");
	cJSON_Delete(o);
	o = record_secret(&rename, NULL);
	ck_assert_ptr_null(json_get(o, "metadata.namespace"));
	assert_data(o, "owner", NULL);
	cJSON_Delete(o);
	cJSON_Delete(helm);
}
END_TEST

START_TEST(kubectl_line)
{
	static const struct {
		struct record r;
		const char *context, *want;
	} rows[] = {
		{ { "job-demo-4242", "user-alice", "demo", "alice", "nightly", 0 }, NULL,
		  "# Onyxia's record of the release, owned by sh.helm.release.v1.job-demo-4242.v1: uninstalling removes it\n"
		  "kubectl create secret generic sh.onyxia.release.v1.job-demo-4242 --type=onyxia.sh/release.v1 "
		  "--from-literal=catalog=demo --from-literal=owner=alice --from-literal=friendlyName=nightly "
		  "--from-literal=share=false -n user-alice\n" },
		{ { "nb1", NULL, NULL, NULL, "My 'notebook'", -1 }, "kind-x",
		  "# Onyxia's record of the release, owned by sh.helm.release.v1.nb1.v1: uninstalling removes it\n"
		  "kubectl create secret generic sh.onyxia.release.v1.nb1 --type=onyxia.sh/release.v1 "
		  "'--from-literal=friendlyName=My '\\''notebook'\\''' --context kind-x\n" },
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(rows); i++) {
		struct buf b;

		buf_init(&b, 0);
		ck_assert_int_eq(record_command(&rows[i].r, rows[i].context, &b), 0);
		ck_assert_msg(str_eq(b.data, rows[i].want), "row %zu:\n%s", i, b.data);
		buf_release(&b);
	}
}
END_TEST

/* ---- writing, against an API server ---- */

static struct ts server;
static struct loop *loop;
static struct http *http;
static struct kube *kube;
static char dir[64];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct buf reqlog;	/* "METHOD path content-type body\n" */
static int owner_status, create_status;
static int done_calls;
static struct error done_err;

static enum MHD_Result handler(const struct ts_req *rq, void *arg)
{
	const char *ct = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Content-Type");

	(void)arg;
	pthread_mutex_lock(&mu);
	buf_addf(&reqlog, "%s %s %s %.*s\n", rq->method, rq->path, ct ? ct : "-", (int)rq->body_len,
		 rq->body ? rq->body : "");
	pthread_mutex_unlock(&mu);
	if (str_eq(rq->method, "GET"))
		return owner_status == 200 ? ts_reply_str(rq->conn, 200, "application/json", helm_secret)
			: ts_reply_str(rq->conn, 404, "application/json",
				       "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
				       "\"secrets \\\"sh.helm.release.v1.job-demo-4242.v1\\\" not found\","
				       "\"reason\":\"NotFound\",\"details\":{\"name\":\"sh.helm.release.v1.job-demo-4242.v1\","
				       "\"kind\":\"secrets\"},\"code\":404}");
	if (str_eq(rq->method, "POST") && create_status == 409)
		return ts_reply_str(rq->conn, 409, "application/json",
				    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
				    "\"secrets \\\"sh.onyxia.release.v1.job-demo-4242\\\" already exists\","
				    "\"reason\":\"AlreadyExists\",\"code\":409}");
	return ts_reply_str(rq->conn, str_eq(rq->method, "POST") ? 201 : 200, "application/json", "{}");
}

static bool logged(const char *s)
{
	bool r;

	pthread_mutex_lock(&mu);
	r = strstr(reqlog.data, s) != NULL;
	pthread_mutex_unlock(&mu);
	return r;
}

static void done(void *arg, const struct error *err)
{
	(void)arg;
	done_calls++;
	done_err = *err;
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/dl-record-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	buf_init(&reqlog, 0);
	owner_status = 200;
	create_status = 201;
	done_calls = 0;
	ck_assert_int_eq(ts_start(&server, handler, NULL), 0);
	testkube_open(testkube_config(dir, server.port, "user-alice", "{token: t0k3n}"), &loop, &http, &kube);
}

static void teardown(void)
{
	testkube_close(loop, http, kube);
	ts_stop(&server);
	buf_release(&reqlog);
	file_remove_tree(dir, NULL);
}

START_TEST(write_reads_the_owner_then_creates)
{
	struct error err;
	struct record_write *w = record_write_start(kube, &nightly, done, NULL, &err);

	ck_assert_msg(w != NULL, "%s", err.msg);
	ck_assert(ts_wait(loop, &done_calls, 15000));
	ck_assert_int_eq(done_err.code, ERR_NONE);
	ck_assert(logged("GET /api/v1/namespaces/user-alice/secrets/sh.helm.release.v1.job-demo-4242.v1 "));
	ck_assert(logged("POST /api/v1/namespaces/user-alice/secrets application/json {\"apiVersion\":\"v1\""));
	ck_assert(logged("\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"Secret\","
			 "\"name\":\"sh.helm.release.v1.job-demo-4242.v1\",\"uid\":\"6b0f-uid\",\"controller\":true}]"));
	ck_assert(logged("\"friendlyName\":\"bmlnaHRseQ==\""));
	ck_assert(!logged("PATCH"));
}
END_TEST

START_TEST(write_patches_an_existing_record)
{
	struct error err;

	create_status = 409;
	ck_assert_ptr_nonnull(record_write_start(kube, &nightly, done, NULL, &err));
	ck_assert(ts_wait(loop, &done_calls, 15000));
	ck_assert_msg(done_err.code == ERR_NONE, "%s", done_err.msg);
	ck_assert(logged("PATCH /api/v1/namespaces/user-alice/secrets/sh.onyxia.release.v1.job-demo-4242 "
			 "application/merge-patch+json {\"metadata\":{\"ownerReferences\":"));
	ck_assert_int_eq(done_calls, 1);
}
END_TEST

START_TEST(write_without_owner_fails)
{
	struct error err;

	owner_status = 404;
	ck_assert_ptr_nonnull(record_write_start(kube, &nightly, done, NULL, &err));
	ck_assert(ts_wait(loop, &done_calls, 15000));
	ck_assert_int_eq(done_err.code, ERR_NOT_FOUND);
	ck_assert_msg(strstr(done_err.msg, "sh.helm.release.v1.job-demo-4242.v1") != NULL, "%s", done_err.msg);
	ck_assert(!logged("POST"));
}
END_TEST

START_TEST(write_cancelled_and_refused)
{
	struct record bad = nightly;
	struct error err;
	struct record_write *w = record_write_start(kube, &nightly, done, NULL, &err);
	int never = 0;

	ck_assert_ptr_nonnull(w);
	record_write_cancel(w);
	record_write_cancel(NULL);
	ts_wait(loop, &never, 300);
	ck_assert_int_eq(done_calls, 0);
	bad.namespace = NULL;
	ck_assert_ptr_null(record_write_start(kube, &bad, done, NULL, &err));
	ck_assert_int_eq(err.code, ERR_INVALID);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("catalog_record");
	TCase *tc = tcase_create("objects");
	TCase *tw = tcase_create("write");

	tcase_add_test(tc, secret_as_onyxia_writes_it);
	tcase_add_test(tc, patch_sets_only_what_is_given);
	tcase_add_test(tc, kubectl_line);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tw, setup, teardown);
	tcase_set_timeout(tw, 60);
	tcase_add_test(tw, write_reads_the_owner_then_creates);
	tcase_add_test(tw, write_patches_an_existing_record);
	tcase_add_test(tw, write_without_owner_fails);
	tcase_add_test(tw, write_cancelled_and_refused);
	suite_add_tcase(s, tw);
	return s;
}

TEST_MAIN(suite)
