/*
 * launcher.c: launcher links in and out, release names, command bar.
 *
 * Parsing follows Onyxia's web route (ui/pages/launcher/route.ts): the
 * path names catalog and chart, a few query keys are options, keys with
 * a dot are values paths.  Each query value is decoded once with
 * decodeURIComponent semantics ('+' stays '+'), so "«a%20b»" and
 * "%C2%ABa%20b%C2%BB" both give the string "a b".  Everything is bounded
 * and a malformed part fails the whole link: a half-applied link would
 * launch something the user did not ask for.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/catalog/launcher.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"

#define LQ "\xc2\xab"	/* « */
#define RQ "\xc2\xbb"	/* » */

static void value_release(struct launcher_value *v)
{
	for (size_t i = 0; i < v->nsegs; i++)
		free(v->segs[i].key);
	free(v->segs);
	cJSON_Delete(v->value);
}

void launcher_link_release(struct launcher_link *link)
{
	if (!link)
		return;
	free(link->catalog);
	free(link->chart);
	free(link->name);
	free(link->version);
	free(link->s3);
	for (size_t i = 0; i < link->nvalues; i++)
		value_release(&link->values[i]);
	free(link->values);
	memset(link, 0, sizeof(*link));
}

/* decodeURIComponent: a NUL-free, valid UTF-8 string, or NULL. */
static char *decode(const char *p, size_t n)
{
	struct buf b;

	buf_init(&b, LAUNCHER_MAX_URL);
	if (str_url_decode(&b, p, n, false) < 0 || memchr(b.data, '\0', b.len) || !utf8_valid(b.data, b.len)) {
		buf_release(&b);
		return NULL;
	}
	return buf_take(&b, NULL);
}

static bool name_ok(const char *s)
{
	if (!*s || strlen(s) > 253)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static void add_seg(struct launcher_value *v, char *key, int index)
{
	v->segs = xreallocarray(v->segs, v->nsegs + 1, sizeof(*v->segs));
	v->segs[v->nsegs].key = key;
	v->segs[v->nsegs].index = index;
	v->nsegs++;
}

/* One decoded segment: a key, then any "[N]" groups at its very end
 * ("a[1][2]" is a, 1, 2; "a[b]" and "[1]" stay keys).  Takes s. */
static void split_indexes(struct launcher_value *v, char *s, size_t len)
{
	int idx[LAUNCHER_MAX_SEGMENTS];
	size_t nidx = 0, end = len;

	while (end > 0 && s[end - 1] == ']' && nidx < LAUNCHER_MAX_SEGMENTS) {
		size_t open = end - 1, ndig;
		long n = 0;

		while (open > 0 && s[open - 1] >= '0' && s[open - 1] <= '9')
			open--;
		ndig = end - 1 - open;
		if (open == 0 || s[open - 1] != '[' || ndig == 0 || ndig > 4)
			break;
		for (size_t i = open; i < end - 1; i++)
			n = n * 10 + (s[i] - '0');
		idx[nidx++] = (int)n;
		end = open - 1;
	}
	if (nidx == 0 || end == 0) {
		add_seg(v, s, -1);
		return;
	}
	s[end] = '\0';
	add_seg(v, s, -1);
	while (nidx > 0)
		add_seg(v, NULL, idx[--nidx]);
}

/* "a.b\.c[2].d" (already decoded) into segments. */
static int parse_path(const char *key, struct launcher_value *v, struct error *err)
{
	const char *p = key;
	struct buf seg;

	buf_init(&seg, 4096);
	for (;;) {
		bool end = *p == '\0';

		if (end || *p == '.') {
			char *s;
			size_t len;

			if (seg.len == 0) {
				buf_release(&seg);
				return error_set(err, ERR_PARSE, "empty segment in values path '%.80s'", key);
			}
			s = buf_take(&seg, &len);
			split_indexes(v, s, len);
			if (v->nsegs > LAUNCHER_MAX_SEGMENTS) {
				buf_release(&seg);
				return error_set(err, ERR_LIMIT, "values path deeper than %d", LAUNCHER_MAX_SEGMENTS);
			}
			if (end)
				break;
			p++;
			continue;
		}
		if (*p == '\\' && p[1] == '.')
			p++;	/* the legacy "\." literal dot */
		if (buf_addc(&seg, *p) < 0) {
			buf_release(&seg);
			return error_set(err, ERR_LIMIT, "values path too long");
		}
		p++;
	}
	buf_release(&seg);
	return 0;
}

/* true, false, null, -, a number, «text». */
static int parse_value(const char *key, const char *s, struct launcher_value *v, struct error *err)
{
	size_t n = strlen(s);
	char *end;
	double d;

	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
		v->value = cJSON_CreateBool(s[0] == 't');
		return 0;
	}
	if (strcmp(s, "null") == 0) {
		v->value = cJSON_CreateNull();
		return 0;
	}
	if (strcmp(s, "-") == 0) {
		v->value = NULL;
		return 0;
	}
	if (str_has_prefix(s, LQ)) {
		if (n < 4 || !str_has_suffix(s, RQ))
			return error_set(err, ERR_PARSE, "unbalanced \xc2\xab in the value of '%.80s'", key);
		{
			char *inner = xstrndup(s + 2, n - 4);

			v->value = cJSON_CreateString(inner);
			free(inner);
		}
		return 0;
	}
	d = strtod(s, &end);
	if (n > 0 && *end == '\0' && isfinite(d) && s[0] != ' ' && strspn(s, "+-0123456789.eE") == n) {
		v->value = cJSON_CreateNumber(d);
		return 0;
	}
	return error_set(err, ERR_PARSE, "value of '%.80s' must be true, false, null, -, a number or \xc2\xabtext\xc2\xbb",
			 key);
}

