/*
 * test_model_cluster.c: the monitor model from real objects
 * (../shared/testdata/kube): nodes with GPU totals and who uses them,
 * pods with kubectl's status and why they wait, events newest first
 * (old- and new-style timestamps), quotas for the title bar, namespaces
 * in Onyxia's order, metrics, hostile quantities, and 5,000 pods churned.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/model/cluster.h"

#include "testjson.h"

static void feed(struct cluster *c, const char *rel, void (*fn)(struct cluster *, const cJSON *, bool))
{
	cJSON *list = test_load_json(rel), *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(list, "items"))
		fn(c, it, false);
	cJSON_Delete(list);
}

static struct cluster *loaded(void)
{
	struct cluster *c = cluster_new();

	feed(c, "kube/derived/nodelist-gpu.json", cluster_feed_node);
	feed(c, "kube/derived/podlist.json", cluster_feed_pod);
	feed(c, "kube/derived/eventlist.json", cluster_feed_event);
	feed(c, "kube/derived/resourcequotalist.json", cluster_feed_quota);
	return c;
}

/* Invariant: node sums equal the sums over the live pods bound to them. */
static void check_sane(struct cluster *c)
{
	for (size_t i = 0; i < cluster_node_count(c); i++) {
		const struct cluster_node *n = cluster_node_at(c, i);
		int64_t cpu = 0;
		int gpus = 0, pods = 0, users = 0;

		for (size_t k = 0; k < cluster_pod_count(c); k++) {
			const struct cluster_pod *p = cluster_pod_at(c, k);

			if (!p->node || !str_eq(p->node, n->name) || p->done)
				continue;
			cpu += p->cpu_req_m;
			gpus += p->gpus;
			pods++;
		}
		for (size_t u = 0; u < n->ngpu_users; u++)
			users += n->gpu_users[u].gpus;
		ck_assert_int_eq(n->cpu_req_m, cpu);
		ck_assert_int_eq(n->gpu_used, gpus);
		ck_assert_int_eq(users, gpus);
		ck_assert_int_eq(n->npods, pods);
		if (i > 0)
			ck_assert_int_lt(strcmp(cluster_node_at(c, i - 1)->name, n->name), 0);
	}
	for (size_t k = 1; k < cluster_pod_count(c); k++) {
		const struct cluster_pod *a = cluster_pod_at(c, k - 1), *b = cluster_pod_at(c, k);
		int d = strcmp(a->ns, b->ns);

		ck_assert(d < 0 || (d == 0 && strcmp(a->name, b->name) < 0));
	}
	for (size_t k = 1; k < cluster_event_count(c); k++)
		ck_assert_int_ge(cluster_event_at(c, k - 1)->when, cluster_event_at(c, k)->when);
}

START_TEST(nodes_with_gpus_and_their_users)
{
	struct cluster *c = loaded();
	const struct cluster_node *gpu, *mk;

	ck_assert_uint_eq(cluster_node_count(c), 2);
	gpu = cluster_node_find(c, "gpu-node-1");
	ck_assert_ptr_nonnull(gpu);
	ck_assert_int_eq(gpu->gpu_alloc, 4);
	ck_assert_int_eq(gpu->gpu_capacity, 4);
	ck_assert_int_eq(gpu->cpu_alloc_m, 63800);
	ck_assert_int_eq(gpu->mem_alloc, 527129268LL * 1024);
	ck_assert_ptr_nonnull(gpu->gpu_model);
	ck_assert(gpu->ready);
	ck_assert_int_eq(gpu->gpu_used, 1);
	ck_assert_uint_eq(gpu->ngpu_users, 1);
	ck_assert_str_eq(gpu->gpu_users[0].ns, "user-alice");
	ck_assert_str_eq(gpu->gpu_users[0].pod, "jupyter-pytorch-gpu-0");
	ck_assert_int_eq(gpu->cpu_req_m, 100);
	ck_assert_int_eq(gpu->mem_req, 2LL << 30);
	mk = cluster_node_find(c, "minikube");
	ck_assert_int_eq(mk->gpu_alloc, 0);
	ck_assert_ptr_null(mk->gpu_model);
	ck_assert_str_eq(mk->roles, "master");
	ck_assert_int_eq(mk->cpu_alloc_m, 4000);
	/* the two "nginx" items share a name: one pod */
	ck_assert_int_eq(mk->npods, 1);
	check_sane(c);
	/* the GPU pod finishes: its GPU is free again */
	{
		cJSON *pods = test_load_json("kube/derived/podlist.json"), *p = cJSON_GetArrayItem(cJSON_GetObjectItem(pods, "items"), 2);

		cJSON_ReplaceItemInObject(cJSON_GetObjectItem(p, "status"), "phase", cJSON_CreateString("Succeeded"));
		cluster_feed_pod(c, p, false);
		gpu = cluster_node_find(c, "gpu-node-1");
		ck_assert_int_eq(gpu->gpu_used, 0);
		ck_assert_uint_eq(gpu->ngpu_users, 0);
		ck_assert_str_eq(cluster_pod_find(c, "user-alice", "jupyter-pytorch-gpu-0")->status, "Completed");
		check_sane(c);
		cluster_feed_pod(c, p, true);
		ck_assert_ptr_null(cluster_pod_find(c, "user-alice", "jupyter-pytorch-gpu-0"));
		cJSON_Delete(pods);
	}
	cluster_free(c);
}
END_TEST

