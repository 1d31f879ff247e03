/*
 * test_sb_scheduler.c: the --nodes grammar, the Node objects, and the
 * scheduler's choice and FailedScheduling sentences.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/sandbox/simnodes.h"
#include "datalab/sandbox/scheduler.h"
#include "testutil.h"

#define NOW "2025-01-01T00:00:00Z"

START_TEST(test_default_spec)
{
	struct node_spec *v;
	size_t n;
	struct error err = { 0 };

	ck_assert_int_eq(simnodes_parse(NULL, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(v[0].name, "sandbox-cpu-1");
	ck_assert_str_eq(v[2].name, "sandbox-cpu-3");
	ck_assert_str_eq(v[3].name, "sandbox-gpu-1");
	ck_assert_int_eq(v[0].cpu_milli, 8000);
	ck_assert_int_eq(v[0].memory, 32LL << 30);
	ck_assert_int_eq(v[3].gpus, 4);
	ck_assert_str_eq(v[4].gpu_model, "NVIDIA-A100-SXM4-40GB");
	ck_assert_uint_eq(v[4].index, 4);
	free(v);
}
END_TEST

START_TEST(test_spec_grammar)
{
	struct node_spec *v;
	size_t n;
	struct error err = { 0 };

	ck_assert_int_eq(simnodes_parse(" 2 : cpu=7500m , memory=1.5Gi ; gpu=1,name=t4,gpu-model=Tesla-T4,"
				     "taint=nvidia.com/gpu=present:NoSchedule,pods=20", &v, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(v[0].cpu_milli, 7500);
	ck_assert_int_eq(v[0].memory, 1610612736);
	ck_assert_str_eq(v[2].name, "sandbox-t4-1");
	ck_assert_uint_eq(v[2].ntaints, 1);
	ck_assert_str_eq(v[2].taints[0].key, "nvidia.com/gpu");
	ck_assert_str_eq(v[2].taints[0].value, "present");
	ck_assert_str_eq(v[2].taints[0].effect, "NoSchedule");
	ck_assert_int_eq(v[2].pods, 20);
	free(v);
}
END_TEST

START_TEST(test_spec_errors)
{
	static const struct {
		const char *spec, *msg;
	} rows[] = {
		{ "0:cpu=1", "invalid node spec '0:cpu=1': the count is 1 to 1000" },
		{ "2:cpu", "invalid node spec '2:cpu': expected KEY=VALUE" },
		{ "cpu=lots", "invalid node spec 'cpu=lots': a value is a non-negative quantity" },
		{ "color=red", "invalid node spec 'color=red': keys are cpu, memory, gpu, gpu-model, pods, "
		  "storage, name, taint" },
		{ "gpu-model=T4", "invalid node spec 'gpu-model=T4': gpu-model without gpu" },
		{ "taint=a:Sometimes", "invalid node spec 'taint=a:Sometimes': a taint's effect is "
		  "NoSchedule, PreferNoSchedule or NoExecute" },
		{ "name=Big", "invalid node spec 'name=Big': a name is lower case letters, digits and '-'" },
		{ "1:cpu=1;1:cpu=2", "invalid node spec '1:cpu=2': two groups give the same node names" },
		{ "600:cpu=1;600:cpu=1,name=b", "invalid node spec: more than 1000 nodes" },
		{ ";;", "invalid node spec ';;': no nodes" },
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(rows); i++) {
		struct node_spec *v = NULL;
		size_t n = 9;
		struct error err = { 0 };

		ck_assert_int_eq(simnodes_parse(rows[i].spec, &v, &n, &err), -1);
		ck_assert_ptr_null(v);
		ck_assert_str_eq(err.msg, rows[i].msg);
	}
}
END_TEST

START_TEST(test_node_object)
{
	struct node_spec *v;
	size_t n;
	cJSON *gpu, *cpu;

	ck_assert_int_eq(simnodes_parse(NULL, &v, &n, NULL), 0);
	cpu = simnodes_object(&v[0], NOW);
	gpu = simnodes_object(&v[3], NOW);
	ck_assert_str_eq(json_str(gpu, "metadata.name", ""), "sandbox-gpu-1");
	ck_assert_str_eq(json_get_key(json_get(gpu, "metadata.labels"), "nvidia.com/gpu.product")->valuestring,
			 "NVIDIA-A100-SXM4-40GB");
	ck_assert_str_eq(json_get_key(json_get(gpu, "metadata.labels"), "nvidia.com/gpu.memory")->valuestring,
			 "40960");
	ck_assert_str_eq(json_get_key(json_get(gpu, "status.capacity"), "nvidia.com/gpu")->valuestring, "4");
	ck_assert_str_eq(json_get_key(json_get(gpu, "status.allocatable"), "nvidia.com/gpu")->valuestring, "4");
	ck_assert_ptr_null(json_get_key(json_get(cpu, "status.capacity"), "nvidia.com/gpu"));
	ck_assert_str_eq(json_str(cpu, "status.capacity.cpu", ""), "8");
	ck_assert_str_eq(json_str(cpu, "status.capacity.memory", ""), "33554432Ki");
	ck_assert_str_eq(json_str(cpu, "status.allocatable.memory", ""), "33452032Ki");
	ck_assert_str_eq(json_str(cpu, "status.capacity.pods", ""), "110");
	ck_assert_str_eq(json_str(cpu, "status.conditions.3.type", ""), "Ready");
	ck_assert_str_eq(json_str(cpu, "status.conditions.3.status", ""), "True");
	ck_assert_str_eq(json_str(cpu, "status.conditions.3.reason", ""), "KubeletReady");
	ck_assert_str_eq(json_str(cpu, "status.nodeInfo.kubeletVersion", ""), "v1.34.0");
	ck_assert_str_eq(json_str(cpu, "status.addresses.0.type", ""), "InternalIP");
	cJSON_Delete(cpu);
	cJSON_Delete(gpu);
	free(v);
}
END_TEST

/* a cluster of the default nodes with some usage */
struct sim {
	struct node_spec *spec;
	struct scheduler_node nodes[8];
	cJSON *objs[8];
	size_t n;
};

