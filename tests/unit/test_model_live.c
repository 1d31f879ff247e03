/*
 * test_model_live.c: the live connection on the real client stack
 * (kube/client, kube/informer, kube/metrics, net/http, the loop) against
 * an in-process API server serving ../shared/testdata/kube objects and a
 * release Secret made by the real helm: the models fill, the title's
 * quota and freshness follow, a 403 on a cluster-wide list stops that
 * informer for good (no retries), the namespace switch moves every
 * watch, and the actions send what the API expects.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "testserver.h"
#include "testjson.h"
#include "testrelease.h"

#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/kube/client.h"
#include "datalab/kube/kubeconfig.h"
#include "datalab/model/live.h"
#include "datalab/net/http.h"

static struct ts server;
static struct loop *loop;
static struct http *http;
static struct kube *kube;
static struct live *live;
static char dir[64];
static cJSON *secret_gpu, *secret_other;	/* releases in user-alice and projet-demo */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct buf reqlog;	/* "METHOD path body\n" of every write, and every GET path */
static atomic_int stopping;
static atomic_int ns_lists;	/* LISTs of /api/v1/namespaces */
static atomic_int slow_lists;	/* LISTs of pods and nodes answered 1 s late */
static atomic_int refuse_all;	/* LISTs across namespaces answered 403 */
static atomic_int metrics_all_calls;	/* refused cluster-wide metrics requests */
static unsigned changes;

/* ---- the API server ---- */

static ssize_t hold_read(void *cls, uint64_t pos, char *b, size_t max)
{
	(void)cls;
	(void)pos;
	(void)b;
	(void)max;
	while (!atomic_load(&stopping))
		usleep(5000);
	return MHD_CONTENT_READER_END_WITH_ERROR;
}

static enum MHD_Result hold(struct MHD_Connection *c)
{
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, hold_read, NULL, NULL);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* load_kube: a file of TESTDATA/kube. */
static cJSON *load_kube(const char *rel)
{
	char *path = xasprintf("kube/%s", rel);
	cJSON *j = test_load_json(path);

	free(path);
	return j;
}

/* list_of: the items of a testdata list in namespace ns (NULL: all). */
static char *list_of(const char *file, const char *ns, const cJSON *extra, const cJSON *extra2)
{
	cJSON *src = file ? load_kube(file) : NULL, *out = cJSON_CreateObject(), *items, *it;
	const cJSON *from = src ? cJSON_GetObjectItem(src, "items") : NULL;
	char *text;

	cJSON_AddStringToObject(out, "kind", "List");
	json_set_path(out, "metadata.resourceVersion", cJSON_CreateString("100"));
	items = cJSON_AddArrayToObject(out, "items");
	cJSON_ArrayForEach(it, from)
		if (!ns || str_eq(json_str(it, "metadata.namespace", ""), ns))
			cJSON_AddItemToArray(items, cJSON_Duplicate(it, 1));
	if (extra && (!ns || str_eq(json_str(extra, "metadata.namespace", ""), ns)))
		cJSON_AddItemToArray(items, cJSON_Duplicate(extra, 1));
	if (extra2 && (!ns || str_eq(json_str(extra2, "metadata.namespace", ""), ns)))
		cJSON_AddItemToArray(items, cJSON_Duplicate(extra2, 1));
	text = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	cJSON_Delete(src);
	return text;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, char *text)
{
	enum MHD_Result r = ts_reply_str(c, status, "application/json", text);

	free(text);
	return r;
}

