/*
 * simnodes.c: --nodes specs and the Node objects of the simulation (simnodes.h).
 *
 * Parsing walks groups split on ';', then KEY=VALUE pairs split on ','.
 * Quantities go through kube/quantity so "7500m" and "1.5Gi" mean what
 * they mean to the apiserver.  A Node is shaped like a kubelet's report:
 * well-known labels (plus GPU feature discovery's nvidia.com/gpu.* on GPU
 * nodes), capacity and allocatable (the kubelet's default eviction
 * threshold, memory.available<100Mi and nodefs.available<10%, subtracted),
 * the four pressure/Ready conditions with the kubelet's reasons and
 * messages, addresses, and nodeInfo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/kube/quantity.h"
#include "datalab/sandbox/simnodes.h"

static int bad(struct error *err, const char *group, const char *why)
{
	return error_set(err, ERR_INVALID, "invalid node spec '%s': %s", group, why);
}

static int parse_taint(struct node_spec *s, const char *v, const char *group, struct error *err)
{
	const char *colon = strrchr(v, ':'), *eq;
	struct node_taint *t;

	if (s->ntaints >= SIMNODES_MAX_TAINTS)
		return bad(err, group, "too many taints");
	if (!colon || colon == v)
		return bad(err, group, "a taint is KEY[=VALUE]:EFFECT");
	if (strcmp(colon + 1, "NoSchedule") != 0 && strcmp(colon + 1, "PreferNoSchedule") != 0 &&
	    strcmp(colon + 1, "NoExecute") != 0)
		return bad(err, group, "a taint's effect is NoSchedule, PreferNoSchedule or NoExecute");
	t = &s->taints[s->ntaints++];
	memset(t, 0, sizeof(*t));
	eq = memchr(v, '=', (size_t)(colon - v));
	snprintf(t->key, sizeof(t->key), "%.*s", (int)((eq ? eq : colon) - v), v);
	if (eq)
		snprintf(t->value, sizeof(t->value), "%.*s", (int)(colon - eq - 1), eq + 1);
	snprintf(t->effect, sizeof(t->effect), "%s", colon + 1);
	return 0;
}

static int parse_pair(struct node_spec *s, char *pair, const char *group, struct error *err)
{
	char *eq = strchr(pair, '=');
	struct quantity q;
	struct error qerr;
	const char *k, *v;

	if (!eq)
		return bad(err, group, "expected KEY=VALUE");
	*eq = '\0';
	k = str_trim(pair);
	v = str_trim(eq + 1);
	if (strcmp(k, "gpu-model") == 0 || strcmp(k, "gpu.product") == 0) {
		snprintf(s->gpu_model, sizeof(s->gpu_model), "%s", v);
		return 0;
	}
	if (strcmp(k, "name") == 0) {
		for (const char *p = v; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
				return bad(err, group, "a name is lower case letters, digits and '-'");
		if (!*v || strlen(v) > 40)
			return bad(err, group, "a name is 1 to 40 characters");
		snprintf(s->name, sizeof(s->name), "%s", v);
		return 0;
	}
	if (strcmp(k, "taint") == 0)
		return parse_taint(s, v, group, err);
	if (strcmp(k, "cpu") && strcmp(k, "memory") && strcmp(k, "gpu") && strcmp(k, "nvidia.com/gpu") &&
	    strcmp(k, "pods") && strcmp(k, "storage") && strcmp(k, "ephemeral-storage"))
		return bad(err, group, "keys are cpu, memory, gpu, gpu-model, pods, storage, name, taint");
	if (quantity_parse_str(v, &q, &qerr) != 0 || q.value < 0)
		return bad(err, group, "a value is a non-negative quantity");
	if (strcmp(k, "cpu") == 0)
		s->cpu_milli = quantity_milli(&q);
	else if (strcmp(k, "memory") == 0)
		s->memory = quantity_value(&q);
	else if (strcmp(k, "gpu") == 0 || strcmp(k, "nvidia.com/gpu") == 0)
		s->gpus = quantity_value(&q);
	else if (strcmp(k, "pods") == 0)
		s->pods = quantity_value(&q);
	else if (strcmp(k, "storage") == 0 || strcmp(k, "ephemeral-storage") == 0)
		s->storage = quantity_value(&q);
	else
		return bad(err, group, "keys are cpu, memory, gpu, gpu-model, pods, storage, name, taint");
	return 0;
}

int simnodes_parse(const char *spec, struct node_spec **out, size_t *n, struct error *err)
{
	char **groups;
	size_t ng, total = 0;
	struct node_spec *v = NULL;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!spec || !*spec)
		spec = SIMNODES_DEFAULT_SPEC;
	groups = str_split(spec, ';', &ng);
	for (size_t g = 0; g < ng && rc == 0; g++) {
		char *grp = str_trim(groups[g]), *body = grp, *colon;
		struct node_spec tmpl;
		int64_t count = 1;
		char **pairs;
		size_t np;
		char orig[256];

		if (!*grp)
			continue;
		snprintf(orig, sizeof(orig), "%s", grp);
		memset(&tmpl, 0, sizeof(tmpl));
		tmpl.cpu_milli = 4000;
		tmpl.memory = 16LL << 30;
		tmpl.pods = 110;
		tmpl.storage = 100LL << 30;
		colon = strchr(grp, ':');
		/* COUNT ':' only when what precedes the colon is a number */
		if (colon && colon > grp && strspn(grp, "0123456789 \t") == (size_t)(colon - grp)) {
			*colon = '\0';
			if (str_parse_i64(str_trim(grp), &count) != 0 || count < 1 || count > SIMNODES_MAX) {
				rc = bad(err, orig, "the count is 1 to 1000");
				break;
			}
			body = colon + 1;
		}
		pairs = str_split(body, ',', &np);
		for (size_t i = 0; i < np && rc == 0; i++)
			if (*str_trim(pairs[i]))
				rc = parse_pair(&tmpl, pairs[i], orig, err);
		str_free_list(pairs);
		if (rc != 0)
			break;
		if (tmpl.cpu_milli <= 0 || tmpl.memory <= 0 || tmpl.pods <= 0)
			rc = bad(err, orig, "cpu, memory and pods must be above zero");
		else if (tmpl.gpu_model[0] && !tmpl.gpus)
			rc = bad(err, orig, "gpu-model without gpu");
		else if (total + (size_t)count > SIMNODES_MAX)
			rc = error_set(err, ERR_INVALID, "invalid node spec: more than %d nodes", SIMNODES_MAX);
		if (rc != 0)
			break;
		if (tmpl.gpus && !tmpl.gpu_model[0])
			snprintf(tmpl.gpu_model, sizeof(tmpl.gpu_model), "NVIDIA-A100-SXM4-40GB");
		v = xreallocarray(v, total + (size_t)count, sizeof(*v));
		for (int64_t i = 0; i < count; i++) {
			struct node_spec *s = &v[total];
			const char *base = tmpl.name[0] ? tmpl.name : tmpl.gpus ? "gpu" : "cpu";

			*s = tmpl;
			/* names are at most 40 characters (parse_pair): no truncation */
			snprintf(s->name, sizeof(s->name), "sandbox-%.40s-%lld", base, (long long)i + 1);
			s->index = (unsigned)total;
			for (size_t j = 0; j < total; j++)
				if (strcmp(v[j].name, s->name) == 0)
					rc = bad(err, orig, "two groups give the same node names");
			total++;
		}
	}
	str_free_list(groups);
	if (rc == 0 && total == 0)
		rc = error_set(err, ERR_INVALID, "invalid node spec '%s': no nodes", spec);
	if (rc != 0) {
		free(v);
		return -1;
	}
	*out = v;
	*n = total;
	return 0;
}