static void cluster_init(struct sim *c, const char *spec)
{
	ck_assert_int_eq(simnodes_parse(spec, &c->spec, &c->n, NULL), 0);
	memset(c->nodes, 0, sizeof(c->nodes));
	for (size_t i = 0; i < c->n; i++) {
		c->objs[i] = simnodes_object(&c->spec[i], NOW);
		c->nodes[i].node = c->objs[i];
	}
}

static void cluster_release(struct sim *c)
{
	for (size_t i = 0; i < c->n; i++)
		cJSON_Delete(c->objs[i]);
	free(c->spec);
}

static cJSON *pod(const char *cpu, const char *mem, const char *gpu)
{
	char text[512];

	/* a GPU pod tolerates the GPU nodes' taint, as admission made it */
	snprintf(text, sizeof(text), "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\","
		 "\"resources\":{\"requests\":{\"cpu\":\"%s\",\"memory\":\"%s\"}%s%s%s}}]%s}}", cpu, mem,
		 gpu ? ",\"limits\":{\"nvidia.com/gpu\":\"" : "", gpu ? gpu : "", gpu ? "\"}" : "",
		 gpu ? ",\"tolerations\":[{\"key\":\"nvidia.com/gpu\",\"operator\":\"Exists\","
		       "\"effect\":\"NoSchedule\"}]" : "");
	return cJSON_Parse(text);
}

START_TEST(test_requests)
{
	cJSON *p = cJSON_Parse("{\"spec\":{\"containers\":[{\"resources\":{\"requests\":{\"cpu\":\"500m\"},"
			       "\"limits\":{\"cpu\":\"2\",\"memory\":\"1Gi\",\"nvidia.com/gpu\":\"1\"}}},"
			       "{\"resources\":{\"requests\":{\"cpu\":\"250m\",\"memory\":\"256Mi\"}}}],"
			       "\"initContainers\":[{\"resources\":{\"requests\":{\"cpu\":\"3\"}}}]}}");
	struct scheduler_req r;

	scheduler_pod_requests(p, &r);
	ck_assert_int_eq(r.cpu_milli, 3000);
	ck_assert_int_eq(r.memory, (1LL << 30) + (256LL << 20));
	ck_assert_int_eq(r.gpus, 1);
	cJSON_Delete(p);
}
END_TEST

START_TEST(test_pick)
{
	struct sim c;
	cJSON *p;
	struct buf msg = BUF_INIT;

	cluster_init(&c, NULL);
	/* a GPU pod goes to a GPU node */
	p = pod("1", "4Gi", "1");
	ck_assert_int_eq(scheduler_pick(p, c.nodes, c.n, &msg), 3);
	cJSON_Delete(p);
	/* a CPU pod goes to the least allocated: cpu-1 is busy, cpu-2 is not;
	 * the big GPU nodes are freest of all */
	c.nodes[3].used.cpu_milli = 30000;
	c.nodes[4].used.cpu_milli = 30000;
	c.nodes[0].used.cpu_milli = 6000;
	p = pod("100m", "128Mi", NULL);
	ck_assert_int_eq(scheduler_pick(p, c.nodes, c.n, &msg), 1);
	cJSON_Delete(p);
	ck_assert_uint_eq(msg.len, 0);
	cluster_release(&c);
}
END_TEST