static int parse_query(const char *q, struct launcher_link *link, struct error *err)
{
	size_t nparams = 0;

	while (*q) {
		size_t len = strcspn(q, "&");
		const char *eq = memchr(q, '=', len);
		char *key, *val;
		int rc = 0;

		if (len == 0) {
			q++;
			continue;
		}
		if (++nparams > LAUNCHER_MAX_PARAMS)
			return error_set(err, ERR_LIMIT, "more than %d parameters", LAUNCHER_MAX_PARAMS);
		key = decode(q, eq ? (size_t)(eq - q) : len);
		val = eq ? decode(eq + 1, len - (size_t)(eq - q) - 1) : xstrdup("");
		if (!key || !val) {
			free(key);
			free(val);
			return error_set(err, ERR_PARSE, "bad percent-encoding in '%.*s'", (int)DL_MIN(len, 80), q);
		}
		if (strcmp(key, "name") == 0) {
			free(link->name);
			link->name = val, val = NULL;
		} else if (strcmp(key, "version") == 0) {
			free(link->version);
			link->version = val, val = NULL;
		} else if (strcmp(key, "s3") == 0) {
			free(link->s3);
			link->s3 = val, val = NULL;
		} else if (strcmp(key, "shared") == 0) {
			link->shared = strcmp(val, "true") == 0;
		} else if (strcmp(key, "autoLaunch") == 0) {
			link->auto_launch = strcmp(val, "true") == 0;
		} else if (strchr(key, '.') && !str_has_prefix(key, "oidc-spa.")) {
			struct launcher_value v = { NULL, 0, NULL };

			rc = parse_path(key, &v, err);
			if (rc == 0)
				rc = parse_value(key, val, &v, err);
			if (rc == 0) {
				link->values = xreallocarray(link->values, link->nvalues + 1, sizeof(*link->values));
				link->values[link->nvalues++] = v;
			} else {
				value_release(&v);
			}
		}
		free(key);
		free(val);
		if (rc < 0)
			return -1;
		q += len;
		if (*q == '&')
			q++;
	}
	return 0;
}