START_TEST(pod_status_and_why_it_waits)
{
	struct cluster *c = loaded();
	cJSON *pods = test_load_json("kube/derived/podlist.json"), *p = cJSON_GetArrayItem(cJSON_GetObjectItem(pods, "items"), 2);
	const struct cluster_pod *row;

	row = cluster_pod_find(c, "user-alice", "jupyter-pytorch-gpu-0");
	ck_assert_str_eq(row->status, "Running");
	ck_assert_str_eq(row->instance, "jupyter-pytorch-gpu");
	ck_assert_int_eq(row->gpus, 1);
	ck_assert_int_eq(row->ready, 1);
	/* scheduled: the old FailedScheduling warning does not apply */
	ck_assert_ptr_null(row->reason);
	ck_assert_int_eq(row->cpu_m, -1);
	/* unscheduled: the scheduler's message from the event */
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(p, "spec"), "nodeName");
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(p, "status"), "phase", cJSON_CreateString("Pending"));
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(p, "status"), "containerStatuses");
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(p, "status"), "conditions");
	cluster_feed_pod(c, p, false);
	row = cluster_pod_find(c, "user-alice", "jupyter-pytorch-gpu-0");
	ck_assert_str_eq(row->status, "Pending");
	ck_assert_ptr_nonnull(row->reason);
	ck_assert(str_has_prefix(row->reason, "0/2 nodes are available: 1 Insufficient nvidia.com/gpu"));
	ck_assert_int_eq(cluster_node_find(c, "gpu-node-1")->gpu_used, 0);
	/* the condition's own message wins when there is one */
	cJSON_AddItemToObject(cJSON_GetObjectItem(p, "status"), "conditions",
			      cJSON_Parse("[{\"type\":\"PodScheduled\",\"status\":\"False\",\"reason\":\"Unschedulable\","
					  "\"message\":\"0/2 nodes are available: 2 Insufficient nvidia.com/gpu.\"}]"));
	cluster_feed_pod(c, p, false);
	row = cluster_pod_find(c, "user-alice", "jupyter-pytorch-gpu-0");
	ck_assert(str_has_prefix(row->reason, "0/2 nodes are available"));
	/* crash loop: kubectl's status word */
	cJSON_AddStringToObject(cJSON_GetObjectItem(p, "spec"), "nodeName", "gpu-node-1");
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(p, "status"), "phase", cJSON_CreateString("Running"));
	cJSON_AddItemToObject(cJSON_GetObjectItem(p, "status"), "containerStatuses",
			      cJSON_Parse("[{\"name\":\"x\",\"ready\":false,\"restartCount\":21,"
					  "\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}}}]"));
	cluster_feed_pod(c, p, false);
	row = cluster_pod_find(c, "user-alice", "jupyter-pytorch-gpu-0");
	ck_assert_str_eq(row->status, "CrashLoopBackOff");
	ck_assert_int_eq(row->restarts, 21);
	/* a deleted pod is Terminating */
	json_set_path(p, "metadata.deletionTimestamp", cJSON_CreateString("2024-03-12T09:00:00Z"));
	cluster_feed_pod(c, p, false);
	ck_assert_str_eq(cluster_pod_find(c, "user-alice", "jupyter-pytorch-gpu-0")->status, "Terminating");
	/* init containers (k9s po_init.json): Init:n/m while they run */
	{
		cJSON *init = test_load_json("kube/verbatim/k9s/po_init.json");

		cluster_feed_pod(c, init, false);
		row = cluster_pod_find(c, json_str(init, "metadata.namespace", ""), json_str(init, "metadata.name", ""));
		ck_assert_ptr_nonnull(row);
		ck_assert_ptr_nonnull(row->status);
		cJSON_Delete(init);
	}
	check_sane(c);
	cJSON_Delete(pods);
	cluster_free(c);
}
END_TEST