START_TEST(test_failed_scheduling)
{
	struct sim c;
	cJSON *p;
	struct buf msg = BUF_INIT;

	cluster_init(&c, NULL);
	/* 5 GPUs on nodes of 4: 3 CPU nodes have none, 2 GPU nodes too few */
	p = pod("100m", "1Gi", "5");
	ck_assert_int_eq(scheduler_pick(p, c.nodes, c.n, &msg), -1);
	ck_assert_str_eq(msg.data, "0/5 nodes are available: 5 Insufficient nvidia.com/gpu. "
			 "preemption: 0/5 nodes are available: 5 No preemption victims found for "
			 "incoming pod.");
	cJSON_Delete(p);
	/* the brief's example: GPU nodes full, CPU nodes short of cpu */
	buf_reset(&msg);
	for (int i = 0; i < 3; i++)
		c.nodes[i].used.cpu_milli = 7900;
	c.nodes[3].used.gpus = 4;
	c.nodes[4].used.gpus = 4;
	c.nodes[3].used.cpu_milli = 32000;
	p = pod("200m", "1Gi", "1");
	ck_assert_int_eq(scheduler_pick(p, c.nodes, c.n, &msg), -1);
	/* a node counts once per reason: the CPU nodes lack GPUs too */
	ck_assert_str_eq(msg.data, "0/5 nodes are available: 4 Insufficient cpu, "
			 "5 Insufficient nvidia.com/gpu. preemption: 0/5 nodes are available: 5 No preemption "
			 "victims found for incoming pod.");
	cJSON_Delete(p);
	buf_release(&msg);
	cluster_release(&c);
}
END_TEST

START_TEST(test_taints_and_selector)
{
	struct sim c;
	cJSON *p;
	struct buf msg = BUF_INIT;

	cluster_init(&c, "2:cpu=2,memory=4Gi;1:gpu=1,cpu=8,memory=16Gi,taint=nvidia.com/gpu=present:NoSchedule");
	/* no toleration: the GPU node is out, the CPU nodes lack the GPU */
	p = pod("100m", "64Mi", "1");
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(p, "spec"), "tolerations");
	ck_assert_int_eq(scheduler_pick(p, c.nodes, c.n, &msg), -1);
	ck_assert_str_eq(msg.data, "0/3 nodes are available: 1 node(s) had untolerated taint "
			 "{nvidia.com/gpu: present}, 2 Insufficient nvidia.com/gpu. preemption: 0/3 nodes "
			 "are available: 1 Preemption is not helpful for scheduling, 2 No preemption "
			 "victims found for incoming pod.");
	/* tolerating it places the pod there */
	cJSON_AddItemToObject(cJSON_GetObjectItem(p, "spec"), "tolerations",
			      cJSON_Parse("[{\"key\":\"nvidia.com/gpu\",\"operator\":\"Exists\","
					  "\"effect\":\"NoSchedule\"}]"));
	ck_assert_int_eq(scheduler_pick(p, c.nodes, c.n, &msg), 2);
	cJSON_Delete(p);
	/* a nodeSelector nobody matches */
	buf_reset(&msg);
	p = pod("100m", "64Mi", NULL);
	cJSON_AddItemToObject(cJSON_GetObjectItem(p, "spec"), "nodeSelector",
			      cJSON_Parse("{\"disktype\":\"ssd\"}"));
	ck_assert_int_eq(scheduler_pick(p, c.nodes, c.n, &msg), -1);
	ck_assert_str_eq(msg.data, "0/3 nodes are available: 1 node(s) had untolerated taint "
			 "{nvidia.com/gpu: present}, 2 node(s) didn't match Pod's node affinity/selector. "
			 "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
	cJSON_Delete(p);
	/* too many pods */
	buf_reset(&msg);
	c.nodes[0].pods = c.nodes[1].pods = 110;
	p = pod("100m", "64Mi", NULL);
	ck_assert_int_eq(scheduler_pick(p, c.nodes, c.n, &msg), -1);
	ck_assert(strstr(msg.data, "2 Too many pods") != NULL);
	cJSON_Delete(p);
	buf_release(&msg);
	cluster_release(&c);
}
END_TEST

static Suite *scheduler_suite(void)
{
	Suite *s = suite_create("sb_scheduler");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_default_spec);
	tcase_add_test(tc, test_spec_grammar);
	tcase_add_test(tc, test_spec_errors);
	tcase_add_test(tc, test_node_object);
	tcase_add_test(tc, test_requests);
	tcase_add_test(tc, test_pick);
	tcase_add_test(tc, test_failed_scheduling);
	tcase_add_test(tc, test_taints_and_selector);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(scheduler_suite)