int launcher_parse(const char *url, struct launcher_link *link, struct error *err)
{
	const char *p, *q, *seg2, *end;
	size_t n;

	memset(link, 0, sizeof(*link));
	n = strlen(url);
	if (n > LAUNCHER_MAX_URL)
		return error_set(err, ERR_LIMIT, "launcher link longer than %d bytes", LAUNCHER_MAX_URL);
	p = strstr(url, "/launcher/");
	if (p)
		p += strlen("/launcher/");
	else if (str_has_prefix(url, "launcher/"))
		p = url + strlen("launcher/");
	else
		return error_set(err, ERR_PARSE, "not a launcher link: no '/launcher/' in it");
	end = p + strcspn(p, "?#");
	seg2 = memchr(p, '/', (size_t)(end - p));
	if (!seg2)
		return error_set(err, ERR_PARSE, "launcher link names no chart");
	link->catalog = decode(p, (size_t)(seg2 - p));
	{
		const char *cend = seg2 + 1 + strcspn(seg2 + 1, "/?#");

		if (cend < end && !(cend + 1 == end && *cend == '/'))
			return error_set(err, ERR_PARSE, "launcher link has extra path segments");
		link->chart = decode(seg2 + 1, (size_t)(cend - seg2 - 1));
	}
	if (!link->catalog || !link->chart || !name_ok(link->catalog) || !name_ok(link->chart))
		return error_set(err, ERR_PARSE, "bad catalog or chart name in launcher link");
	if (*end != '?')
		return 0;
	q = end + 1;
	{
		char *query = xstrndup(q, strcspn(q, "#"));
		int rc = parse_query(query, link, err);

		free(query);
		return rc;
	}
}

/* Flattening a values tree into link values. */
static void flatten(struct launcher_link *link, const cJSON *node, struct launcher_seg *stack, size_t depth)
{
	if (depth > LAUNCHER_MAX_SEGMENTS)
		return;
	if (cJSON_IsObject(node) || cJSON_IsArray(node)) {
		int i = 0;

		for (const cJSON *c = node->child; c; c = c->next, i++) {
			stack[depth].key = cJSON_IsObject(node) ? c->string : NULL;
			stack[depth].index = cJSON_IsObject(node) ? -1 : i;
			flatten(link, c, stack, depth + 1);
		}
		return;
	}
	if (depth < 2 || stack[0].index >= 0)
		return;	/* a top-level key cannot be set by a link */
	{
		struct launcher_value v = { NULL, 0, NULL };

		v.segs = xcalloc(depth, sizeof(*v.segs));
		v.nsegs = depth;
		for (size_t i = 0; i < depth; i++) {
			v.segs[i].key = stack[i].key ? xstrdup(stack[i].key) : NULL;
			v.segs[i].index = stack[i].index;
		}
		v.value = cJSON_Duplicate(node, false);
		link->values = xreallocarray(link->values, link->nvalues + 1, sizeof(*link->values));
		link->values[link->nvalues++] = v;
	}
}

void launcher_link_set_values(struct launcher_link *link, const cJSON *values)
{
	struct launcher_seg stack[LAUNCHER_MAX_SEGMENTS + 1];

	for (size_t i = 0; i < link->nvalues; i++)
		value_release(&link->values[i]);
	free(link->values);
	link->values = NULL;
	link->nvalues = 0;
	if (cJSON_IsObject(values))
		flatten(link, values, stack, 0);
}

/* The container at segs[i] inside cur, created as the next step needs. */
static cJSON *step(cJSON *cur, const struct launcher_seg *s, const struct launcher_seg *next)
{
	cJSON *child;

	if (s->index < 0) {
		if (!cJSON_IsObject(cur))
			return NULL;
		child = cJSON_GetObjectItemCaseSensitive(cur, s->key);
		if (next && !(next->index < 0 ? cJSON_IsObject(child) : cJSON_IsArray(child))) {
			cJSON_DeleteItemFromObjectCaseSensitive(cur, s->key);
			child = next->index < 0 ? cJSON_AddObjectToObject(cur, s->key) :
				cJSON_AddArrayToObject(cur, s->key);
		}
		return child;
	}
	if (!cJSON_IsArray(cur))
		return NULL;
	while (cJSON_GetArraySize(cur) <= s->index)
		cJSON_AddItemToArray(cur, cJSON_CreateNull());
	child = cJSON_GetArrayItem(cur, s->index);
	if (next && !(next->index < 0 ? cJSON_IsObject(child) : cJSON_IsArray(child))) {
		cJSON_ReplaceItemInArray(cur, s->index, next->index < 0 ? cJSON_CreateObject() : cJSON_CreateArray());
		child = cJSON_GetArrayItem(cur, s->index);
	}
	return child;
}

