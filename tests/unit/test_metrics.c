/*
 * test_metrics.c: Metrics API items from the shared test data read
 * exactly (nanocores, Ki), Go durations, the DCGM text shape, and the
 * poller against a fake server: histories that carry over and cap at 32,
 * a repeated scrape not counted twice, pods that vanish, a missing Metrics
 * API said once and then quietly retried, recovery, and GPU utilisation.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/kube/metrics.h"
#include "testkube.h"
#include "testserver.h"
#include "testutil.h"

START_TEST(test_parse_shared_items)
{
	cJSON *node = testutil_json("kube/verbatim/k8s-docs/nodemetrics-minikube.json");
	cJSON *pod = testutil_json("kube/verbatim/k8s-docs/podmetrics-kube-scheduler-minikube.json");
	cJSON *pods = testutil_json("kube/derived/podmetricslist.json");
	cJSON *nodes = testutil_json("kube/derived/nodemetricslist.json");
	struct metrics_series s;
	struct error err;

	ck_assert_int_eq(metrics_parse_item(node, &s, &err), 0);
	ck_assert_str_eq(s.name, "minikube");
	ck_assert_str_eq(s.ns, "");
	ck_assert_int_eq(s.now.cpu_nano, 487558164);
	ck_assert_int_eq(s.now.mem_bytes, 732212LL * 1024);
	ck_assert_int_eq(s.now.window_ms, 30000);
	ck_assert_int_eq(s.ncontainers, 0);
	ck_assert_int_eq(s.gpu_util, -1);
	metrics_series_clear(&s);
	ck_assert_int_eq(metrics_parse_item(pod, &s, &err), 0);
	ck_assert_str_eq(s.ns, "kube-system");
	ck_assert_uint_eq(s.ncontainers, 1);
	ck_assert_str_eq(s.containers[0].name, "kube-scheduler");
	ck_assert_int_eq(s.now.cpu_nano, s.containers[0].usage.cpu_nano);
	metrics_series_clear(&s);
	ck_assert_int_eq(metrics_parse_item(json_get(pods, "items.1"), &s, &err), 0);
	ck_assert_str_eq(s.name, "jupyter-pytorch-gpu-0");
	ck_assert_int_eq(s.now.cpu_nano, 1503211874);
	ck_assert_int_eq(s.now.mem_bytes, 4LL * 1024 * 1024 * 1024);
	ck_assert_int_eq(s.now.window_ms, 15010);
	ck_assert_int_gt(s.now.timestamp, 1700000000);
	metrics_series_clear(&s);
	ck_assert_int_eq(metrics_parse_item(json_get(nodes, "items.1"), &s, &err), 0);
	ck_assert_int_eq(s.now.cpu_nano, 12345678912LL);
	ck_assert_int_eq(s.now.window_ms, 20047);
	metrics_series_clear(&s);
	cJSON_Delete(node);
	cJSON_Delete(pod);
	cJSON_Delete(pods);
	cJSON_Delete(nodes);
}
END_TEST

START_TEST(test_parse_bad_items)
{
	const char *bad[] = {
		"{}",
		"{\"metadata\":{\"name\":\"\"}}",
		"{\"metadata\":{\"name\":\"n\"},\"usage\":{\"cpu\":\"1.5.5\"}}",
		"{\"metadata\":{\"name\":\"n\"},\"usage\":{\"memory\":\"12Zi\"}}",
		"{\"metadata\":{\"name\":\"p\"},\"containers\":[{\"name\":\"c\",\"usage\":{\"cpu\":\"x\"}}]}",
	};
	struct metrics_series s;
	struct error err;

	for (size_t i = 0; i < DL_ARRAY_LEN(bad); i++) {
		cJSON *j = cJSON_Parse(bad[i]);

		ck_assert_msg(metrics_parse_item(j, &s, &err) == -1, "%s", bad[i]);
		ck_assert_ptr_null(s.name);
		cJSON_Delete(j);
	}
	/* a 25-digit quantity saturates, it does not wrap */
	{
		cJSON *j = cJSON_Parse("{\"metadata\":{\"name\":\"n\"},\"usage\":{\"cpu\":\"9999999999999999999999999\","
				       "\"memory\":\"1\"}}");

		ck_assert_int_eq(metrics_parse_item(j, &s, &err), 0);
		ck_assert_int_eq(s.now.cpu_nano, INT64_MAX);
		metrics_series_clear(&s);
		cJSON_Delete(j);
	}
}
END_TEST

