/*
 * fuzz_exec.c: the channel 3 Status parser of kube/exec on any bytes;
 * invariants: the exit code is -1 (not a Status) or 0..255, a parse
 * failure always means -1, and the message holds no control character
 * (it goes to the screen and into exit messages).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/kube/exec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[256];
	int code;
	int rc = exec_status_parse((const char *)data, size, &code, msg, sizeof(msg));
	struct buf b = BUF_INIT;

	if (code < -1 || code > 255 || (rc != 0 && code != -1) || (rc == 0 && code < 0))
		abort();
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
	/* framing a message keeps its bytes */
	if (exec_encode(&b, size ? data[0] : 0, data, size) != 0 || b.len != size + 1 ||
	    (size && memcmp(b.data + 1, data, size) != 0))
		abort();
	buf_release(&b);
	return 0;
}
