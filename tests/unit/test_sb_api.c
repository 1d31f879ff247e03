/* test_sb_api.c: the API server in process, on the core loop, with a
 * blocking client in a thread: discovery, create/get/list, Tables, auth,
 * body limits, and a watch fed by a write made on the loop. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/loop.h"
#include "datalab/core/mem.h"
#include "datalab/sandbox/api.h"
#include "datalab/sandbox/authz.h"
#include "datalab/sandbox/bootstrap.h"
#include "datalab/sandbox/gc.h"
#include "datalab/sandbox/watchers.h"
#include "testsandbox.h"

static void setup(void)
{
	struct api_config cfg = { .bind = "127.0.0.1", .token = "secret-token", .max_body = 4096 };

	testsandbox_start("sbapi", &cfg, false);
}

static void teardown(void)
{
	testsandbox_stop();
}

struct call {
	const char *method, *path, *body, *ctype, *accept, *token;
	long code;
	struct buf out;
	int done;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	buf_add(arg, p, size * n);
	return size * n;
}

static void *client(void *arg)
{
	struct call *c = arg;
	CURL *h = curl_easy_init();
	struct curl_slist *hs = NULL;
	char *url = xasprintf("%s%s", api_url(api), c->path), *auth;

	auth = xasprintf("Authorization: Bearer %s", c->token ? c->token : "secret-token");
	hs = curl_slist_append(hs, auth);
	if (c->ctype) {
		char *h2 = xasprintf("Content-Type: %s", c->ctype);

		hs = curl_slist_append(hs, h2);
		free(h2);
	}
	if (c->accept) {
		char *h2 = xasprintf("Accept: %s", c->accept);

		hs = curl_slist_append(hs, h2);
		free(h2);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &c->out);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	if (c->body)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body);
	curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->code);
	curl_slist_free_all(hs);
	curl_easy_cleanup(h);
	free(url);
	free(auth);
	__atomic_store_n(&c->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* call: runs the request in a thread while the loop serves it. */
static cJSON *call(struct call *c)
{
	pthread_t t;
	int i;

	buf_init(&c->out, 0);
	c->done = 0;
	pthread_create(&t, NULL, client, c);
	for (i = 0; i < 1000 && !__atomic_load_n(&c->done, __ATOMIC_SEQ_CST); i++)
		loop_run_once(loop, 10);
	pthread_join(t, NULL);
	return cJSON_ParseWithLength(c->out.data, c->out.len);
}

static cJSON *req(const char *method, const char *path, const char *body, long want)
{
	struct call c = { .method = method, .path = path, .body = body,
			  .ctype = body ? "application/json" : NULL };
	cJSON *o = call(&c);

	ck_assert_msg(c.code == want, "%s %s: %ld, want %ld: %s", method, path, c.code, want, c.out.data);
	buf_release(&c.out);
	return o;
}

