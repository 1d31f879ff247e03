/*
 * fuzz_s3d_policy.c: any bytes as a bucket policy for bucket "b".  A
 * document that parses is evaluated for a spread of actions, resources and
 * prefixes (must not crash, and must be deterministic); the glob matcher
 * is run on the raw bytes split in two.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/sandbox/s3d_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *actions[] = { "s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:GetBucketLocation" };
	static const char *resources[] = { "arn:aws:s3:::b", "arn:aws:s3:::b/x", "arn:aws:s3:::b/p/q", "arn:aws:s3:::c/x" };
	static const char *prefixes[] = { NULL, "", "p/", "x" };
	struct s3d_policy *p = s3d_policy_parse((const char *)data, size, "b", NULL);
	char *s = xmemdup(data, size);
	size_t half = strlen(s) / 2;
	char *pat = xstrndup(s, half);

	if (p) {
		for (size_t a = 0; a < 4; a++)
			for (size_t r = 0; r < 4; r++)
				for (size_t x = 0; x < 4; x++) {
					bool one = s3d_policy_allows(p, actions[a], resources[r], prefixes[x]);

					if (one != s3d_policy_allows(p, actions[a], resources[r], prefixes[x]))
						abort();
				}
		s3d_policy_free(p);
	}
	(void)s3d_policy_match(pat, s + half, size && (data[0] & 1));
	free(pat);
	free(s);
	return 0;
}