/* gpu_memory_mib: GPU feature discovery's nvidia.com/gpu.memory for known models */
static int64_t gpu_memory_mib(const char *model)
{
	static const struct {
		const char *needle;
		int64_t mib;
	} known[] = {
		{ "80GB", 81920 }, { "40GB", 40960 }, { "H100", 81559 }, { "T4", 15360 },
		{ "L4", 23034 }, { "V100", 16384 }, { "A10", 23028 },
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(known); i++)
		if (strstr(model, known[i].needle))
			return known[i].mib;
	return 0;
}

static void add_condition(cJSON *arr, const char *type, const char *status, const char *reason,
			  const char *message, const char *now)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", status);
	cJSON_AddStringToObject(c, "lastHeartbeatTime", now);
	cJSON_AddStringToObject(c, "lastTransitionTime", now);
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddStringToObject(c, "message", message);
	cJSON_AddItemToArray(arr, c);
}

static void add_resources(cJSON *obj, const struct node_spec *s, bool allocatable)
{
	char tmp[48];
	int64_t mem = s->memory, storage = s->storage;

	if (allocatable) {	/* the kubelet's default hard eviction thresholds */
		mem = mem > (100LL << 20) ? mem - (100LL << 20) : 0;
		storage -= storage / 10;
	}
	{
		struct quantity q;

		quantity_from_milli(&q, s->cpu_milli);
		quantity_format(&q, tmp, sizeof(tmp));
	}
	cJSON_AddStringToObject(obj, "cpu", tmp);
	if (allocatable) {
		snprintf(tmp, sizeof(tmp), "%lld", (long long)storage);
	} else {
		snprintf(tmp, sizeof(tmp), "%lldKi", (long long)(storage / 1024));
	}
	cJSON_AddStringToObject(obj, "ephemeral-storage", tmp);
	cJSON_AddStringToObject(obj, "hugepages-1Gi", "0");
	cJSON_AddStringToObject(obj, "hugepages-2Mi", "0");
	snprintf(tmp, sizeof(tmp), "%lldKi", (long long)(mem / 1024));
	cJSON_AddStringToObject(obj, "memory", tmp);
	if (s->gpus) {
		snprintf(tmp, sizeof(tmp), "%lld", (long long)s->gpus);
		cJSON_AddStringToObject(obj, "nvidia.com/gpu", tmp);
	}
	snprintf(tmp, sizeof(tmp), "%lld", (long long)s->pods);
	cJSON_AddStringToObject(obj, "pods", tmp);
}