static enum MHD_Result handler(const struct ts_req *rq, void *arg)
{
	const char *watch = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "watch");
	char ns[64] = "", res[64] = "", name[64] = "";
	const char *p = rq->path;

	(void)arg;
	pthread_mutex_lock(&mu);
	buf_addf(&reqlog, "%s %s %.*s\n", rq->method, p, (int)rq->body_len, rq->body ? rq->body : "");
	pthread_mutex_unlock(&mu);
	if (strcmp(rq->method, "GET") != 0)
		return reply_json(rq->conn, strcmp(rq->method, "POST") == 0 ? 201 : 200, xstrdup("{}"));
	if (str_eq(p, "/metrics/dcgm"))	/* the sandbox's DCGM-shaped page */
		return ts_reply_str(rq->conn, 200, "text/plain",
				    "# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n"
				    "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",Hostname=\"gpu-node-1\",container=\"c\","
				    "namespace=\"user-alice\",pod=\"jupyter-pytorch-gpu-0\"} 87\n"
				    "DCGM_FI_DEV_GPU_UTIL{gpu=\"1\",Hostname=\"gpu-node-1\"} 0\n");
	if (str_has_prefix(p, "/apis/metrics.k8s.io/v1beta1/") && atomic_load(&refuse_all) && !strstr(p, "/namespaces/")) {
		atomic_fetch_add(&metrics_all_calls, 1);
		return reply_json(rq->conn, 403, xstrdup("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
			"\"message\":\"pods.metrics.k8s.io is forbidden\",\"reason\":\"Forbidden\",\"code\":403}"));
	}
	if (str_has_prefix(p, "/apis/metrics.k8s.io/v1beta1/")) {
		cJSON *m = load_kube(strstr(p, "/nodes") ? "derived/nodemetricslist.json" : "derived/podmetricslist.json");
		char *text = cJSON_PrintUnformatted(m);

		cJSON_Delete(m);
		return reply_json(rq->conn, 200, text);
	}
	kube_path_parse(p, ns, res, name);
	if (watch && strcmp(watch, "true") == 0)
		return hold(rq->conn);
	if (atomic_load(&slow_lists) && (str_eq(res, "pods") || str_eq(res, "nodes")))
		usleep(1000 * 1000);
	if (str_eq(res, "namespaces") && !ns[0]) {
		atomic_fetch_add(&ns_lists, 1);
		return reply_json(rq->conn, 403, xstrdup("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
			"\"message\":\"namespaces is forbidden: User \\\"alice\\\" cannot list resource \\\"namespaces\\\" "
			"in API group \\\"\\\" at the cluster scope\",\"reason\":\"Forbidden\",\"code\":403}"));
	}
	if (atomic_load(&refuse_all) && !ns[0] && !str_eq(res, "namespaces") && !str_eq(res, "nodes"))
		return reply_json(rq->conn, 403, xasprintf("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":"
			"\"Failure\",\"message\":\"%s is forbidden: User \\\"alice\\\" cannot list resource \\\"%s\\\" "
			"in API group \\\"\\\" at the cluster scope\",\"reason\":\"Forbidden\",\"code\":403}", res, res));
	if (str_eq(res, "secrets"))
		return reply_json(rq->conn, 200, list_of(NULL, ns[0] ? ns : NULL, secret_gpu, secret_other));
	if (str_eq(res, "pods"))
		return reply_json(rq->conn, 200, list_of("derived/podlist.json", ns[0] ? ns : NULL, NULL, NULL));
	if (str_eq(res, "events"))
		return reply_json(rq->conn, 200, list_of("derived/eventlist.json", ns[0] ? ns : NULL, NULL, NULL));
	if (str_eq(res, "resourcequotas")) {
		/* after the pods and the metrics, as on a loaded machine: a
		 * test reading the quota must wait for it */
		usleep(300 * 1000);
		return reply_json(rq->conn, 200, list_of("derived/resourcequotalist.json", ns, NULL, NULL));
	}
	if (str_eq(res, "nodes"))
		return reply_json(rq->conn, 200, list_of("derived/nodelist-gpu.json", NULL, NULL, NULL));
	return reply_json(rq->conn, 200, list_of(NULL, NULL, NULL, NULL));
}

static struct kubeconfig *config(void)
{
	char *path = xasprintf("%s/kubeconfig", dir);
	char *text = xasprintf("apiVersion: v1\nkind: Config\ncurrent-context: t\n"
			       "clusters: [{name: datalab-sandbox, cluster: {server: \"http://127.0.0.1:%d\"}}]\n"
			       "users: [{name: u, user: {token: t0k3n}}]\n"
			       "contexts: [{name: t, context: {cluster: datalab-sandbox, user: u, namespace: user-alice}}]\n",
			       server.port);
	struct kubeconfig_opts o = { .kubeconfig = path };
	struct kubeconfig *kc;
	struct error err;

	ck_assert_int_eq(file_write_atomic(path, text, strlen(text), 0600, NULL), 0);
	kc = kubeconfig_load(&o, &err);
	ck_assert_msg(kc != NULL, "%s", err.msg);
	free(path);
	free(text);
	return kc;
}

static void on_change(void *arg, unsigned what)
{
	(void)arg;
	(void)what;
	changes++;
}