static const struct {
	const char *in;
	int64_t ms;
} durations[] = {
	{ "30s", 30000 }, { "20.047s", 20047 }, { "15.01s", 15010 }, { "1m0s", 60000 }, { "1h2m3.5s", 3723500 },
	{ "500ms", 500 }, { "1500000us", 1500 }, { "2000000000ns", 2000 }, { "0", 0 }, { "0s", 0 },
	{ "", -1 }, { "s", -1 }, { "12", -1 }, { "1x", -1 }, { "-1s", -1 }, { "99999999999999999999h", -1 },
};

START_TEST(test_durations)
{
	ck_assert_msg(metrics_parse_duration(durations[_i].in) == durations[_i].ms, "'%s' -> %lld", durations[_i].in,
		      (long long)metrics_parse_duration(durations[_i].in));
}
END_TEST

static void collect_gpu(const char *ns, const char *pod, const char *gpu, double v, void *arg)
{
	buf_addf(arg, "%s/%s#%s=%g;", ns, pod, gpu, v);
}

static void collect_host(const struct metrics_gpu_sample *s, void *arg)
{
	buf_addf(arg, "%s#%s=%g;", s->host, s->gpu, s->value);
}

START_TEST(test_dcgm)
{
	const char *page =
		"# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n"
		"# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n"
		"DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",UUID=\"GPU-1\",device=\"nvidia0\",modelName=\"NVIDIA A100-SXM4-80GB\","
		"Hostname=\"gpu-node-1\",container=\"c\",namespace=\"user-alice\",pod=\"jupyter-0\"} 87\n"
		"DCGM_FI_DEV_GPU_UTIL{gpu=\"1\",modelName=\"a=b,c\",namespace=\"user-alice\",pod=\"jupyter-0\"} 13\r\n"
		"DCGM_FI_DEV_GPU_UTIL{gpu=\"2\",Hostname=\"gpu-node-1\"} 0\n"	/* no pod: idle GPU */
		"DCGM_FI_DEV_GPU_UTIL{gpu=\"3\",namespace=\"x\",pod=\"y\"} 250\n"	/* out of range */
		"DCGM_FI_DEV_GPU_UTIL{gpu=\"4\",namespace=\"x\",pod=\"z\"} abc\n"
		"DCGM_FI_DEV_FB_USED{gpu=\"0\",namespace=\"user-alice\",pod=\"jupyter-0\"} 1000\n"
		"DCGM_FI_DEV_GPU_UTIL{gpu=\"5\",namespace=\"q\\\"uote\",pod=\"p\"} 50";
	struct buf b = BUF_INIT;

	ck_assert_int_eq(metrics_parse_dcgm(page, strlen(page), collect_gpu, &b), 3);
	ck_assert_str_eq(b.data, "user-alice/jupyter-0#0=87;user-alice/jupyter-0#1=13;q\"uote/p#5=50;");
	buf_release(&b);
	ck_assert_int_eq(metrics_parse_dcgm("", 0, NULL, NULL), 0);
	ck_assert_int_eq(metrics_parse_dcgm("DCGM_FI_DEV_GPU_UTIL{", 21, NULL, NULL), 0);
	/* every valid sample, the idle GPU's too, with its host */
	ck_assert_int_eq(metrics_parse_dcgm_samples(page, strlen(page), collect_host, &b), 4);
	ck_assert_str_eq(b.data, "gpu-node-1#0=87;#1=13;gpu-node-1#2=0;#5=50;");
	buf_release(&b);
}
END_TEST

/* ---- the poller ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int scrape;		/* bumps the timestamp and the usage */
static int api_status = 200;	/* 404: no Metrics API */
static bool drop_pod_b;
static struct ts server;
static struct loop *loop;
static struct http *http;
static struct kube *kube;
static char dir[64];

static enum MHD_Result handler(const struct ts_req *rq, void *arg)
{
	char body[2048];
	int s, status;
	bool drop;