static cJSON *find(cJSON *cur, const struct launcher_seg *s)
{
	if (s->index < 0)
		return cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, s->key) : NULL;
	return cJSON_IsArray(cur) ? cJSON_GetArrayItem(cur, s->index) : NULL;
}

int launcher_apply(const struct launcher_link *link, cJSON *values, struct error *err)
{
	if (!cJSON_IsObject(values))
		return error_set(err, ERR_INVALID, "values are not an object");
	for (size_t i = 0; i < link->nvalues; i++) {
		const struct launcher_value *v = &link->values[i];
		const struct launcher_seg *last;
		cJSON *cur = values;

		if (v->nsegs == 0 || v->segs[0].index >= 0)
			return error_set(err, ERR_INVALID, "values path must start with a key");
		last = &v->segs[v->nsegs - 1];
		for (size_t s = 0; s + 1 < v->nsegs && cur; s++)
			cur = v->value ? step(cur, &v->segs[s], &v->segs[s + 1]) : find(cur, &v->segs[s]);
		if (!cur)
			continue;
		if (!v->value) {
			if (last->index < 0)
				cJSON_DeleteItemFromObjectCaseSensitive(cur, last->key);
			else if (cJSON_IsArray(cur) && last->index < cJSON_GetArraySize(cur))
				cJSON_DeleteItemFromArray(cur, last->index);
			continue;
		}
		if (last->index < 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(cur, last->key);
			cJSON_AddItemToObject(cur, last->key, cJSON_Duplicate(v->value, true));
		} else {
			while (cJSON_GetArraySize(cur) <= last->index)
				cJSON_AddItemToArray(cur, cJSON_CreateNull());
			cJSON_ReplaceItemInArray(cur, last->index, cJSON_Duplicate(v->value, true));
		}
	}
	return 0;
}

/* encodeURIComponent, with '.' of a key written "%5C." */
static void enc(struct buf *out, const char *s, bool key)
{
	static const char safe[] = "-_.!~*'()";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (key && *p == '.')
			buf_adds(out, "%5C.");
		else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			 strchr(safe, *p))
			buf_addc(out, (char)*p);
		else
			buf_addf(out, "%%%02X", *p);
	}
}

int launcher_encode(struct buf *out, const char *base, const struct launcher_link *link)
{
	char sep = '?';

	if (base && *base) {
		size_t n = strlen(base);

		buf_add(out, base, base[n - 1] == '/' ? n - 1 : n);
	}
	buf_adds(out, "/launcher/");
	enc(out, link->catalog ? link->catalog : "", false);
	buf_addc(out, '/');
	enc(out, link->chart ? link->chart : "", false);
#define PARAM(k, v) do { buf_addc(out, sep); sep = '&'; buf_adds(out, k "="); enc(out, v, false); } while (0)
	if (link->name)
		PARAM("name", link->name);
	if (link->version)
		PARAM("version", link->version);
	if (link->shared)
		PARAM("shared", "true");
	if (link->s3)
		PARAM("s3", link->s3);
	if (link->auto_launch)
		PARAM("autoLaunch", "true");
#undef PARAM
	for (size_t i = 0; i < link->nvalues; i++) {
		const struct launcher_value *v = &link->values[i];

		buf_addc(out, sep);
		sep = '&';
		for (size_t s = 0; s < v->nsegs; s++) {
			if (v->segs[s].index >= 0) {
				buf_addf(out, "[%d]", v->segs[s].index);
				continue;
			}
			if (s > 0)
				buf_addc(out, '.');
			enc(out, v->segs[s].key, true);
		}
		buf_addc(out, '=');
		if (!v->value) {
			buf_addc(out, '-');
		} else if (cJSON_IsString(v->value)) {
			buf_adds(out, LQ);
			enc(out, v->value->valuestring, false);
			buf_adds(out, RQ);
		} else if (cJSON_IsNumber(v->value)) {
			char tmp[64];
			double d = v->value->valuedouble;

			if (d == floor(d) && fabs(d) < 1e15)
				snprintf(tmp, sizeof(tmp), "%.0f", d);
			else
				snprintf(tmp, sizeof(tmp), "%.17g", d);
			buf_adds(out, tmp);
		} else if (cJSON_IsBool(v->value)) {
			buf_adds(out, cJSON_IsTrue(v->value) ? "true" : "false");
		} else {
			buf_adds(out, "null");
		}
	}
	return out->len > 0 ? 0 : -1;
}

