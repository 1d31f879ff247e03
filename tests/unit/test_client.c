/*
 * test_client.c: kube/client against a fake API server in-process:
 * paged lists (and an expired continue token), Status bodies turned into
 * sentences for 401/403/404/409/410/429/5xx, an HTML proxy page, bad
 * JSON, and an exec plugin whose first token is refused (rerun on 401).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/kube/client.h"
#include "testkube.h"
#include "testserver.h"
#include "testutil.h"

static char dir[64];
static struct ts server;
static struct loop *loop;
static struct http *http;
static struct kube *kube;
static int expired_sent;

static enum MHD_Result pods_page(struct MHD_Connection *c, const char *cont)
{
	char body[512];
	int page = !cont ? 1 : strcmp(cont, "tok/1=") == 0 ? 2 : strcmp(cont, "tok2") == 0 ? 3 : 0;

	if (cont && strcmp(cont, "expired") == 0)
		return ts_reply_str(c, 410, "application/json",
				    "{\"kind\":\"Status\",\"status\":\"Failure\",\"reason\":\"Expired\",\"code\":410,"
				    "\"message\":\"The provided continue parameter is too old\"}");
	if (!page)
		return ts_reply_str(c, 400, "application/json", "{\"kind\":\"Status\",\"message\":\"bad continue\",\"code\":400}");
	snprintf(body, sizeof(body),
		 "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"%d\"%s%s%s},"
		 "\"items\":[{\"metadata\":{\"name\":\"p%d\"}},{\"metadata\":{\"name\":\"q%d\"}}]}",
		 100 + page, page < 3 ? ",\"continue\":\"" : "", page == 1 ? "tok/1=" : page == 2 ? "tok2" : "",
		 page < 3 ? "\",\"remainingItemCount\":4" : "", page, page);
	return ts_reply_str(c, 200, "application/json", body);
}

static enum MHD_Result handler(const struct ts_req *rq, void *arg)
{
	struct MHD_Connection *c = rq->conn;
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");

	(void)arg;
	if (strcmp(rq->path, "/secure") == 0) {
		if (!auth || strcmp(auth, "Bearer good") != 0)
			return ts_reply_str(c, 401, "application/json",
					    "{\"kind\":\"Status\",\"reason\":\"Unauthorized\",\"code\":401,\"message\":\"Unauthorized\"}");
		return ts_reply_str(c, 200, "application/json", "{\"ok\":true}");
	}
	if (strcmp(rq->path, "/api/v1/namespaces/ns/pods") == 0) {
		const char *cont = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "continue");
		const char *limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
		const char *sel = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "labelSelector");

		if (!limit || strcmp(limit, "500") != 0 || !sel || strcmp(sel, "owner=helm") != 0)
			return ts_reply_str(c, 400, "application/json", "{\"kind\":\"Status\",\"code\":400}");
		if (cont && strcmp(cont, "tok2") == 0 && !expired_sent++)
			cont = "expired";
		return pods_page(c, cont);
	}
	if (strcmp(rq->path, "/api/v1/nodes") == 0)
		return ts_reply_testdata(c, 403, "application/json", "kube/derived/status-403-forbidden.json");
	if (strcmp(rq->path, "/api/v1/namespaces/user-alice/pods") == 0)
		return ts_reply_str(c, 403, "application/json",
				    "{\"kind\":\"Status\",\"reason\":\"Forbidden\",\"code\":403,\"message\":"
				    "\"pods is forbidden: User \\\"bob\\\" cannot list resource \\\"pods\\\"\"}");
	if (strcmp(rq->path, "/api/v1/namespaces/ns/pods/nope") == 0)
		return ts_reply_testdata(c, 404, "application/json", "kube/derived/status-404-notfound.json");
	if (strcmp(rq->path, "/api/v1/namespaces/ns/configmaps") == 0)
		return ts_reply_str(c, 409, "application/json",
				    "{\"kind\":\"Status\",\"reason\":\"AlreadyExists\",\"code\":409,"
				    "\"message\":\"configmaps \\\"x\\\" already exists\"}");
	if (strcmp(rq->path, "/api/v1/namespaces/ns/resourcequotas") == 0)
		return ts_reply_str(c, 403, "application/json",
				    "{\"kind\":\"Status\",\"reason\":\"Forbidden\",\"code\":403,"
				    "\"message\":\"exceeded quota: q, requested: cpu=2, used: cpu=1, limited: cpu=2\"}");
	if (strcmp(rq->path, "/api/v1/services") == 0)
		return ts_reply_testdata(c, 410, "application/json", "kube/derived/status-410-expired.json");
	if (strcmp(rq->path, "/api/v1/secrets") == 0) {
		struct MHD_Response *r = MHD_create_response_from_buffer(2, (void *)"{}", MHD_RESPMEM_PERSISTENT);
		enum MHD_Result ret;

		MHD_add_response_header(r, "Retry-After", "7");
		ret = MHD_queue_response(c, 429, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (strcmp(rq->path, "/api/v1/events") == 0)
		return ts_reply_str(c, 503, "application/json",
				    "{\"kind\":\"Status\",\"reason\":\"ServiceUnavailable\",\"code\":503,\"message\":\"etcd \\u001b[2Jdown\"}");
	if (strcmp(rq->path, "/api/v1/namespaces") == 0)
		return ts_reply_testdata(c, 502, "text/html", "hostile/kube/status-not-json.html");
	if (strcmp(rq->path, "/api/v1/endpoints") == 0)
		return ts_reply_testdata(c, 500, "application/json", "hostile/kube/status-huge-message.json");
	if (strcmp(rq->path, "/api/v1/badjson") == 0)
		return ts_reply_str(c, 200, "application/json", "{\"kind\":\"PodList\",\"items\":[");
	if (strcmp(rq->path, "/api/v1/namespaces/ns/pods/p1") == 0) {
		char *body = xasprintf("{\"method\":\"%s\",\"got\":%.*s}", rq->method,
				       rq->body_len ? (int)rq->body_len : 4, rq->body_len ? rq->body : "null");
		enum MHD_Result ret = ts_reply_str(c, 200, "application/json", body);

		free(body);
		return ret;
	}
	return ts_reply_str(c, 404, "text/plain", "404 page not found\n");
}

/* config: user_yaml is the user's block, indented under "user:" */
static struct kubeconfig *config(const char *user_yaml)
{
	char *user = xasprintf("\n%s", user_yaml);
	struct kubeconfig *kc = testkube_config(dir, server.port, "ns", user);

