/*
 * fuzz_wsframe.c: feeds bytes to both decoder roles, split at a point the
 * first byte picks; invariants: a message never exceeds the cap, a control
 * frame never exceeds 125 bytes, text messages are valid UTF-8, and a
 * failure always names a close code that may be sent.
 */
#include <stdint.h>
#include <stdlib.h>

#include "datalab/core/utf8.h"
#include "datalab/net/wsframe.h"

#define CAP 4096

static void on_msg(unsigned opcode, const uint8_t *data, size_t n, void *arg)
{
	(void)arg;
	if (n > CAP)
		abort();
	if ((opcode & 8) && n > WSFRAME_MAX_CONTROL)
		abort();
	if (opcode == WSFRAME_TEXT && !utf8_valid((const char *)data, n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int role = 0; role < 2; role++) {
		struct wsframe_decoder d;
		size_t split = size ? data[0] % (size + 1) : 0;
		int rc;

		wsframe_decoder_init(&d, role ? WSFRAME_ROLE_SERVER : WSFRAME_ROLE_CLIENT, CAP, on_msg, NULL);
		rc = wsframe_decoder_feed(&d, data, split, NULL);
		if (rc == 0)
			rc = wsframe_decoder_feed(&d, data + split, size - split, NULL);
		if (rc != 0 && d.close_code != 1002 && d.close_code != 1007 && d.close_code != 1009)
			abort();
		wsframe_decoder_release(&d);
	}
	return 0;
}