START_TEST(events_newest_first)
{
	struct cluster *c = loaded();
	const struct cluster_event *e;
	cJSON *events = test_load_json("kube/derived/eventlist.json");
	int warnings = 0;

	ck_assert_uint_eq(cluster_event_count(c), 3);
	for (size_t i = 0; i < cluster_event_count(c); i++) {
		e = cluster_event_at(c, i);
		ck_assert_int_gt(e->when, 0);	/* new-style eventTime parsed too */
		warnings += e->warning;
	}
	ck_assert_int_eq(warnings, 2);
	e = cluster_event_at(c, 0);
	ck_assert_int_ge(e->when, cluster_event_at(c, 2)->when);
	for (size_t i = 0; i < cluster_event_count(c); i++) {
		e = cluster_event_at(c, i);
		if (str_eq(e->reason, "BackOff")) {
			ck_assert_int_eq(e->count, 21);
			ck_assert_str_eq(e->object, "Pod/vscode-python-0");
		}
		if (str_eq(e->reason, "FailedScheduling"))
			ck_assert_str_eq(e->source, "default-scheduler");
	}
	/* an expired event leaves */
	cluster_feed_event(c, cJSON_GetArrayItem(cJSON_GetObjectItem(events, "items"), 0), true);
	ck_assert_uint_eq(cluster_event_count(c), 2);
	check_sane(c);
	cJSON_Delete(events);
	cluster_free(c);
}
END_TEST

START_TEST(quota_for_the_title_bar)
{
	struct cluster *c = loaded();
	const struct cluster_quota *q = cluster_quota_for(c, "user-alice");
	const struct cluster_quota_item *gpu;
	char line[128];

	ck_assert_ptr_nonnull(q);
	gpu = cluster_quota_item(q, "requests.nvidia.com/gpu");
	ck_assert_ptr_nonnull(gpu);
	ck_assert_int_eq(gpu->hard_milli, 2000);
	ck_assert_int_eq(gpu->used_milli, 1000);
	ck_assert_int_eq(cluster_quota_item(q, "cpu")->hard_milli, 10000);	/* requests.cpu */
	cluster_quota_summary(c, "user-alice", line, sizeof(line));
	ck_assert_str_eq(line, "cpu 300m/10  mem 4Gi/10Gi  gpu 1/2");
	cluster_quota_summary(c, "default", line, sizeof(line));
	ck_assert_str_eq(line, "");
	/* the docs' quota without a status yet: spec.hard, nothing used */
	{
		cJSON *q2 = test_load_json("kube/kubectl-generated/resourcequota-create-dry-run.json");

		json_set_path(q2, "metadata.namespace", cJSON_CreateString("user-bob"));
		cluster_feed_quota(c, q2, false);
		cluster_quota_summary(c, "user-bob", line, sizeof(line));
		ck_assert_str_eq(line, "cpu 0/10  mem 0/10Gi  gpu 0/2");
		cluster_feed_quota(c, q2, true);
		ck_assert_ptr_null(cluster_quota_for(c, "user-bob"));
		cJSON_Delete(q2);
	}
	cluster_free(c);
}
END_TEST

