/*
 * simmetrics.c: simulated usage, metrics.k8s.io objects and DCGM text
 * (simmetrics.h).
 *
 * Everything is a pure function of names and time: a 64-bit FNV-1a hash
 * picks a container's profile, its level within the profile, and the
 * phase and period of a wobble.  Integers only, but for the one sine of
 * the wobble; the result is rounded to whole nanocores and bytes.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/str.h"
#include "datalab/kube/quantity.h"
#include "datalab/sandbox/simmetrics.h"

static uint64_t fnv(const char *a, const char *b, const char *c)
{
	uint64_t h = 14695981039346656037ull;
	const char *parts[3] = { a, b, c };

	for (int i = 0; i < 3; i++) {
		for (const unsigned char *p = (const unsigned char *)(parts[i] ? parts[i] : ""); *p; p++) {
			h ^= *p;
			h *= 1099511628211ull;
		}
		h ^= '/';
		h *= 1099511628211ull;
	}
	return h;
}

static int64_t qty(const cJSON *obj, const char *key, bool milli, int64_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	struct quantity q;

	if (!cJSON_IsString(v) || quantity_parse_str(v->valuestring, &q, NULL) != 0)
		return def;
	return milli ? quantity_milli(&q) : quantity_value(&q);
}

static int64_t container_gpus(const cJSON *c)
{
	int64_t g = qty(json_get(c, "resources.limits"), "nvidia.com/gpu", false, 0);

	return g ? g : qty(json_get(c, "resources.requests"), "nvidia.com/gpu", false, 0);
}

void simmetrics_container(const cJSON *pod, const cJSON *c, int64_t t, struct simmetrics_usage *u)
{
	uint64_t h = fnv(json_str(pod, "metadata.namespace", ""), json_str(pod, "metadata.name", ""),
			 json_str(c, "name", ""));
	const cJSON *req = json_get(c, "resources.requests"), *lim = json_get(c, "resources.limits");
	int64_t cpu = qty(req, "cpu", true, qty(lim, "cpu", true, 100));
	int64_t mem = qty(req, "memory", false, qty(lim, "memory", false, 128LL << 20));
	unsigned profile = (unsigned)(h % 10), level = (unsigned)((h >> 8) % 1000);
	double period = 60.0 + (double)((h >> 20) % 240), phase = (double)((h >> 32) % 628) / 100.0;
	double wobble = sin(2 * M_PI * (double)t / period + phase);
	double frac;

	if (container_gpus(c) > 0) {
		frac = 0.60 + 0.40 * level / 1000.0;
		u->gpu_util = (int)(60 + (h >> 40) % 35 + 5 * wobble);
	} else if (profile < 6) {
		frac = 0.02 + 0.06 * level / 1000.0;
		u->gpu_util = 0;
	} else if (profile < 9) {
		frac = 0.40 + 0.50 * level / 1000.0;
		u->gpu_util = 0;
	} else {
		/* spiky: a 30 s burst in each period */
		frac = fmod((double)t + phase * 10, period) < 30 ? 0.95 : 0.03;
		u->gpu_util = 0;
	}
	frac *= 1.0 + 0.2 * wobble;
	if (u->gpu_util > 100)
		u->gpu_util = 100;
	if (u->gpu_util < 0)
		u->gpu_util = 0;
	u->cpu_nano = (int64_t)((double)cpu * 1e6 * frac);
	if (u->cpu_nano < 1000000)
		u->cpu_nano = 1000000 + (int64_t)(h % 500000);
	u->memory = (int64_t)((double)mem * (0.30 + 0.55 * ((h >> 48) % 1000) / 1000.0 +
					     0.03 * wobble));
	if (u->memory < (8LL << 20))
		u->memory = (8LL << 20) + (int64_t)(h % 4096) * 1024;
}

static void add_usage(cJSON *obj, int64_t cpu_nano, int64_t mem)
{
	cJSON *usage = cJSON_AddObjectToObject(obj, "usage");
	char tmp[48];

	snprintf(tmp, sizeof(tmp), "%lldn", (long long)cpu_nano);
	cJSON_AddStringToObject(usage, "cpu", tmp);
	snprintf(tmp, sizeof(tmp), "%lldKi", (long long)(mem / 1024));
	cJSON_AddStringToObject(usage, "memory", tmp);
}

static void add_meta(cJSON *obj, const char *kind, const cJSON *src, const char *now)
{
	cJSON *meta;
	const cJSON *labels = json_get(src, "metadata.labels");

	cJSON_AddStringToObject(obj, "kind", kind);
	cJSON_AddStringToObject(obj, "apiVersion", "metrics.k8s.io/v1beta1");
	meta = cJSON_AddObjectToObject(obj, "metadata");
	cJSON_AddStringToObject(meta, "name", json_str(src, "metadata.name", ""));
	if (json_get(src, "metadata.namespace"))
		cJSON_AddStringToObject(meta, "namespace", json_str(src, "metadata.namespace", ""));
	cJSON_AddStringToObject(meta, "creationTimestamp", now);
	if (labels)
		cJSON_AddItemToObject(meta, "labels", cJSON_Duplicate(labels, true));
	cJSON_AddStringToObject(obj, "timestamp", now);
	cJSON_AddStringToObject(obj, "window", SIMMETRICS_WINDOW);
}

