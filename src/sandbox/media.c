/*
 * media.c: Accept negotiation and Content-Type classification (see media.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/media.h"

/* param: the value of ";key=value" in one media range, or NULL. */
static char *param(const char *range, const char *key)
{
	const char *p = range;
	size_t kl = strlen(key);

	while ((p = strchr(p, ';')) != NULL) {
		p++;
		while (*p == ' ')
			p++;
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			const char *v = p + kl + 1, *end = v;

			while (*end && *end != ';' && *end != ' ')
				end++;
			return xstrndup(v, (size_t)(end - v));
		}
	}
	return NULL;
}

static enum media_form one_range(const char *range)
{
	const char *semi = strchr(range, ';');
	size_t n = semi ? (size_t)(semi - range) : strlen(range);
	char *type = xstrndup(range, n), *as, *v, *g;
	enum media_form f = MEDIA_NONE;

	str_trim(type);
	if (strcmp(type, "application/json") == 0 || strcmp(type, "*/*") == 0 ||
	    strcmp(type, "application/*") == 0 || strcmp(type, "application/yaml") == 0 ||
	    strcmp(type, "application/vnd.kubernetes.protobuf") == 0 ||
	    strcmp(type, "application/json;stream=watch") == 0) {
		as = param(range, "as");
		v = param(range, "v");
		g = param(range, "g");
		if (!as) {
			f = MEDIA_OBJECT;
		} else if (g && strcmp(g, "meta.k8s.io") == 0 && v &&
			   (strcmp(v, "v1") == 0 || strcmp(v, "v1beta1") == 0)) {
			if (strcmp(as, "Table") == 0)
				f = MEDIA_TABLE;
			else if (strcmp(as, "PartialObjectMetadata") == 0 ||
				 strcmp(as, "PartialObjectMetadataList") == 0)
				f = MEDIA_PARTIAL;
		} else if (g && strcmp(g, "apidiscovery.k8s.io") == 0) {
			f = MEDIA_NONE;	/* aggregated discovery: the legacy form serves */
		}
		free(as);
		free(v);
		free(g);
	}
	free(type);
	return f;
}

enum media_form media_accept(const char *accept)
{
	char **ranges;
	enum media_form f = MEDIA_NONE;
	size_t i;

	if (!accept || !*accept)
		return MEDIA_OBJECT;
	ranges = str_split(accept, ',', NULL);
	for (i = 0; ranges[i] && f == MEDIA_NONE; i++)
		f = one_range(ranges[i]);
	str_free_list(ranges);
	return f;
}

enum media_body media_body_type(const char *ctype)
{
	static const struct {
		const char *type;
		enum media_body body;
	} types[] = {
		{ "application/json", MEDIA_BODY_JSON },
		{ "application/yaml", MEDIA_BODY_YAML },
		{ "application/x-yaml", MEDIA_BODY_YAML },
		{ "text/yaml", MEDIA_BODY_YAML },
		{ "application/vnd.kubernetes.protobuf", MEDIA_BODY_PROTOBUF },
		{ "application/json-patch+json", MEDIA_BODY_JSON_PATCH },
		{ "application/merge-patch+json", MEDIA_BODY_MERGE_PATCH },
		{ "application/strategic-merge-patch+json", MEDIA_BODY_STRATEGIC_PATCH },
		{ "application/apply-patch+yaml", MEDIA_BODY_APPLY_PATCH },
		{ "application/apply-patch+cbor", MEDIA_BODY_UNKNOWN },
	};
	const char *semi;
	size_t n, i;

	if (!ctype || !*ctype)
		return MEDIA_BODY_JSON;
	semi = strchr(ctype, ';');
	n = semi ? (size_t)(semi - ctype) : strlen(ctype);
	while (n && ctype[n - 1] == ' ')
		n--;
	for (i = 0; i < DL_ARRAY_LEN(types); i++)
		if (strlen(types[i].type) == n && strncasecmp(ctype, types[i].type, n) == 0)
			return types[i].body;
	return MEDIA_BODY_UNKNOWN;
}