START_TEST(namespaces_in_onyxia_order)
{
	struct cluster *c = cluster_new();
	const char *names[] = { "kube-system", "projet-ia", "user-bob", "default", "user-alice", "projet-data" };
	const char *want[] = { "user-alice", "user-bob", "projet-data", "projet-ia", "default", "kube-system" };
	cJSON *ns = test_load_json("kube/verbatim/k9s/ns.json");

	for (size_t i = 0; i < 6; i++) {
		cJSON *o = cJSON_CreateObject();

		json_set_path(o, "metadata.name", cJSON_CreateString(names[i]));
		cluster_feed_namespace(c, o, false);
		cluster_feed_namespace(c, o, false);	/* twice: once */
		cJSON_Delete(o);
	}
	ck_assert_uint_eq(cluster_namespace_count(c), 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(cluster_namespace_at(c, i), want[i]);
	/* the real kube-system object is the one already known */
	cluster_feed_namespace(c, ns, false);
	ck_assert_uint_eq(cluster_namespace_count(c), 6);
	cluster_feed_namespace(c, ns, true);
	ck_assert_uint_eq(cluster_namespace_count(c), 5);
	ck_assert_str_eq(cluster_namespace_at(c, 4), "default");
	cJSON_Delete(ns);
	cluster_free(c);
}
END_TEST

START_TEST(metrics_join_and_formats)
{
	struct cluster *c = loaded();
	cJSON *pm = test_load_json("kube/derived/podmetricslist.json");
	cJSON *nm = test_load_json("kube/derived/nodemetricslist.json");
	char s[32];

	cluster_pod_metrics(c, pm);
	cluster_node_metrics(c, nm);
	ck_assert_int_eq(cluster_pod_find(c, "user-alice", "jupyter-pytorch-gpu-0")->cpu_m, 1504);
	ck_assert_int_eq(cluster_pod_find(c, "user-alice", "jupyter-pytorch-gpu-0")->mem, 4LL << 30);
	ck_assert_int_eq(cluster_pod_find(c, "default", "nginx")->cpu_m, -1);
	ck_assert_int_eq(cluster_node_find(c, "minikube")->cpu_m, 488);
	ck_assert_int_eq(cluster_node_find(c, "gpu-node-1")->mem, 73400320LL * 1024);
	/* usage survives an update of the object */
	feed(c, "kube/derived/podlist.json", cluster_feed_pod);
	feed(c, "kube/derived/nodelist-gpu.json", cluster_feed_node);
	ck_assert_int_eq(cluster_pod_find(c, "user-alice", "jupyter-pytorch-gpu-0")->cpu_m, 1504);
	ck_assert_int_eq(cluster_node_find(c, "minikube")->cpu_m, 488);
	cluster_format_cpu(s, sizeof(s), 250);
	ck_assert_str_eq(s, "250m");
	cluster_format_cpu(s, sizeof(s), 1500);
	ck_assert_str_eq(s, "1.5");
	cluster_format_cpu(s, sizeof(s), 63000);
	ck_assert_str_eq(s, "63");
	cluster_format_mem(s, sizeof(s), 1536LL << 20);
	ck_assert_str_eq(s, "1.5Gi");
	cluster_format_mem(s, sizeof(s), 800);
	ck_assert_str_eq(s, "800");
	cluster_format_mem(s, sizeof(s), -1);
	ck_assert_str_eq(s, "-");
	cJSON_Delete(pm);
	cJSON_Delete(nm);
	cluster_free(c);
}
END_TEST

START_TEST(hostile_quantities)
{
	struct cluster *c = cluster_new();

	feed(c, "hostile/kube/nodelist-bad-quantities.json", cluster_feed_node);
	ck_assert_uint_eq(cluster_node_count(c), 2);	/* the nameless and null items are skipped */
	ck_assert_int_eq(cluster_node_find(c, "q")->cpu_alloc_m, 0);
	ck_assert_int_eq(cluster_node_find(c, "q")->mem_alloc, 0);
	ck_assert_int_eq(cluster_node_find(c, "no-status")->gpu_alloc, 0);
	check_sane(c);
	cluster_free(c);
}
END_TEST

/* 5,000 pods on 50 nodes, every pod updated twice: each update is a
 * binary search, and the join runs once per read. */
START_TEST(five_thousand_pods_churn)
{
	struct cluster *c = cluster_new();
	cJSON *pods = test_load_json("kube/derived/podlist.json");
	cJSON *tmpl = cJSON_GetArrayItem(cJSON_GetObjectItem(pods, "items"), 2);
	struct timespec a, b;
	double ms;

	for (int n = 0; n < 50; n++) {
		cJSON *node = cJSON_Parse("{\"metadata\":{\"name\":\"\"},\"status\":{\"allocatable\":"
					  "{\"cpu\":\"64\",\"memory\":\"256Gi\",\"nvidia.com/gpu\":\"8\"}}}");
		char name[32];

		snprintf(name, sizeof(name), "node-%02d", n);
		json_set_path(node, "metadata.name", cJSON_CreateString(name));
		cluster_feed_node(c, node, false);
		cJSON_Delete(node);
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 5000; i++) {
			char name[32], node[32];

			snprintf(name, sizeof(name), "pod-%04d", (i * 7919) % 5000);
			snprintf(node, sizeof(node), "node-%02d", i % 50);
			cJSON_ReplaceItemInObject(cJSON_GetObjectItem(tmpl, "metadata"), "name", cJSON_CreateString(name));
			cJSON_ReplaceItemInObject(cJSON_GetObjectItem(tmpl, "spec"), "nodeName", cJSON_CreateString(node));
			cluster_feed_pod(c, tmpl, false);
		}
		ck_assert_uint_eq(cluster_pod_count(c), 5000);
		ck_assert_int_eq(cluster_node_find(c, "node-07")->gpu_used, 100);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	ck_assert_msg(ms < 10000, "%.0f ms for 10,000 updates", ms);
	check_sane(c);
	cJSON_Delete(pods);
	cluster_free(c);
}
END_TEST

/* A pod's stamp moves with what a view shows of it, and only then: the
 * pods view formats again only the pods whose stamp moved. */
START_TEST(pod_stamps_move_with_changes_only)
{
	struct cluster *c = loaded();
	cJSON *pm = test_load_json("kube/derived/podmetricslist.json");
	cJSON *pods = test_load_json("kube/derived/podlist.json");
	const cJSON *nginx = cJSON_GetArrayItem(cJSON_GetObjectItem(pods, "items"), 0);
	uint64_t g_nginx, g_gpu;

	cluster_pod_metrics(c, pm);
	g_nginx = cluster_pod_find(c, "default", "nginx")->gen;
	g_gpu = cluster_pod_find(c, "user-alice", "jupyter-pytorch-gpu-0")->gen;
	ck_assert_uint_gt(g_nginx, 0);
	/* the same usage again: no pod moved */
	cluster_pod_metrics(c, pm);
	ck_assert_uint_eq(cluster_pod_find(c, "user-alice", "jupyter-pytorch-gpu-0")->gen, g_gpu);
	ck_assert_uint_eq(cluster_pod_find(c, "default", "nginx")->gen, g_nginx);
	/* an update of one pod moves that pod only */
	cluster_feed_pod(c, nginx, false);
	ck_assert_uint_gt(cluster_pod_find(c, "default", "nginx")->gen, g_nginx);
	ck_assert_uint_eq(cluster_pod_find(c, "user-alice", "jupyter-pytorch-gpu-0")->gen, g_gpu);
	/* its usage going moves it */
	cluster_usage_reset(c, true, false);
	ck_assert_uint_gt(cluster_pod_find(c, "user-alice", "jupyter-pytorch-gpu-0")->gen, g_gpu);
	cJSON_Delete(pm);
	cJSON_Delete(pods);
	cluster_free(c);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("model_cluster");
	TCase *tc = tcase_create("cluster");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, nodes_with_gpus_and_their_users);
	tcase_add_test(tc, pod_status_and_why_it_waits);
	tcase_add_test(tc, events_newest_first);
	tcase_add_test(tc, quota_for_the_title_bar);
	tcase_add_test(tc, namespaces_in_onyxia_order);
	tcase_add_test(tc, metrics_join_and_formats);
	tcase_add_test(tc, hostile_quantities);
	tcase_add_test(tc, five_thousand_pods_churn);
	tcase_add_test(tc, pod_stamps_move_with_changes_only);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