	free(user);
	return kc;
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/dl-client-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(ts_start(&server, handler, NULL), 0);
	testkube_open(config("    token: good\n"), &loop, &http, &kube);
	expired_sent = 0;
}

static void teardown(void)
{
	testkube_close(loop, http, kube);
	ts_stop(&server);
	file_remove_tree(dir, NULL);
}

struct result {
	int done;
	struct error err;
	cJSON *body;
	long retry_after;
};

static void on_done(struct kube_call *c, cJSON *body, const struct error *err, void *arg)
{
	struct result *r = arg;

	(void)body;
	r->done = 1;
	r->err = *err;
	r->body = kube_call_take_body(c);
	r->retry_after = kube_call_retry_after(c);
	kube_cancel(c);		/* a no-op inside the callback */
}

static void call(const char *method, const char *path, const char *body, struct result *r)
{
	struct kube_req rq = { .method = method, .path = path, .body = body, .body_len = body ? strlen(body) : 0 };
	struct error err;

	memset(r, 0, sizeof(*r));
	ck_assert_ptr_nonnull(kube_call(kube, &rq, on_done, r, &err));
	ck_assert(ts_wait(loop, &r->done, 5000));
}

static const struct {
	const char *method, *path;
	int code, status;
	const char *msg;
} errors[] = {
	{ "GET", "/api/v1/nodes", ERR_FORBIDDEN, 403, "not allowed to list 'nodes'" },
	{ "GET", "/api/v1/namespaces/user-alice/pods", ERR_FORBIDDEN, 403, "not allowed to list 'pods' in 'user-alice'" },
	{ "POST", "/api/v1/namespaces/ns/resourcequotas", ERR_FORBIDDEN, 403,
	  "exceeded quota: q, requested: cpu=2, used: cpu=1, limited: cpu=2" },
	{ "GET", "/api/v1/namespaces/ns/pods/nope", ERR_NOT_FOUND, 404, "pods \"nope\" not found" },
	{ "GET", "/api/v1/namespaces/ns/secrets/gone", ERR_NOT_FOUND, 404, "secrets 'gone' not found in 'ns'" },
	{ "POST", "/api/v1/namespaces/ns/configmaps", ERR_CONFLICT, 409, "configmaps \"x\" already exists" },
	{ "GET", "/api/v1/services", ERR_GONE, 410, "too old resource version: 611000 (611950)" },
	{ "GET", "/api/v1/secrets", ERR_HTTP, 429, "the API server is busy (429 TooManyRequests)" },
	{ "GET", "/api/v1/events", ERR_HTTP, 503, "the API server failed (503 ServiceUnavailable): etcd down" },
	{ "GET", "/api/v1/namespaces", ERR_HTTP, 502, "unexpected HTML reply (502) from '127.0.0.1:" },
	{ "GET", "/api/v1/endpoints", ERR_HTTP, 500, "the API server failed (500 InternalError): xxxx" },
	{ "GET", "/api/v1/badjson", ERR_PARSE, 200, "the API server sent bad JSON for '/api/v1/badjson'" },
};

