/*
 * test_sb_metrics.c: the simulation is deterministic, stays within its
 * profiles, moves between scrapes, and prints metrics.k8s.io objects and
 * DCGM exporter text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/sandbox/simmetrics.h"
#include "datalab/sandbox/simnodes.h"
#include "testutil.h"

#define NOW "2025-01-01T00:00:00Z"

static cJSON *pod(const char *name, const char *gpus)
{
	char text[700];

	snprintf(text, sizeof(text), "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"user-alice\","
		 "\"labels\":{\"app\":\"x\"},\"annotations\":{\"" SIMMETRICS_GPU_ANNOTATION "\":\"1,3\"}},"
		 "\"spec\":{\"nodeName\":\"sandbox-gpu-1\",\"containers\":[{\"name\":\"main\",\"resources\":"
		 "{\"requests\":{\"cpu\":\"2\",\"memory\":\"4Gi\"},\"limits\":{\"nvidia.com/gpu\":\"%s\"}}}]}}",
		 name, gpus);
	return cJSON_Parse(text);
}

START_TEST(test_container)
{
	cJSON *p = pod("jupyter-0", "2"), *q = pod("other", "0");
	const cJSON *c = json_get(p, "spec.containers.0"), *d = json_get(q, "spec.containers.0");
	struct simmetrics_usage a, b, e;
	int idle = 0, busy = 0;

	simmetrics_container(p, c, 1000, &a);
	simmetrics_container(p, c, 1000, &b);
	ck_assert_int_eq(a.cpu_nano, b.cpu_nano);	/* deterministic */
	ck_assert_int_eq(a.memory, b.memory);
	/* a GPU container is heavy: 60-100% of 2 cpu, wobble aside */
	ck_assert_int_ge(a.cpu_nano, 960000000LL);
	ck_assert_int_le(a.cpu_nano, 2400000000LL);
	ck_assert_int_ge(a.gpu_util, 55);
	ck_assert_int_le(a.memory, 4LL << 30);
	simmetrics_container(p, c, 1037, &e);
	ck_assert_int_ne(e.cpu_nano, a.cpu_nano);	/* it moves */
	simmetrics_container(q, d, 1000, &a);
	ck_assert_int_eq(a.gpu_util, 0);
	/* over many pods, most are idle and some busy */
	for (int i = 0; i < 200; i++) {
		char name[32];
		cJSON *x;

		snprintf(name, sizeof(name), "pod-%d", i);
		x = pod(name, "0");
		simmetrics_container(x, json_get(x, "spec.containers.0"), 1000, &a);
		if (a.cpu_nano < 250000000LL)
			idle++;
		else if (a.cpu_nano > 600000000LL)
			busy++;
		cJSON_Delete(x);
	}
	ck_assert_int_gt(idle, 90);
	ck_assert_int_gt(busy, 20);
	cJSON_Delete(p);
	cJSON_Delete(q);
}
END_TEST

START_TEST(test_objects)
{
	cJSON *p = pod("jupyter-0", "2"), *m;
	struct node_spec *v;
	size_t n;
	cJSON *node;
	const cJSON *pods[1];
	const char *cpu;

	m = simmetrics_pod_object(p, 1000, NOW, NULL);
	ck_assert_str_eq(json_str(m, "kind", ""), "PodMetrics");
	ck_assert_str_eq(json_str(m, "apiVersion", ""), "metrics.k8s.io/v1beta1");
	ck_assert_str_eq(json_str(m, "metadata.namespace", ""), "user-alice");
	ck_assert_str_eq(json_str(m, "window", ""), "15s");
	ck_assert_str_eq(json_str(m, "containers.0.name", ""), "main");
	cpu = json_str(m, "containers.0.usage.cpu", "");
	ck_assert(cpu[strlen(cpu) - 1] == 'n');
	ck_assert(strstr(json_str(m, "containers.0.usage.memory", ""), "Ki") != NULL);
	cJSON_Delete(m);
	ck_assert_int_eq(simnodes_parse(NULL, &v, &n, NULL), 0);
	node = simnodes_object(&v[3], NOW);
	pods[0] = p;
	m = simmetrics_node_object(node, pods, 1, 1000, NOW, NULL);
	ck_assert_str_eq(json_str(m, "kind", ""), "NodeMetrics");
	ck_assert_ptr_null(json_get(m, "metadata.namespace"));
	ck_assert_int_gt(strtoll(json_str(m, "usage.cpu", "0"), NULL, 10), 1000000000LL);
	cJSON_Delete(m);
	{
		struct buf b = BUF_INIT;
		const cJSON *nodes[1] = { node };

		simmetrics_dcgm_text(&b, nodes, 1, pods, 1, 1000);
		ck_assert(strstr(b.data, "# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n") != NULL);
		ck_assert(strstr(b.data, "DCGM_FI_DEV_GPU_UTIL{gpu=\"1\",") != NULL);
		ck_assert(strstr(b.data, "modelName=\"NVIDIA-A100-SXM4-40GB\",Hostname=\"sandbox-gpu-1\","
				 "container=\"main\",namespace=\"user-alice\",pod=\"jupyter-0\"} ") != NULL);
		/* GPU 0 is free: no pod labels, 0% */
		ck_assert(strstr(b.data, "device=\"nvidia0\",modelName=\"NVIDIA-A100-SXM4-40GB\","
				 "Hostname=\"sandbox-gpu-1\"} 0\n") != NULL);
		buf_release(&b);
	}
	cJSON_Delete(node);
	free(v);
	cJSON_Delete(p);
}
END_TEST

static Suite *metrics_suite(void)
{
	Suite *s = suite_create("sb_metrics");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_container);
	tcase_add_test(tc, test_objects);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(metrics_suite)