cJSON *simmetrics_pod_object(const cJSON *pod, int64_t t, const char *now, const struct simmetrics_usage *extra)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	const cJSON *c;
	size_t i = 0;

	add_meta(o, "PodMetrics", pod, now);
	arr = cJSON_AddArrayToObject(o, "containers");
	cJSON_ArrayForEach(c, json_get(pod, "spec.containers")) {
		struct simmetrics_usage u;
		cJSON *e = cJSON_CreateObject();

		simmetrics_container(pod, c, t, &u);
		if (extra) {
			u.cpu_nano += extra[i].cpu_nano;
			u.memory += extra[i].memory;
		}
		i++;
		cJSON_AddStringToObject(e, "name", json_str(c, "name", ""));
		add_usage(e, u.cpu_nano, u.memory);
		cJSON_AddItemToArray(arr, e);
	}
	return o;
}

cJSON *simmetrics_node_object(const cJSON *node, const cJSON *const *pods, size_t npods, int64_t t,
			   const char *now, const struct simmetrics_usage *extra)
{
	cJSON *o = cJSON_CreateObject();
	uint64_t h = fnv(json_str(node, "metadata.name", ""), "", "");
	/* the node's own: kubelet, runtime, system daemons */
	int64_t cpu = 60000000 + (int64_t)(h % 60000000), mem = (900LL << 20) + (int64_t)(h % 300) * (1 << 20);

	for (size_t i = 0; i < npods; i++) {
		const cJSON *c;

		cJSON_ArrayForEach(c, json_get(pods[i], "spec.containers")) {
			struct simmetrics_usage u;

			simmetrics_container(pods[i], c, t, &u);
			cpu += u.cpu_nano;
			mem += u.memory;
		}
	}
	if (extra) {
		cpu += extra->cpu_nano;
		mem += extra->memory;
	}
	add_meta(o, "NodeMetrics", node, now);
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "metadata"), "namespace");
	add_usage(o, cpu, mem);
	return o;
}

/* the pod and container holding GPU index i of node, if any */
static bool gpu_owner(const char *node, int i, const cJSON *const *pods, size_t npods,
		      const cJSON **pod, const cJSON **container)
{
	for (size_t p = 0; p < npods; p++) {
		const cJSON *ann = json_get(pods[p], "metadata.annotations");
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(ann, SIMMETRICS_GPU_ANNOTATION);
		const cJSON *c;
		char **idx;
		size_t n;
		int k = 0;
		bool found = false;

		if (!cJSON_IsString(a) || strcmp(json_str(pods[p], "spec.nodeName", ""), node) != 0)
			continue;
		idx = str_split(a->valuestring, ',', &n);
		/* the pod's GPUs go to its containers in order */
		cJSON_ArrayForEach(c, json_get(pods[p], "spec.containers")) {
			for (int64_t g = container_gpus(c); g > 0 && !found; g--, k++) {
				int64_t v;

				if ((size_t)k < n && str_parse_i64(idx[k], &v) == 0 && v == i) {
					*pod = pods[p];
					*container = c;
					found = true;
				}
			}
		}
		str_free_list(idx);
		if (found)
			return true;
	}
	return false;
}

void simmetrics_dcgm_text(struct buf *out, const cJSON *const *nodes, size_t nnodes,
		       const cJSON *const *pods, size_t npods, int64_t t)
{
	static const struct {
		const char *name, *help;
	} series[] = {
		{ "DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %)." },
		{ "DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB)." },
		{ "DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB)." },
		{ "DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C)." },
		{ "DCGM_FI_DEV_POWER_USAGE", "Power draw (in W)." },
	};

	for (size_t s = 0; s < DL_ARRAY_LEN(series); s++) {
		buf_addf(out, "# HELP %s %s\n# TYPE %s gauge\n", series[s].name, series[s].help,
			 series[s].name);
		for (size_t n = 0; n < nnodes; n++) {
			const char *node = json_str(nodes[n], "metadata.name", "");
			const cJSON *labels = json_get(nodes[n], "metadata.labels");
			const cJSON *model = json_get_key(labels, "nvidia.com/gpu.product");
			int64_t gpus = qty(json_get(nodes[n], "status.capacity"), "nvidia.com/gpu", false, 0);
			int64_t total = qty(labels, "nvidia.com/gpu.memory", false, 40960);

			for (int i = 0; i < gpus && i < 64; i++) {
				const cJSON *pod = NULL, *c = NULL;
				struct simmetrics_usage u = { 0, 0, 0 };
				uint64_t h = fnv(node, "gpu", "");
				int64_t used;
				double v;

				if (gpu_owner(node, i, pods, npods, &pod, &c))
					simmetrics_container(pod, c, t, &u);
				used = pod ? total * (40 + u.gpu_util / 2) / 100 : 0;
				switch (s) {
				case 0: v = u.gpu_util; break;
				case 1: v = (double)used; break;
				case 2: v = (double)(total - used); break;
				case 3: v = 32 + u.gpu_util / 3; break;
				default: v = 55.0 + 3.5 * u.gpu_util; break;
				}
				buf_addf(out, "%s{gpu=\"%d\",UUID=\"GPU-%08x-%04x-%04x-%04x-%012llx\","
					 "device=\"nvidia%d\",modelName=\"%s\",Hostname=\"%s\"",
					 series[s].name, i, (unsigned)(h >> 32), (unsigned)(h >> 16) & 0xffff,
					 (unsigned)h & 0xffff, (unsigned)i, (unsigned long long)(h & 0xffffffffffffull),
					 i, cJSON_IsString(model) ? model->valuestring : "", node);
				if (pod)
					buf_addf(out, ",container=\"%s\",namespace=\"%s\",pod=\"%s\"",
						 json_str(c, "name", ""), json_str(pod, "metadata.namespace", ""),
						 json_str(pod, "metadata.name", ""));
				buf_addf(out, "} %g\n", v);
			}
		}
	}
}