START_TEST(test_errors)
{
	struct result r;

	call(errors[_i].method, errors[_i].path, errors[_i].method[0] == 'P' ? "{}" : NULL, &r);
	ck_assert_msg(r.err.code == errors[_i].code, "%s: code %d (%s)", errors[_i].path, r.err.code, r.err.msg);
	ck_assert_int_eq(r.err.status, errors[_i].status);
	ck_assert_msg(strstr(r.err.msg, errors[_i].msg) != NULL, "%s: '%s'", errors[_i].path, r.err.msg);
	/* nothing from the remote reaches a message raw */
	for (const char *p = r.err.msg; *p; p++)
		ck_assert_int_ge((unsigned char)*p, 0x20);
	ck_assert_ptr_null(r.body);
	if (errors[_i].status == 429)
		ck_assert_int_eq(r.retry_after, 7);
}
END_TEST

START_TEST(test_body_methods)
{
	struct result r;

	call("PATCH", "/api/v1/namespaces/ns/pods/p1", "{\"a\":1}", &r);
	ck_assert_int_eq(r.err.code, ERR_NONE);
	ck_assert_int_eq(r.err.status, 200);
	ck_assert_str_eq(json_str(r.body, "method", ""), "PATCH");
	ck_assert_int_eq(json_int(r.body, "got.a", 0), 1);
	cJSON_Delete(r.body);
	call("DELETE", "/api/v1/namespaces/ns/pods/p1", NULL, &r);
	ck_assert_msg(r.err.code == ERR_NONE, "%s", r.err.msg);
	ck_assert_str_eq(json_str(r.body, "method", ""), "DELETE");
	cJSON_Delete(r.body);
}
END_TEST

struct list_result {
	int done;
	struct error err;
	cJSON *list;
	int pages;
};

static void on_list(struct kube_list *l, cJSON *list, const struct error *err, void *arg)
{
	struct list_result *r = arg;

	r->done = 1;
	r->err = *err;
	r->list = list;
	r->pages = kube_list_pages(l);
	kube_list_cancel(l);	/* a no-op inside the callback */
}

START_TEST(test_list_paging)
{
	struct list_result r = { 0 };
	struct error err;
	char *names;
	const cJSON *it;
	struct buf b = BUF_INIT;

	expired_sent = 1;	/* no expired token this time */
	ck_assert_ptr_nonnull(kube_list_start(kube, "/api/v1/namespaces/ns/pods", "labelSelector=owner%3Dhelm", on_list,
					      &r, &err));
	ck_assert(ts_wait(loop, &r.done, 5000));
	ck_assert_msg(r.err.code == ERR_NONE, "%s", r.err.msg);
	ck_assert_int_eq(r.pages, 3);
	cJSON_ArrayForEach(it, json_get(r.list, "items"))
		buf_addf(&b, "%s ", json_str(it, "metadata.name", "?"));
	ck_assert_str_eq(b.data, "p1 q1 p2 q2 p3 q3 ");
	ck_assert_str_eq(json_str(r.list, "metadata.resourceVersion", ""), "103");
	ck_assert_ptr_null(json_get(r.list, "metadata.continue"));
	ck_assert_str_eq(json_str(r.list, "kind", ""), "PodList");
	names = cJSON_PrintUnformatted(r.list);
	free(names);
	cJSON_Delete(r.list);
	buf_release(&b);
}
END_TEST

START_TEST(test_list_expired_continue_restarts)
{
	struct list_result r = { 0 };
	struct error err;

	ck_assert_ptr_nonnull(kube_list_start(kube, "/api/v1/namespaces/ns/pods", "labelSelector=owner%3Dhelm", on_list,
					      &r, &err));
	ck_assert(ts_wait(loop, &r.done, 5000));
	ck_assert_msg(r.err.code == ERR_NONE, "%s", r.err.msg);
	ck_assert_int_eq(cJSON_GetArraySize(json_get(r.list, "items")), 6);
	ck_assert_int_eq(r.pages, 5);	/* 2 pages, a 410, then 3 pages */
	cJSON_Delete(r.list);
}
END_TEST

START_TEST(test_list_error_and_cancel)
{
	struct list_result r = { 0 };
	struct error err;
	struct kube_list *l;
	int never = 0;

	ck_assert_ptr_nonnull(kube_list_start(kube, "/api/v1/nodes", NULL, on_list, &r, &err));
	ck_assert(ts_wait(loop, &r.done, 5000));
	ck_assert_int_eq(r.err.code, ERR_FORBIDDEN);
	ck_assert_ptr_null(r.list);
	memset(&r, 0, sizeof(r));
	l = kube_list_start(kube, "/api/v1/namespaces/ns/pods", "labelSelector=owner%3Dhelm", on_list, &r, &err);
	kube_list_cancel(l);
	ts_wait(loop, &never, 200);
	ck_assert_int_eq(r.done, 0);
}
END_TEST