bool launcher_release_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > LAUNCHER_RELEASE_MAX || name[0] == '-' || name[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return false;
	return true;
}

char *launcher_release_name(const char *chart, int n)
{
	char suffix[16];
	struct buf b;
	size_t room;

	snprintf(suffix, sizeof(suffix), "-%d", n < 0 ? 0 : n % 1000000);
	room = LAUNCHER_RELEASE_MAX - strlen(suffix);
	buf_init(&b, 0);
	for (const char *p = chart ? chart : ""; *p && b.len < room; p++) {
		char c = *p;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			c = '-';
		if (c == '-' && (b.len == 0 || b.data[b.len - 1] == '-'))
			continue;
		buf_addc(&b, c);
	}
	while (b.len > 0 && b.data[b.len - 1] == '-')
		buf_truncate(&b, b.len - 1);
	if (b.len == 0)
		buf_adds(&b, "release");
	buf_adds(&b, suffix);
	return buf_take(&b, NULL);
}

/* A heredoc delimiter no line of text equals. */
static void pick_delimiter(const char *text, char *dst, size_t size)
{
	for (int i = 0;; i++) {
		const char *p = text;
		bool clash = false;

		if (i == 0)
			snprintf(dst, size, "EOF");
		else
			snprintf(dst, size, "EOF_%d", i);
		while (p && *p && !clash) {
			size_t len = strcspn(p, "\n");

			clash = len == strlen(dst) && memcmp(p, dst, len) == 0;
			p += len;
			if (*p == '\n')
				p++;
		}
		if (!clash)
			return;
	}
}

int launcher_command_bar(struct buf *out, const struct launcher_command *cmd)
{
	const char *yaml = cmd->values_yaml ? cmd->values_yaml : "";
	char delim[32];
	bool quote;

	if (!cmd->catalog_id || !cmd->repo_url || !cmd->chart || !cmd->release)
		return -1;
	buf_adds(out, "helm repo add ");
	str_shell_quote(out, cmd->catalog_id);
	buf_addc(out, ' ');
	str_shell_quote(out, cmd->repo_url);
	buf_addc(out, '\n');
	pick_delimiter(yaml, delim, sizeof(delim));
	/* Onyxia writes << EOF; a value holding $, ` or \ would then be
	 * expanded by the shell, so such text gets a quoted delimiter. */
	quote = strpbrk(yaml, "$`\\") != NULL;
	buf_addf(out, "cat << %s%s%s > ./values.yaml\n", quote ? "'" : "", delim, quote ? "'" : "");
	buf_adds(out, yaml);
	if (*yaml && yaml[strlen(yaml) - 1] != '\n')
		buf_addc(out, '\n');
	buf_addf(out, "%s\n", delim);
	buf_adds(out, "helm install ");
	str_shell_quote(out, cmd->release);
	buf_addc(out, ' ');
	{
		char *ref = xasprintf("%s/%s", cmd->catalog_id, cmd->chart);

		str_shell_quote(out, ref);
		free(ref);
	}
	if (cmd->namespace) {
		buf_adds(out, " --namespace ");
		str_shell_quote(out, cmd->namespace);
	}
	if (cmd->version) {
		buf_adds(out, " --version ");
		str_shell_quote(out, cmd->version);
	}
	return buf_adds(out, " -f values.yaml\n");
}