START_TEST(test_discovery)
{
	cJSON *o = req("GET", "/version", NULL, 200);
	const cJSON *r;
	bool status = false, scale = false;

	ck_assert_str_eq(json_str(o, "gitVersion", ""), "v1.34.0");
	cJSON_Delete(o);
	o = req("GET", "/apis/apps/v1", NULL, 200);
	cJSON_ArrayForEach(r, json_get(o, "resources")) {
		if (strcmp(json_str(r, "name", ""), "deployments/status") == 0)
			status = true;
		if (strcmp(json_str(r, "name", ""), "deployments/scale") == 0)
			scale = strcmp(json_str(r, "kind", ""), "Scale") == 0 &&
				strcmp(json_str(r, "group", ""), "autoscaling") == 0;
	}
	ck_assert(status && scale);
	cJSON_Delete(o);
	o = req("GET", "/apis", NULL, 200);
	ck_assert_str_eq(json_str(o, "kind", ""), "APIGroupList");
	cJSON_Delete(o);
	o = req("GET", "/openapi/v3", NULL, 200);
	ck_assert_ptr_nonnull(json_get_key(json_get(o, "paths"), "apis/apps/v1"));
	cJSON_Delete(o);
	o = req("GET", "/openapi/v3/apis/apps/v1", NULL, 200);
	r = json_get_key(json_get(o, "paths"), "/apis/apps/v1/namespaces/{namespace}/deployments/{name}");
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(json_str(r, "patch.x-kubernetes-group-version-kind.kind", ""), "Deployment");
	ck_assert_str_eq(json_str(r, "patch.parameters.2.name", ""), "fieldValidation");
	cJSON_Delete(o);
	o = req("GET", "/apis/nope/v1", NULL, 404);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_crud_and_table)
{
	cJSON *o = req("POST", "/api/v1/namespaces/user-alice/configmaps",
		       "{\"metadata\":{\"name\":\"a\"},\"data\":{\"k\":\"v\"}}", 201);
	struct call c = { .method = "GET", .path = "/api/v1/namespaces/user-alice/configmaps",
			  .accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" };

	ck_assert_str_eq(json_str(o, "metadata.namespace", ""), "user-alice");
	cJSON_Delete(o);
	o = req("GET", "/api/v1/namespaces/user-alice/configmaps/a", NULL, 200);
	ck_assert_str_eq(json_str(o, "data.k", ""), "v");
	cJSON_Delete(o);
	o = req("GET", "/api/v1/configmaps", NULL, 200);
	ck_assert_str_eq(json_str(o, "kind", ""), "ConfigMapList");
	ck_assert_str_eq(json_str(o, "items.0.metadata.name", ""), "a");
	cJSON_Delete(o);
	o = call(&c);
	ck_assert_int_eq(c.code, 200);
	ck_assert_str_eq(json_str(o, "kind", ""), "Table");
	ck_assert_str_eq(json_str(o, "columnDefinitions.1.name", ""), "Data");
	ck_assert_int_eq(json_int(o, "rows.0.cells.1", 0), 1);
	buf_release(&c.out);
	cJSON_Delete(o);
	o = req("DELETE", "/api/v1/namespaces/user-alice/configmaps/a", NULL, 200);
	cJSON_Delete(o);
	o = req("GET", "/api/v1/namespaces/user-alice/configmaps/a", NULL, 404);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_auth_and_limits)
{
	struct call c = { .method = "GET", .path = "/api/v1/namespaces", .token = "wrong" };
	char big[8192];
	cJSON *o = call(&c);

	ck_assert_int_eq(c.code, 401);
	ck_assert_str_eq(json_str(o, "reason", ""), "Unauthorized");
	buf_release(&c.out);
	cJSON_Delete(o);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	o = req("POST", "/api/v1/namespaces/user-alice/configmaps", big, 413);
	ck_assert_str_eq(json_str(o, "reason", ""), "RequestEntityTooLarge");
	cJSON_Delete(o);
}
END_TEST

static long write_later(struct loop *l, void *arg)
{
	struct status s;
	const struct kind *k = kinds_find_storage(ks, "", "configmaps");

	(void)l;
	(void)arg;
	status_init(&s);
	ck_assert_int_eq(store_create(st, k, "user-alice", cJSON_Parse("{\"metadata\":{\"name\":\"w\"}}"),
				      NULL, NULL, &s), 0);
	return LOOP_NOMORE;
}

START_TEST(test_watch)
{
	char path[160];
	struct call c = { .method = "GET" };
	cJSON *ev;
	char *nl;

	snprintf(path, sizeof(path), "/api/v1/namespaces/user-alice/configmaps?watch=true&resourceVersion=%llu"
		 "&timeoutSeconds=1&allowWatchBookmarks=true", (unsigned long long)store_rv(st));
	c.path = path;
	loop_add_timer(loop, 200, write_later, NULL);
	cJSON_Delete(call(&c));
	ck_assert_int_eq(c.code, 200);
	nl = strchr(c.out.data, '\n');
	ck_assert_ptr_nonnull(nl);
	ev = cJSON_ParseWithLength(c.out.data, (size_t)(nl - c.out.data));
	ck_assert_str_eq(json_str(ev, "type", ""), "ADDED");
	ck_assert_str_eq(json_str(ev, "object.metadata.name", ""), "w");
	cJSON_Delete(ev);
	buf_release(&c.out);
	ck_assert_uint_eq(watchers_count(api_watchers(api)), 0);	/* freed after the timeout */
}
END_TEST

static int on_log(struct api_req *rq, void *arg)
{
	char *body = xasprintf("log of %s/%s via %s\n", rq->ns, rq->name, (const char *)arg);

	return api_reply_take(rq, 200, "text/plain", body, strlen(body));
}

START_TEST(test_subresource_route)
{
	struct call c = { .method = "GET", .path = "/api/v1/namespaces/user-alice/pods/p1/log" };
	cJSON *o, *r;
	bool listed = false;

	api_add_subresource(api, "", "pods", "log", "get", NULL, on_log, "part2");
	o = req("GET", "/api/v1", NULL, 200);
	cJSON_ArrayForEach(r, json_get(o, "resources"))
		if (strcmp(json_str(r, "name", ""), "pods/log") == 0)
			listed = strcmp(json_str(r, "kind", ""), "Pod") == 0;
	ck_assert(listed);
	cJSON_Delete(o);
	/* the object must exist first: 404 from the generic layer */
	o = req("GET", "/api/v1/namespaces/user-alice/pods/p1/log", NULL, 404);
	ck_assert_str_eq(json_str(o, "message", ""), "pods \"p1\" not found");
	cJSON_Delete(o);
	o = req("POST", "/api/v1/namespaces/user-alice/pods",
		"{\"metadata\":{\"name\":\"p1\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}",
		201);
	cJSON_Delete(o);
	cJSON_Delete(call(&c));
	ck_assert_int_eq(c.code, 200);
	ck_assert_str_eq(c.out.data, "log of user-alice/p1 via part2\n");
	buf_release(&c.out);
}
END_TEST

/* a user kept to its namespace: each verb refused elsewhere with RBAC's
 * sentence; its namespace open; JSON access reviews answered for it */
static const char *as_student(const char *method, const char *path, const char *body, long want)
{
	static char msg[512];
	struct call c = { .method = method, .path = path, .body = body, .token = "student-token",
			  .ctype = body ? "application/json" : NULL };
	cJSON *o = call(&c);

	ck_assert_msg(c.code == want, "%s %s: %ld, want %ld: %s", method, path, c.code, want, c.out.data);
	str_copy(msg, json_str(o, "message", json_str(o, "status.reason", "")), sizeof(msg));
	if (want == 403)
		ck_assert_str_eq(json_str(o, "reason", ""), "Forbidden");
	if (json_get(o, "status.allowed"))
		str_copy(msg, cJSON_IsTrue(json_get(o, "status.allowed")) ? "allowed" : "denied", sizeof(msg));
	cJSON_Delete(o);
	buf_release(&c.out);
	return msg;
}

START_TEST(test_scoped_user)
{
	static const char *const sentences[][4] = {
		{ "GET", "/api/v1/pods", NULL,
		  "pods is forbidden: User \"s1\" cannot list resource \"pods\" in API group \"\" at the cluster scope" },
		{ "GET", "/api/v1/namespaces/default/pods?watch=true", NULL,
		  "pods is forbidden: User \"s1\" cannot watch resource \"pods\" in API group \"\" in the namespace \"default\"" },
		{ "DELETE", "/apis/apps/v1/namespaces/default/deployments", NULL,
		  "deployments.apps is forbidden: User \"s1\" cannot deletecollection resource \"deployments\" in API group "
		  "\"apps\" in the namespace \"default\"" },
		{ "PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale", "{}",
		  "deployments.apps \"web\" is forbidden: User \"s1\" cannot patch resource \"deployments/scale\" in API "
		  "group \"apps\" in the namespace \"default\"" },
		{ "DELETE", "/api/v1/namespaces/user-s1", NULL,
		  "namespaces \"user-s1\" is forbidden: User \"s1\" cannot delete resource \"namespaces\" in API group "
		  "\"\" at the cluster scope" },
		{ "GET", "/sub/thing", NULL, "forbidden: User \"s1\" cannot get path \"/sub/thing\"" },
	};

	api_add_user(api, "student-token", "s1", "user-s1");
	api_add_route(api, "/sub", 0, on_log, NULL);
	authz_register(api);
	for (size_t i = 0; i < DL_ARRAY_LEN(sentences); i++)
		ck_assert_str_eq(as_student(sentences[i][0], sentences[i][1], sentences[i][2], 403), sentences[i][3]);
	/* its own namespace: the object to read, everything inside */
	as_student("GET", "/api/v1/namespaces/user-s1", NULL, 404);
	as_student("GET", "/api/v1/namespaces/user-s1/configmaps", NULL, 200);
	as_student("GET", "/version", NULL, 200);
	as_student("GET", "/apis/apps/v1", NULL, 200);
	/* access reviews in JSON: nodes are cluster-scoped whatever the namespace */
	ck_assert_str_eq(as_student("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
				    "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
				    "\"spec\":{\"resourceAttributes\":{\"namespace\":\"user-s1\",\"verb\":\"list\","
				    "\"resource\":\"pods\"}}}", 201), "allowed");
	ck_assert_str_eq(as_student("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
				    "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
				    "\"spec\":{\"resourceAttributes\":{\"namespace\":\"user-s1\",\"verb\":\"list\","
				    "\"resource\":\"nodes\"}}}", 201), "denied");
	/* the sandbox's own user is not scoped */
	cJSON_Delete(req("GET", "/api/v1/pods", NULL, 200));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sb_api");
	TCase *tc = tcase_create("api");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_discovery);
	tcase_add_test(tc, test_crud_and_table);
	tcase_add_test(tc, test_auth_and_limits);
	tcase_add_test(tc, test_watch);
	tcase_add_test(tc, test_subresource_route);
	tcase_add_test(tc, test_scoped_user);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
