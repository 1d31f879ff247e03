/*
 * index_url.c: resolving an index's urls[] entries (index.h).
 *
 * Split from index.c along the seam between parsing and fetching: this is
 * the one place that decides which URL a chart archive is fetched from.
 * Helm (pkg/repo/v1/chartrepo.go: ResolveReferenceURL) resolves a relative
 * url against the repository URL taken as a folder; so do we, with RFC
 * 3986 section 5.2.4 dot-segment removal, after refusing what could point
 * the fetch at another host or another scheme.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/mem.h"
#include "datalab/helm/index.h"

#define MAX_URL 4096

struct url {
	char *scheme;		/* "http" or "https", lower case */
	char *authority;	/* host[:port] */
	char *path;		/* begins with '/' */
	char *query;		/* without '?', or NULL */
};

static void url_release(struct url *u)
{
	free(u->scheme);
	free(u->authority);
	free(u->path);
	free(u->query);
}

/* Controls, spaces, backslashes and non-ASCII are refused outright. */
static bool clean_chars(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || c == '\\')
			return false;
	}
	return true;
}

/* The scheme's length when s starts with "scheme:", else 0. */
static size_t scheme_len(const char *s)
{
	size_t i = 0;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	while (s[i] && s[i] != ':' && s[i] != '/' && s[i] != '?' && s[i] != '#')
		i++;
	return s[i] == ':' ? i : 0;
}

/* Splits an absolute http(s) URL; -1 with err when it is not one. */
static int url_split(const char *s, struct url *u, const char *what, struct error *err)
{
	size_t sl = scheme_len(s);
	const char *a, *e, *q;

	memset(u, 0, sizeof(*u));
	if (sl == 0)
		return error_set(err, ERR_INVALID, "%s is not an absolute url", what);
	u->scheme = xstrndup(s, sl);
	for (char *c = u->scheme; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	if (strcmp(u->scheme, "http") != 0 && strcmp(u->scheme, "https") != 0) {
		url_release(u);
		return error_set(err, ERR_INVALID, "refusing %s: scheme is not http or https", what);
	}
	if (strncmp(s + sl, "://", 3) != 0) {
		url_release(u);
		return error_set(err, ERR_INVALID, "refusing %s: no host", what);
	}
	a = s + sl + 3;
	e = a + strcspn(a, "/?#");
	if (e == a || memchr(a, '@', (size_t)(e - a))) {
		url_release(u);
		return error_set(err, ERR_INVALID, "refusing %s: %s", what,
		    e == a ? "no host" : "userinfo in the host part");
	}
	u->authority = xstrndup(a, (size_t)(e - a));
	q = e + strcspn(e, "?#");
	u->path = *e == '/' ? xstrndup(e, (size_t)(q - e)) : xstrdup("/");
	if (*q == '?')
		u->query = xstrndup(q + 1, strcspn(q + 1, "#"));
	return 0;
}

/* RFC 3986 5.2.4 on an absolute path, in place. */
static void remove_dot_segments(char *path)
{
	char *in = path, *out = path;

	while (*in) {
		if (!strncmp(in, "/./", 3)) {
			in += 2;
		} else if (!strcmp(in, "/.")) {
			in[1] = '\0';
		} else if (!strncmp(in, "/../", 4) || !strcmp(in, "/..")) {
			in += 3;
			if (*in == '\0') {
				in--;
				*in = '/';
			}
			while (out > path && out[-1] != '/')
				out--;
			if (out > path)
				out--;
		} else {
			do
				*out++ = *in++;
			while (*in && *in != '/');
		}
	}
	*out = '\0';
	if (out == path) {
		path[0] = '/';
		path[1] = '\0';
	}
}

int index_resolve_url(const char *repo_url, const char *ref, struct buf *out, struct error *err)
{
	struct url base, res;
	char *path;
	size_t plen;
	const char *rq;

	if (!ref || !*ref || strlen(ref) > MAX_URL || !clean_chars(ref))
		return error_set(err, ERR_INVALID, "refusing chart url: empty, too long or unsafe bytes");
	if (scheme_len(ref) > 0) {
		if (url_split(ref, &res, "chart url", err) != 0)
			return -1;
		goto emit;
	}
	if (ref[0] == '/' && ref[1] == '/')
		return error_set(err, ERR_INVALID, "refusing chart url: it names another host");
	if (!repo_url || strlen(repo_url) > MAX_URL || !clean_chars(repo_url))
		return error_set(err, ERR_INVALID, "refusing repository url: empty, too long or unsafe bytes");
	if (url_split(repo_url, &base, "repository url", err) != 0)
		return -1;
	/* the repository is a folder: drop "index.yaml", keep a final '/' */
	plen = strlen(base.path);
	if (plen >= 11 && !strcmp(base.path + plen - 11, "/index.yaml"))
		base.path[plen - 10] = '\0';
	memset(&res, 0, sizeof(res));
	res.scheme = base.scheme;
	res.authority = base.authority;
	base.scheme = base.authority = NULL;
	rq = ref + strcspn(ref, "?#");
	if (ref[0] == '/')
		path = xstrndup(ref, (size_t)(rq - ref));
	else
		path = xasprintf("%s%s%.*s", base.path,
		    base.path[strlen(base.path) - 1] == '/' ? "" : "/", (int)(rq - ref), ref);
	remove_dot_segments(path);
	res.path = path;
	if (*rq == '?')
		res.query = xstrndup(rq + 1, strcspn(rq + 1, "#"));
	url_release(&base);
emit:
	buf_addf(out, "%s://%s%s%s%s", res.scheme, res.authority, res.path,
	    res.query ? "?" : "", res.query ? res.query : "");
	url_release(&res);
	return 0;
}