START_TEST(test_exec_plugin_rerun_on_401)
{
	/* the plugin hands out "bad" first, then "good" */
	char *script = xasprintf("#!/bin/sh\nif [ -f %s/ran ]; then t=good; else t=bad; touch %s/ran; fi\n"
				 "echo \"run\" >> %s/runs\n"
				 "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
				 "\"status\":{\"token\":\"'$t'\"}}'\n", dir, dir, dir);
	char *sh = file_join(dir, "plugin.sh"), *runs = file_join(dir, "runs");
	FILE *f = fopen(sh, "w");
	struct result r, r2;
	struct kube_req rq = { .path = "/secure" };
	struct error err;
	struct buf b = BUF_INIT;
	char *user;

	fputs(script, f);
	fclose(f);
	chmod(sh, 0755);
	user = xasprintf("    exec: {apiVersion: client.authentication.k8s.io/v1, command: %s, interactiveMode: Never}\n", sh);
	kube_free(kube);
	kube = kube_new(loop, http, config(user));
	/* two calls queue behind one plugin run */
	memset(&r, 0, sizeof(r));
	memset(&r2, 0, sizeof(r2));
	ck_assert_ptr_nonnull(kube_call(kube, &rq, on_done, &r, &err));
	ck_assert_ptr_nonnull(kube_call(kube, &rq, on_done, &r2, &err));
	ck_assert(ts_wait(loop, &r.done, 5000));
	ck_assert(ts_wait(loop, &r2.done, 5000));
	ck_assert_msg(r.err.code == ERR_NONE, "%s", r.err.msg);
	ck_assert_msg(r2.err.code == ERR_NONE, "%s", r2.err.msg);
	ck_assert(cJSON_IsTrue(json_get(r.body, "ok")));
	cJSON_Delete(r.body);
	cJSON_Delete(r2.body);
	ck_assert_int_eq(file_read(runs, &b, NULL), 0);
	ck_assert_str_eq(b.data, "run\nrun\n");
	/* the cached token serves the next call without a run */
	call("GET", "/secure", NULL, &r);
	ck_assert_int_eq(r.err.code, ERR_NONE);
	cJSON_Delete(r.body);
	buf_reset(&b);
	file_read(runs, &b, NULL);
	ck_assert_str_eq(b.data, "run\nrun\n");
	buf_release(&b);
	free(script);
	free(sh);
	free(runs);
	free(user);
}
END_TEST

START_TEST(test_401_static_token)
{
	struct result r;

	kube_free(kube);
	kube = kube_new(loop, http, config("    token: wrong\n"));
	call("GET", "/secure", NULL, &r);
	ck_assert_int_eq(r.err.code, ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(r.err.msg, "refused the credentials (401 Unauthorized)"));
}
END_TEST

START_TEST(test_path_parse)
{
	char ns[64], res[64], name[64];

	kube_path_parse("/api/v1/namespaces/a/pods/b/exec?command=sh", ns, res, name);
	ck_assert_str_eq(ns, "a");
	ck_assert_str_eq(res, "pods/exec");
	ck_assert_str_eq(name, "b");
	kube_path_parse("/apis/apps/v1/namespaces/x/deployments", ns, res, name);
	ck_assert_str_eq(ns, "x");
	ck_assert_str_eq(res, "deployments");
	ck_assert_str_eq(name, "");
	kube_path_parse("/api/v1/namespaces/x", ns, res, name);
	ck_assert_str_eq(ns, "");
	ck_assert_str_eq(res, "namespaces");
	ck_assert_str_eq(name, "x");
	kube_path_parse("/apis/metrics.k8s.io/v1beta1/nodes", ns, res, name);
	ck_assert_str_eq(res, "nodes");
	kube_path_parse("/version", ns, res, name);
	ck_assert_str_eq(res, "");
}
END_TEST

static Suite *client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_errors, 0, DL_ARRAY_LEN(errors));
	tcase_add_test(tc, test_body_methods);
	tcase_add_test(tc, test_list_paging);
	tcase_add_test(tc, test_list_expired_continue_restarts);
	tcase_add_test(tc, test_list_error_and_cancel);
	tcase_add_test(tc, test_exec_plugin_rerun_on_401);
	tcase_add_test(tc, test_401_static_token);
	tcase_add_test(tc, test_path_parse);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(client_suite)