	(void)arg;
	pthread_mutex_lock(&mu);
	s = scrape;
	status = api_status;
	drop = drop_pod_b;
	pthread_mutex_unlock(&mu);
	if (strcmp(rq->path, "/metrics/dcgm") == 0)
		return ts_reply_str(rq->conn, 200, "text/plain",
				    "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",Hostname=\"n1\",namespace=\"ns\",pod=\"a\"} 90\n"
				    "DCGM_FI_DEV_GPU_UTIL{gpu=\"1\",Hostname=\"n1\",namespace=\"ns\",pod=\"a\"} 71\n"
				    "DCGM_FI_DEV_GPU_UTIL{gpu=\"2\",Hostname=\"n1\"} 0\n"
				    "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",Hostname=\"unlisted\"} 40\n");
	if (status != 200)
		return ts_reply_str(rq->conn, (unsigned)status, "text/plain", "404 page not found\n");
	if (strcmp(rq->path, "/apis/metrics.k8s.io/v1beta1/namespaces/ns/pods") == 0) {
		snprintf(body, sizeof(body),
			 "{\"kind\":\"PodMetricsList\",\"items\":["
			 "{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\"},\"timestamp\":\"2025-01-01T00:%02d:%02dZ\","
			 "\"window\":\"15s\",\"containers\":[{\"name\":\"c1\",\"usage\":{\"cpu\":\"%dm\",\"memory\":\"%dMi\"}},"
			 "{\"name\":\"c2\",\"usage\":{\"cpu\":\"1m\",\"memory\":\"1Mi\"}}]}%s]}",
			 (s / 4) % 60, (s * 15) % 60, 100 + s, 10 + s,
			 drop ? "" : ",{\"metadata\":{\"name\":\"b\",\"namespace\":\"ns\"},\"timestamp\":\"2025-01-01T00:00:00Z\","
				     "\"window\":\"15s\",\"containers\":[{\"name\":\"c\",\"usage\":{\"cpu\":\"5m\",\"memory\":\"1Ki\"}}]}");
		return ts_reply_str(rq->conn, 200, "application/json", body);
	}
	if (strcmp(rq->path, "/apis/metrics.k8s.io/v1beta1/nodes") == 0) {
		snprintf(body, sizeof(body),
			 "{\"kind\":\"NodeMetricsList\",\"items\":[{\"metadata\":{\"name\":\"n1\"},"
			 "\"timestamp\":\"2025-01-01T00:%02d:%02dZ\",\"window\":\"20.05s\",\"usage\":{\"cpu\":\"137466072n\","
			 "\"memory\":\"1235700Ki\"}}]}", (s / 4) % 60, (s * 15) % 60);
		return ts_reply_str(rq->conn, 200, "application/json", body);
	}
	return ts_reply_str(rq->conn, 404, "text/plain", "404 page not found\n");
}

static void setup(void)
{
	scrape = 0;
	api_status = 200;
	drop_pod_b = false;
	ck_assert_int_eq(ts_start(&server, handler, NULL), 0);
	snprintf(dir, sizeof(dir), "/tmp/dl-metrics-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	testkube_open(testkube_config(dir, server.port, NULL, "{}"), &loop, &http, &kube);
}

static void teardown(void)
{
	testkube_close(loop, http, kube);
	ts_stop(&server);
	file_remove_tree(dir, NULL);
}

struct rec {
	int updates, unavailable;
	struct error err;
};

static void on_update(struct metrics *m, void *arg)
{
	struct rec *r = arg;

	(void)m;
	r->updates++;
}

static void on_unavailable(struct metrics *m, const struct error *err, void *arg)
{
	struct rec *r = arg;

	(void)m;
	r->unavailable++;
	r->err = *err;
}

static const struct metrics_cbs cbs = { on_update, on_unavailable };

#define WAIT(cond, ms) TESTUTIL_WAIT(loop, cond, ms)

static void bump(void)
{
	pthread_mutex_lock(&mu);
	scrape++;
	pthread_mutex_unlock(&mu);
}

START_TEST(test_poll_and_history)
{
	struct metrics_opts o = { .ns = "ns", .nodes = true, .interval_ms = 3600000, .gpu_path = "/metrics/dcgm" };
	struct rec r = { 0 };
	struct metrics *m = metrics_new(kube, &o, &cbs, &r);
	const struct metrics_series *a, *n;
	struct error err;

	ck_assert_int_eq(metrics_start(m, &err), 0);
	WAIT(r.updates == 1, 5000);
	ck_assert(metrics_available(m));
	ck_assert_ptr_null(metrics_error(m));
	ck_assert_uint_eq(metrics_pod_count(m), 2);
	a = metrics_pod(m, "ns", "a");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->now.cpu_nano, 101000000);	/* 100m + 1m */
	ck_assert_int_eq(a->now.mem_bytes, 11LL * 1024 * 1024);
	ck_assert_int_eq(a->hist_len, 1);
	ck_assert_int_eq(a->gpu_util, 81);	/* (90 + 71) / 2, rounded */
	ck_assert_int_eq(metrics_pod(m, "ns", "b")->gpu_util, -1);
	ck_assert(metrics_gpu_available(m));
	ck_assert_str_eq(metrics_pod_at(m, 0)->name, "a");
	ck_assert_str_eq(metrics_pod_at(m, 1)->name, "b");
	n = metrics_node(m, "n1");
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->now.cpu_nano, 137466072);
	ck_assert_int_eq(n->now.mem_bytes, 1235700LL * 1024);
	ck_assert_int_eq(n->now.window_ms, 20050);
	ck_assert_int_eq(n->gpu_util, 54);	/* (90 + 71 + 0) / 3: the idle GPU counts */
	/* 40 more scrapes: the history keeps the last 32, oldest first */
	for (int i = 0; i < 40; i++) {
		int before = r.updates;

		bump();
		metrics_poll_now(m);
		WAIT(r.updates == before + 1, 5000);
	}
	a = metrics_pod(m, "ns", "a");
	ck_assert_int_eq(a->hist_len, METRICS_HISTORY);
	ck_assert_int_eq(a->cpu_hist[METRICS_HISTORY - 1], (100 + 40 + 1) * 1000000LL);
	ck_assert_int_eq(a->cpu_hist[0], (100 + 9 + 1) * 1000000LL);
	ck_assert_int_eq(a->mem_hist[METRICS_HISTORY - 1], (10 + 40 + 1) * 1024LL * 1024);
	ck_assert_int_eq(a->gpu_hist_len, METRICS_HISTORY);
	/* b's scrape never moved: one sample however often it is polled */
	ck_assert_int_eq(metrics_pod(m, "ns", "b")->hist_len, 1);
	ck_assert_int_eq(metrics_node(m, "n1")->hist_len, METRICS_HISTORY);
	/* a pod that is gone is dropped */
	pthread_mutex_lock(&mu);
	drop_pod_b = true;
	pthread_mutex_unlock(&mu);
	metrics_poll_now(m);
	WAIT(metrics_pod_count(m) == 1, 5000);
	ck_assert_ptr_null(metrics_pod(m, "ns", "b"));
	ck_assert_uint_ge(metrics_polls(m), 42);
	ck_assert_int_gt(metrics_updated_at(m), 0);
	ck_assert_int_eq(r.unavailable, 0);
	metrics_free(m);
}
END_TEST