cJSON *simnodes_object(const struct node_spec *s, const char *now)
{
	cJSON *node = cJSON_CreateObject(), *meta, *labels, *ann, *spec, *status, *arr, *info;
	char tmp[128];
	unsigned ip = s->index + 10;

	cJSON_AddStringToObject(node, "kind", "Node");
	cJSON_AddStringToObject(node, "apiVersion", "v1");
	meta = cJSON_AddObjectToObject(node, "metadata");
	cJSON_AddStringToObject(meta, "name", s->name);
	cJSON_AddStringToObject(meta, "creationTimestamp", now);
	labels = cJSON_AddObjectToObject(meta, "labels");
	cJSON_AddStringToObject(labels, "beta.kubernetes.io/arch", "amd64");
	cJSON_AddStringToObject(labels, "beta.kubernetes.io/os", "linux");
	cJSON_AddStringToObject(labels, "kubernetes.io/arch", "amd64");
	cJSON_AddStringToObject(labels, "kubernetes.io/hostname", s->name);
	cJSON_AddStringToObject(labels, "kubernetes.io/os", "linux");
	cJSON_AddStringToObject(labels, "node.kubernetes.io/instance-type",
				s->gpus ? "sandbox-gpu" : "sandbox-cpu");
	cJSON_AddStringToObject(labels, "topology.kubernetes.io/zone", "sandbox-a");
	if (s->gpus) {
		int64_t mib = gpu_memory_mib(s->gpu_model);

		snprintf(tmp, sizeof(tmp), "%lld", (long long)s->gpus);
		cJSON_AddStringToObject(labels, "nvidia.com/gpu.count", tmp);
		if (mib) {
			snprintf(tmp, sizeof(tmp), "%lld", (long long)mib);
			cJSON_AddStringToObject(labels, "nvidia.com/gpu.memory", tmp);
		}
		cJSON_AddStringToObject(labels, "nvidia.com/gpu.present", "true");
		cJSON_AddStringToObject(labels, "nvidia.com/gpu.product", s->gpu_model);
	}
	ann = cJSON_AddObjectToObject(meta, "annotations");
	cJSON_AddStringToObject(ann, "node.alpha.kubernetes.io/ttl", "0");
	cJSON_AddStringToObject(ann, "volumes.kubernetes.io/controller-managed-attach-detach", "true");
	spec = cJSON_AddObjectToObject(node, "spec");
	snprintf(tmp, sizeof(tmp), "10.244.%u.0/24", s->index);
	cJSON_AddStringToObject(spec, "podCIDR", tmp);
	arr = cJSON_AddArrayToObject(spec, "podCIDRs");
	cJSON_AddItemToArray(arr, cJSON_CreateString(tmp));
	snprintf(tmp, sizeof(tmp), "sandbox://%s", s->name);
	cJSON_AddStringToObject(spec, "providerID", tmp);
	if (s->ntaints) {
		arr = cJSON_AddArrayToObject(spec, "taints");
		for (size_t i = 0; i < s->ntaints; i++) {
			cJSON *t = cJSON_CreateObject();

			cJSON_AddStringToObject(t, "key", s->taints[i].key);
			if (s->taints[i].value[0])
				cJSON_AddStringToObject(t, "value", s->taints[i].value);
			cJSON_AddStringToObject(t, "effect", s->taints[i].effect);
			cJSON_AddItemToArray(arr, t);
		}
	}
	status = cJSON_AddObjectToObject(node, "status");
	add_resources(cJSON_AddObjectToObject(status, "capacity"), s, false);
	add_resources(cJSON_AddObjectToObject(status, "allocatable"), s, true);
	arr = cJSON_AddArrayToObject(status, "conditions");
	add_condition(arr, "MemoryPressure", "False", "KubeletHasSufficientMemory",
		      "kubelet has sufficient memory available", now);
	add_condition(arr, "DiskPressure", "False", "KubeletHasNoDiskPressure",
		      "kubelet has no disk pressure", now);
	add_condition(arr, "PIDPressure", "False", "KubeletHasSufficientPID",
		      "kubelet has sufficient PID available", now);
	add_condition(arr, "Ready", "True", "KubeletReady", "kubelet is posting ready status", now);
	arr = cJSON_AddArrayToObject(status, "addresses");
	{
		cJSON *a = cJSON_CreateObject(), *h = cJSON_CreateObject();

		snprintf(tmp, sizeof(tmp), "10.0.%u.%u", ip / 250, ip % 250);
		cJSON_AddStringToObject(a, "type", "InternalIP");
		cJSON_AddStringToObject(a, "address", tmp);
		cJSON_AddStringToObject(h, "type", "Hostname");
		cJSON_AddStringToObject(h, "address", s->name);
		cJSON_AddItemToArray(arr, a);
		cJSON_AddItemToArray(arr, h);
	}
	{
		cJSON *de = cJSON_AddObjectToObject(status, "daemonEndpoints");
		cJSON *ke = cJSON_AddObjectToObject(de, "kubeletEndpoint");

		cJSON_AddNumberToObject(ke, "Port", 10250);
	}
	info = cJSON_AddObjectToObject(status, "nodeInfo");
	snprintf(tmp, sizeof(tmp), "%032x", s->index + 0x5a4db0u);
	cJSON_AddStringToObject(info, "machineID", tmp);
	cJSON_AddStringToObject(info, "systemUUID", tmp);
	cJSON_AddStringToObject(info, "bootID", tmp);
	cJSON_AddStringToObject(info, "kernelVersion", "6.1.0-sandbox");
	cJSON_AddStringToObject(info, "osImage", "datalab-sandbox simulated node");
	cJSON_AddStringToObject(info, "containerRuntimeVersion", "containerd://1.7.24");
	cJSON_AddStringToObject(info, "kubeletVersion", "v1.34.0");
	cJSON_AddStringToObject(info, "kubeProxyVersion", "v1.34.0");
	cJSON_AddStringToObject(info, "operatingSystem", "linux");
	cJSON_AddStringToObject(info, "architecture", "amd64");
	return node;
}
