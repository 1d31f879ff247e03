/*
 * fuzz_metrics.c: the Metrics API readers on any bytes: the DCGM text
 * page (every sample names a pod and stays in 0..100; the walk over every
 * sample, idle GPUs too, sees at least as many), a Go duration
 * (never negative unless -1), and a PodMetrics item parsed from JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/kube/metrics.h"

static void on_gpu(const char *ns, const char *pod, const char *gpu, double v, void *arg)
{
	(void)ns;
	(void)gpu;
	if (!*pod || v < 0 || v > 100)
		abort();
	(*(int *)arg)++;
}

static void on_sample(const struct metrics_gpu_sample *smp, void *arg)
{
	if (!smp->host || !smp->gpu || !smp->ns || !smp->pod || smp->value < 0 || smp->value > 100)
		abort();
	(*(int *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int all = 0;
	int seen = 0;
	char *s = malloc(size + 1);
	cJSON *j;
	struct metrics_series m;
	int64_t d;

	if (metrics_parse_dcgm((const char *)data, size, on_gpu, &seen) != seen)
		abort();
	if (metrics_parse_dcgm_samples((const char *)data, size, on_sample, &all) != all || all < seen)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	d = metrics_parse_duration(s);
	if (d < -1)
		abort();
	if ((j = json_parse((const char *)data, size, NULL))) {
		if (metrics_parse_item(j, &m, NULL) == 0) {
			if (!m.name || !*m.name || !m.ns)
				abort();
			metrics_series_clear(&m);
		}
		cJSON_Delete(j);
	}
	free(s);
	return 0;
}