static void make_secret(void)
{
	secret_gpu = release_secret("jupyter-pytorch-gpu", "jupyter-python", "--set global.suspend=false", 1, "deployed");
	json_set_path(secret_gpu, "metadata.uid", cJSON_CreateString("3f6b1c1e-uid"));
	secret_other = cJSON_Duplicate(secret_gpu, 1);
	json_set_path(secret_other, "metadata.namespace", cJSON_CreateString("projet-demo"));
	json_set_path(secret_other, "metadata.uid", cJSON_CreateString("9a0c-uid"));
}

static void free_secret(void)
{
	cJSON_Delete(secret_gpu);
	cJSON_Delete(secret_other);
}

static void setup(void)
{
	struct live_opts o = { .namespace = "user-alice", .metrics_ms = 60000 };
	struct error err;

	snprintf(dir, sizeof(dir), "/tmp/dl-live-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	atomic_store(&stopping, 0);
	atomic_store(&ns_lists, 0);
	atomic_store(&slow_lists, 0);
	atomic_store(&refuse_all, 0);
	buf_init(&reqlog, 0);
	ck_assert_int_eq(ts_start(&server, handler, NULL), 0);
	loop = loop_new();
	http = http_new(loop);
	kube = kube_new(loop, http, config());
	live = live_new(loop, kube, &o);
	changes = 0;
	live_on_change(live, on_change, NULL);
	ck_assert_msg(live_start(live, &err) == 0, "%s", err.msg);
}

static void teardown(void)
{
	live_free(live);
	kube_free(kube);
	http_free(http);
	loop_free(loop);
	atomic_store(&stopping, 1);
	ts_stop(&server);
	buf_release(&reqlog);
	file_remove_tree(dir, NULL);
}

#define WAIT(cond, ms)                                                   \
	do {                                                             \
		uint64_t end_ = time_mono_ms() + (ms);                   \
		while (!(cond) && time_mono_ms() < end_)                 \
			loop_run_once(loop, 50);                         \
		ck_assert_msg((cond), "timed out waiting for " #cond);   \
	} while (0)

static bool logged(const char *s)
{
	bool r;

	pthread_mutex_lock(&mu);
	r = strstr(reqlog.data, s) != NULL;
	pthread_mutex_unlock(&mu);
	return r;
}

static void settle(long ms)
{
	uint64_t end = time_mono_ms() + (uint64_t)ms;

	while (time_mono_ms() < end)
		loop_run_once(loop, 20);
}

START_TEST(models_fill_and_stay_live)
{
	struct services *s = live_services(live);
	const struct service *svc;
	char fresh[256], quota[128];
	bool stale;

	WAIT(services_find(s, "user-alice", "jupyter-pytorch-gpu") &&
	     services_find(s, "user-alice", "jupyter-pytorch-gpu")->npods == 1, 15000);
	svc = services_find(s, "user-alice", "jupyter-pytorch-gpu");
	ck_assert_int_eq(svc->state, SERVICE_RUNNING);
	ck_assert_int_eq(svc->gpus, 1);
	/* metrics from kube/metrics */
	WAIT(services_find(s, "user-alice", "jupyter-pytorch-gpu")->cpu_m == 1504, 15000);
	/* pods and events of the namespace only, in model/cluster */
	ck_assert_ptr_nonnull(cluster_pod_find(live_cluster(live), "user-alice", "jupyter-pytorch-gpu-0"));
	ck_assert_ptr_null(cluster_pod_find(live_cluster(live), "default", "nginx"));
	ck_assert(!live_cluster_wide(live));
	/* every list landed (the quota's last, see handler) */
	WAIT((live_freshness(live, fresh, sizeof(fresh), &stale), str_eq(fresh, "live")), 15000);
	ck_assert(!stale);
	cluster_quota_summary(live_cluster(live), "user-alice", quota, sizeof(quota));
	ck_assert_str_eq(quota, "cpu 300m/10  mem 4Gi/10Gi  gpu 1/2");
	ck_assert_uint_gt(changes, 0);
	/* the helm and kubectl lines of the equivalent commands */
	{
		char *line = live_action_line(live, "delete", NULL, "jupyter-pytorch-gpu", NULL);

		ck_assert_str_eq(line, "helm uninstall jupyter-pytorch-gpu -n user-alice");
		free(line);
		line = live_action_line(live, "pods", NULL, "jupyter-pytorch-gpu", NULL);
		ck_assert_str_eq(line, "kubectl get pods -l app.kubernetes.io/instance=jupyter-pytorch-gpu -n user-alice");
		free(line);
		line = live_action_line(live, "exec", NULL, "jupyter-pytorch-gpu", NULL);
		ck_assert_str_eq(line, "kubectl exec -it jupyter-pytorch-gpu-0 -n user-alice -- sh");
		free(line);
	}
}
END_TEST

START_TEST(forbidden_cluster_lists_stop_quietly)
{
	int n;

	/* the namespaces list is refused once and not asked again */
	WAIT(atomic_load(&ns_lists) >= 1, 15000);
	settle(2500);
	n = atomic_load(&ns_lists);
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(cluster_namespace_count(live_cluster(live)), 0);
	/* the admin views' informers: nodes, all pods, all events */
	live_want_cluster(live);
	WAIT(cluster_node_count(live_cluster(live)) == 2, 15000);
	WAIT(cluster_pod_find(live_cluster(live), "default", "nginx") != NULL, 15000);
	ck_assert(live_cluster_wide(live));
	ck_assert_ptr_null(live_cluster_error(live));
	WAIT(cluster_node_find(live_cluster(live), "minikube")->cpu_m == 488, 15000);
	ck_assert_int_eq(cluster_node_find(live_cluster(live), "gpu-node-1")->gpu_used, 1);
}
END_TEST

START_TEST(namespace_switch_moves_every_watch)
{
	struct error err;

	WAIT(services_count(live_services(live)) == 1, 15000);
	ck_assert_int_eq(live_set_namespace(live, "User Bob", &err), -1);
	ck_assert_int_eq(live_set_namespace(live, "user-bob", &err), 0);
	ck_assert_str_eq(live_namespace(live), "user-bob");
	ck_assert_uint_eq(services_count(live_services(live)), 0);
	WAIT(logged("GET /api/v1/namespaces/user-bob/secrets") && logged("GET /api/v1/namespaces/user-bob/pods") &&
	     logged("GET /apis/apps/v1/namespaces/user-bob/statefulsets") &&
	     logged("GET /api/v1/namespaces/user-bob/resourcequotas") &&
	     logged("GET /apis/metrics.k8s.io/v1beta1/namespaces/user-bob/pods"), 15000);
	settle(300);
	ck_assert_uint_eq(services_count(live_services(live)), 0);
	ck_assert_str_eq(live_recent_namespace(live, 0), "user-bob");
	ck_assert_str_eq(live_recent_namespace(live, 1), "user-alice");
	ck_assert_ptr_null(live_recent_namespace(live, 2));
}
END_TEST

/* The informers and the metrics poll start together: under load the
 * poll lands first, and the pods and nodes listed after it showed no
 * usage until the next poll (60 s here, 15 s in the console). */
START_TEST(usage_reaches_objects_listed_after_the_poll)
{
	struct services *s;
	struct error err;

	WAIT(services_count(live_services(live)) == 1, 15000);
	atomic_store(&slow_lists, 1);
	ck_assert_int_eq(live_set_namespace(live, "user-bob", &err), 0);
	ck_assert_int_eq(live_set_namespace(live, "user-alice", &err), 0);
	live_want_cluster(live);
	s = live_services(live);
	/* the next poll is 60 s away: only the poll already landed can fill them */
	WAIT(services_find(s, "user-alice", "jupyter-pytorch-gpu") &&
	     services_find(s, "user-alice", "jupyter-pytorch-gpu")->cpu_m == 1504, 15000);
	WAIT(cluster_node_find(live_cluster(live), "minikube") &&
	     cluster_node_find(live_cluster(live), "minikube")->cpu_m == 488, 15000);
	WAIT(cluster_pod_find(live_cluster(live), "user-alice", "jupyter-pytorch-gpu-0") &&
	     cluster_pod_find(live_cluster(live), "user-alice", "jupyter-pytorch-gpu-0")->cpu_m == 1504, 15000);
	ck_assert(live_cluster_wide(live));
}
END_TEST

/* GPU utilisation: the sandbox's cluster serves a DCGM-shaped page,
 * which the metrics polls read without being told: a service and a pod
 * show their GPU's, a node the mean over its GPUs, the idle one at 0. */
START_TEST(gpu_utilisation_from_the_dcgm_page)
{
	struct services *s = live_services(live);

	WAIT(services_find(s, "user-alice", "jupyter-pytorch-gpu") &&
	     services_find(s, "user-alice", "jupyter-pytorch-gpu")->gpu_util == 87, 15000);
	ck_assert(logged("GET /metrics/dcgm"));
	live_want_cluster(live);
	WAIT(cluster_node_find(live_cluster(live), "gpu-node-1") &&
	     cluster_node_find(live_cluster(live), "gpu-node-1")->gpu_util == 44, 15000);
	WAIT(cluster_pod_find(live_cluster(live), "user-alice", "jupyter-pytorch-gpu-0") &&
	     cluster_pod_find(live_cluster(live), "user-alice", "jupyter-pytorch-gpu-0")->gpu_util == 87, 15000);
	ck_assert_int_eq(cluster_node_find(live_cluster(live), "gpu-node-1")->gpu_users[0].util, 87);
	ck_assert_int_eq(cluster_node_find(live_cluster(live), "minikube")->gpu_util, -1);
}
END_TEST

static int done_calls;
static struct error done_err;

static void done(void *arg, const struct error *err, const char *what)
{
	(void)arg;
	(void)what;
	done_calls++;
	done_err = *err;
}

START_TEST(actions_send_what_the_api_expects)
{
	struct error err;
	cJSON *sts;

	WAIT(services_count(live_services(live)) == 1, 15000);
	done_calls = 0;
	/* restart a pod */
	ck_assert_int_eq(live_delete_pod(live, NULL, "jupyter-pytorch-gpu-0", done, NULL, &err), 0);
	WAIT(done_calls == 1, 15000);
	ck_assert_int_eq(done_err.code, ERR_NONE);
	ck_assert(logged("DELETE /api/v1/namespaces/user-alice/pods/jupyter-pytorch-gpu-0"));
	/* rename: Onyxia's Secret, owned by the release's first Secret */
	ck_assert_int_eq(live_rename_service(live, NULL, "jupyter-pytorch-gpu", "my notebook", done, NULL, &err), 0);
	WAIT(done_calls == 2, 15000);
	ck_assert(logged("POST /api/v1/namespaces/user-alice/secrets {"));
	ck_assert(logged("\"name\":\"sh.onyxia.release.v1.jupyter-pytorch-gpu\""));
	ck_assert(logged("\"type\":\"onyxia.sh/release.v1\""));
	ck_assert(logged("\"friendlyName\":\"bXkgbm90ZWJvb2s=\""));
	ck_assert(logged("\"uid\":\"3f6b1c1e-uid\""));
	ck_assert_int_eq(live_rename_service(live, NULL, "jupyter-pytorch-gpu", "", done, NULL, &err), -1);
	/* pause without a chart to upgrade with: the StatefulSet scales to 0,
	 * its replicas kept in an annotation */
	sts = cJSON_Parse("{\"metadata\":{\"name\":\"jupyter-pytorch-gpu\",\"namespace\":\"user-alice\","
			  "\"labels\":{\"app.kubernetes.io/instance\":\"jupyter-pytorch-gpu\"}},\"spec\":{\"replicas\":1}}");
	services_workload(live_services(live), "statefulsets", sts, false);
	ck_assert_int_eq(live_pause_service(live, NULL, "jupyter-pytorch-gpu", true, done, NULL, &err), 0);
	WAIT(done_calls == 3, 15000);
	ck_assert_int_eq(done_err.code, ERR_NONE);
	ck_assert(logged("PATCH /apis/apps/v1/namespaces/user-alice/statefulsets/jupyter-pytorch-gpu "
			 "{\"metadata\":{\"annotations\":{\"datalab.io/paused-replicas\":\"1\"}},\"spec\":{\"replicas\":0}}"));
	ck_assert_int_eq(live_pause_service(live, NULL, "nope", true, done, NULL, &err), -1);
	ck_assert_int_eq(err.code, ERR_NOT_FOUND);
	cJSON_Delete(sts);
	/* an action in flight is cancelled, without a call back, by free */
	ck_assert_int_eq(live_delete_pod(live, NULL, "x", done, NULL, &err), 0);
	ck_assert_int_eq(live_actions_running(live), 1);
}
END_TEST

/* `a` in My services: every namespace's releases, each acted on in its
 * own namespace (helm -n THAT, the API path of that namespace). */
START_TEST(all_namespaces_act_where_each_release_is)
{
	struct error err;
	char *line;

	WAIT(services_count(live_services(live)) == 1, 15000);
	live_set_all_namespaces(live, true);
	ck_assert(live_all_namespaces(live));
	/* the namespace stays the current one (launches go there) */
	ck_assert_str_eq(live_namespace(live), "user-alice");
	WAIT(services_count(live_services(live)) == 2, 15000);
	ck_assert(logged("GET /api/v1/secrets"));
	/* the pods' list is another request: it may land later */
	WAIT(logged("GET /api/v1/pods"), 15000);
	ck_assert_ptr_nonnull(services_find(live_services(live), "projet-demo", "jupyter-pytorch-gpu"));
	ck_assert_ptr_nonnull(services_find(live_services(live), "user-alice", "jupyter-pytorch-gpu"));
	line = live_action_line(live, "delete", "projet-demo", "jupyter-pytorch-gpu", NULL);
	ck_assert_str_eq(line, "helm uninstall jupyter-pytorch-gpu -n projet-demo");
	free(line);
	line = live_action_line(live, "delete", NULL, "jupyter-pytorch-gpu", NULL);
	ck_assert_str_eq(line, "helm uninstall jupyter-pytorch-gpu -n user-alice");
	free(line);
	done_calls = 0;
	ck_assert_int_eq(live_delete_pod(live, "projet-demo", "p-0", done, NULL, &err), 0);
	WAIT(done_calls == 1, 15000);
	ck_assert(logged("DELETE /api/v1/namespaces/projet-demo/pods/p-0"));
	ck_assert_int_eq(live_rename_service(live, "projet-demo", "jupyter-pytorch-gpu", "other", done, NULL, &err), 0);
	WAIT(done_calls == 2, 15000);
	ck_assert(logged("POST /api/v1/namespaces/projet-demo/secrets {"));
	/* and back to the one namespace */
	live_set_all_namespaces(live, false);
	WAIT(services_count(live_services(live)) == 1, 15000);
	ck_assert_ptr_null(live_all_error(live));
}
END_TEST

/* A user who may not list across namespaces: said once, in words, and
 * the current namespace shown again without her doing anything. */
START_TEST(all_namespaces_refused_falls_back)
{
	WAIT(services_count(live_services(live)) == 1, 15000);
	atomic_store(&refuse_all, 1);
	live_set_all_namespaces(live, true);
	WAIT(!live_all_namespaces(live), 15000);
	ck_assert_ptr_nonnull(live_all_error(live));
	ck_assert_msg(strstr(live_all_error(live), "not allowed to list ") &&
		      strstr(live_all_error(live), " in all namespaces: showing 'user-alice'"), "%s", live_all_error(live));
	WAIT(services_count(live_services(live)) == 1, 15000);
	ck_assert_ptr_nonnull(services_find(live_services(live), "user-alice", "jupyter-pytorch-gpu"));
	/* the next toggle forgets it */
	atomic_store(&refuse_all, 0);
	live_set_all_namespaces(live, false);
	ck_assert_ptr_null(live_all_error(live));
}
END_TEST

/* a user kept to its namespace opens an admin view: the cluster-wide
 * lists and metrics are refused; the pods keep the namespace's usage (a
 * refused poll knows no pod) */
START_TEST(cluster_refused_keeps_namespace_usage)
{
	const struct cluster_pod *p;

	WAIT(services_count(live_services(live)) == 1, 15000);
	atomic_store(&refuse_all, 1);
	live_want_cluster(live);
	WAIT(atomic_load(&metrics_all_calls) >= 1, 15000);
	WAIT(!live_cluster_wide(live), 15000);
	WAIT((p = cluster_pod_find(live_cluster(live), "user-alice", "jupyter-pytorch-gpu-0")) && p->cpu_m == 1504, 15000);
	settle(500);
	p = cluster_pod_find(live_cluster(live), "user-alice", "jupyter-pytorch-gpu-0");
	ck_assert_int_eq(p->cpu_m, 1504);
	ck_assert_ptr_null(live_metrics_error(live));
	ck_assert_int_eq(atomic_load(&metrics_all_calls), 2);	/* one poll: pods and nodes */
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("model_live");
	TCase *tc = tcase_create("live");

	tcase_add_unchecked_fixture(tc, make_secret, free_secret);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, models_fill_and_stay_live);
	tcase_add_test(tc, forbidden_cluster_lists_stop_quietly);
	tcase_add_test(tc, namespace_switch_moves_every_watch);
	tcase_add_test(tc, usage_reaches_objects_listed_after_the_poll);
	tcase_add_test(tc, gpu_utilisation_from_the_dcgm_page);
	tcase_add_test(tc, actions_send_what_the_api_expects);
	tcase_add_test(tc, all_namespaces_act_where_each_release_is);
	tcase_add_test(tc, all_namespaces_refused_falls_back);
	tcase_add_test(tc, cluster_refused_keeps_namespace_usage);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
