/*
 * cluster_quota.c: ResourceQuotas for the title bar, and the CPU and
 * memory formats every view uses (see cluster.h).  A quota feeds one row
 * per namespace, its items as milli-units, hard and used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/model/cluster.h"
#include "datalab/model/kobj.h"
#include "cluster-internal.h"

void cluster_quota_clear(struct cluster_quota *q)
{
	free(q->ns);
	free(q->name);
	for (size_t i = 0; i < q->nitems; i++)
		free(q->items[i].resource);
	free(q->items);
	memset(q, 0, sizeof(*q));
}

void cluster_feed_quota(struct cluster *c, const cJSON *obj, bool deleted)
{
	const char *ns = json_str(obj, "metadata.namespace", "");
	const char *name = json_str(obj, "metadata.name", NULL);
	const cJSON *hard = json_get(obj, "status.hard"), *h;
	struct cluster_quota *q = NULL;

	if (!name)
		return;
	for (size_t i = 0; i < c->nquotas; i++)
		if (str_eq(c->quotas[i].ns, ns) && str_eq(c->quotas[i].name, name))
			q = &c->quotas[i];
	if (q) {
		cluster_quota_clear(q);
		*q = c->quotas[--c->nquotas];
	}
	cluster_changed(c);
	if (deleted)
		return;
	if (!hard)		/* the quota controller has not filled status yet */
		hard = json_get(obj, "spec.hard");
	c->quotas = xreallocarray(c->quotas, c->nquotas + 1, sizeof(*c->quotas));
	q = &c->quotas[c->nquotas++];
	memset(q, 0, sizeof(*q));
	q->ns = xstrdup(ns);
	q->name = xstrdup(name);
	cJSON_ArrayForEach(h, hard) {
		struct cluster_quota_item *it;

		if (!h->string)
			continue;
		q->items = xreallocarray(q->items, q->nitems + 1, sizeof(*q->items));
		it = &q->items[q->nitems++];
		it->resource = xstrdup(h->string);
		it->hard_milli = kobj_quantity(h, true);
		it->used_milli = kobj_quantity(json_get_key(json_get(obj, "status.used"), h->string), true);
	}
}

const struct cluster_quota *cluster_quota_for(struct cluster *c, const char *ns)
{
	const struct cluster_quota *best = NULL;

	/* Onyxia's is named onyxia-quota; otherwise the first by name */
	for (size_t i = 0; i < c->nquotas; i++) {
		const struct cluster_quota *q = &c->quotas[i];

		if (!str_eq(q->ns, ns))
			continue;
		if (str_eq(q->name, "onyxia-quota"))
			return q;
		if (!best || strcmp(q->name, best->name) < 0)
			best = q;
	}
	return best;
}

const struct cluster_quota_item *cluster_quota_item(const struct cluster_quota *q, const char *resource)
{
	const char *bare = str_has_prefix(resource, "requests.") ? resource + strlen("requests.") : resource;

	if (!q)
		return NULL;
	for (size_t i = 0; i < q->nitems; i++)
		if (str_eq(q->items[i].resource, resource))
			return &q->items[i];
	/* "cpu" and "requests.cpu" mean the same in a quota */
	for (size_t i = 0; i < q->nitems; i++) {
		const char *r = q->items[i].resource;

		if (str_has_prefix(r, "requests."))
			r += strlen("requests.");
		if (str_eq(r, bare))
			return &q->items[i];
	}
	return NULL;
}

void cluster_format_cpu(char *dst, size_t size, int64_t m)
{
	if (m < 0)
		snprintf(dst, size, "-");
	else if (m % 1000 == 0)
		snprintf(dst, size, "%lld", (long long)(m / 1000));
	else if (m < 1000)
		snprintf(dst, size, "%lldm", (long long)m);
	else
		snprintf(dst, size, "%.1f", (double)m / 1000.0);
}

void cluster_format_mem(char *dst, size_t size, int64_t b)
{
	static const char *const units[] = { "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
	double v = (double)b;
	int u = -1;

	if (b < 0) {
		snprintf(dst, size, "-");
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(dst, size, "%lld", (long long)b);
	else if (v == (double)(int64_t)v || v >= 100)
		snprintf(dst, size, "%.0f%s", v, units[u]);
	else
		snprintf(dst, size, "%.1f%s", v, units[u]);
}

void cluster_quota_summary(struct cluster *c, const char *ns, char *dst, size_t size)
{
	const struct cluster_quota *q = cluster_quota_for(c, ns);
	const struct cluster_quota_item *cpu, *mem, *gpu;
	size_t k = 0;

	if (size)
		dst[0] = '\0';
	if (!q)
		return;
	cpu = cluster_quota_item(q, "requests.cpu");
	mem = cluster_quota_item(q, "requests.memory");
	gpu = cluster_quota_item(q, "requests." CLUSTER_GPU_RESOURCE);
	if (cpu && k < size) {
		char u[32], h[32];

		cluster_format_cpu(u, sizeof(u), cpu->used_milli);
		cluster_format_cpu(h, sizeof(h), cpu->hard_milli);
		k += (size_t)snprintf(dst + k, size - k, "cpu %s/%s", u, h);
	}
	if (mem && k < size) {
		char u[32], h[32];

		cluster_format_mem(u, sizeof(u), mem->used_milli / 1000);
		cluster_format_mem(h, sizeof(h), mem->hard_milli / 1000);
		k += (size_t)snprintf(dst + k, size - k, "%smem %s/%s", k ? "  " : "", u, h);
	}
	if (gpu && k < size)
		snprintf(dst + k, size - k, "%sgpu %lld/%lld", k ? "  " : "", (long long)(gpu->used_milli / 1000),
			 (long long)(gpu->hard_milli / 1000));
}