START_TEST(test_unavailable_said_once)
{
	struct metrics_opts o = { .ns = "ns", .interval_ms = 50 };
	struct rec r = { 0 };
	struct metrics *m = metrics_new(kube, &o, &cbs, &r);
	struct error err;

	api_status = 404;
	ck_assert_int_eq(metrics_start(m, &err), 0);
	WAIT(r.updates >= 5, 5000);	/* polled again and again */
	ck_assert_int_eq(r.unavailable, 1);
	ck_assert(!metrics_available(m));
	ck_assert_ptr_nonnull(strstr(r.err.msg, "metrics unavailable: the Metrics API (metrics.k8s.io) is not served"));
	ck_assert_ptr_nonnull(metrics_error(m));
	ck_assert_uint_eq(metrics_pod_count(m), 0);
	/* it appears: data, and no error */
	pthread_mutex_lock(&mu);
	api_status = 200;
	pthread_mutex_unlock(&mu);
	WAIT(metrics_available(m), 5000);
	ck_assert_ptr_null(metrics_error(m));
	ck_assert_uint_eq(metrics_pod_count(m), 2);
	/* and goes again: said once more */
	pthread_mutex_lock(&mu);
	api_status = 503;
	pthread_mutex_unlock(&mu);
	WAIT(r.unavailable == 2, 5000);
	metrics_free(m);
}
END_TEST

START_TEST(test_free_while_polling)
{
	struct metrics_opts o = { .nodes = true };
	struct metrics *m = metrics_new(kube, &o, &cbs, NULL);
	struct error err;
	int never = 0;

	ck_assert_int_eq(metrics_start(m, &err), 0);
	metrics_free(m);
	ts_wait(loop, &never, 200);
}
END_TEST

static Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *pure = tcase_create("parse"), *tc = tcase_create("poll");

	tcase_add_test(pure, test_parse_shared_items);
	tcase_add_test(pure, test_parse_bad_items);
	tcase_add_loop_test(pure, test_durations, 0, DL_ARRAY_LEN(durations));
	tcase_add_test(pure, test_dcgm);
	suite_add_tcase(s, pure);
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_poll_and_history);
	tcase_add_test(tc, test_unavailable_said_once);
	tcase_add_test(tc, test_free_while_polling);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(metrics_suite)
