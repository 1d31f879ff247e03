/*
 * fuzz_kubeconfig.c: any bytes as a --kubeconfig file either load into a
 * complete config (server, namespace, context set) or fail with a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/kube/kubeconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct kubeconfig_opts o = { 0 };
	struct kubeconfig *kc;
	struct error err;
	struct buf h = BUF_INIT;
	FILE *f;

	if (!path[0]) {
		int fd;

		snprintf(path, sizeof(path), "/tmp/dl-fuzz-kc-XXXXXX");
		fd = mkstemp(path);
		if (fd < 0)
			abort();
		close(fd);
		setenv("KUBERNETES_SERVICE_HOST", "", 1);
	}
	f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	o.kubeconfig = path;
	err.msg[0] = '\0';
	kc = kubeconfig_load(&o, &err);
	if (!kc) {
		if (!err.msg[0])
			abort();
		return 0;
	}
	if (!kc->server || !kc->namespace || !kc->context || !*kc->namespace)
		abort();
	kubeconfig_auth_header(kc, &h, &err);
	buf_release(&h);
	kubeconfig_free(kc);
	return 0;
}
