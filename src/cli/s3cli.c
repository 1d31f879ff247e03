/*
 * s3cli.c: `datalab s3 ls|cp|presign|rm` (see cli/s3cli.h).
 *
 * Each command builds the S3 config as the console does (account file,
 * then the environment), starts one client call on a private loop and
 * runs the loop until the call's callback stops it.  Progress goes to
 * stderr when it is a terminal; remote names are sanitized before they
 * are printed, as on the screen.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "datalab/cli/s3cli.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/utf8.h"
#include "datalab/model/buckets.h"
#include "datalab/s3/client.h"
#include "datalab/s3/download.h"

extern char **environ;

struct cli {
	struct loop *loop;
	struct http *http;
	struct s3 *s3;
	int rc;
	bool quiet, progress;
	uint64_t started;
	/* ls */
	const char *bucket;
	bool recursive;
	char *token;
	uint64_t listed;
};

static void usage(FILE *f)
{
	fputs("usage: datalab s3 ls [s3://BUCKET[/PREFIX]] [--recursive]\n"
	      "       datalab s3 cp SRC DST [--part-size BYTES] [--parallel N] [--quiet]\n"
	      "       datalab s3 presign s3://BUCKET/KEY [--expires-in SECONDS]\n"
	      "       datalab s3 rm s3://BUCKET/KEY [--recursive]\n"
	      "One of SRC and DST is s3://BUCKET/KEY, the other a local path.  A download\n"
	      "into a folder never replaces a file (it saves \"name (1).ext\"); one to a\n"
	      "file path replaces that file, as cp does.  Endpoint and keys come from\n"
	      "the account file and the AWS_* variables, as in the console.\n", f);
}

/* Prints a remote string safely. */
static void say(FILE *f, const char *fmt, const char *remote)
{
	char *c = utf8_sanitize_dup(remote ? remote : "", 0);

	fprintf(f, fmt, c);
	free(c);
}

static void fail(struct cli *c, const struct error *err)
{
	say(stderr, "datalab s3: %s\n", err->msg);
	c->rc = 1;
}

/* "s3://b/k" -> bucket, key (xmalloc'd); -1 when not an s3 URI. */
static int parse_uri(const char *uri, char **bucket, char **key)
{
	const char *p, *slash;

	if (!str_has_prefix(uri, "s3://"))
		return -1;
	p = uri + 5;
	slash = strchr(p, '/');
	*bucket = slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup(p);
	*key = xstrdup(slash ? slash + 1 : "");
	return **bucket ? 0 : -1;
}

static void on_progress(struct s3_call *call, uint64_t done, uint64_t total, void *arg)
{
	struct cli *c = arg;
	char a[32], b[32], r[32];
	uint64_t ms = time_mono_ms() - c->started;

	(void)call;
	if (!c->progress)
		return;
	str_format_bytes(a, sizeof(a), done);
	str_format_bytes(b, sizeof(b), total);
	str_format_bytes(r, sizeof(r), ms ? done * 1000 / ms : 0);
	fprintf(stderr, "\r%s / %s  %s/s   ", a, b, r);
}

static void on_done(struct s3_call *call, const struct error *err, void *arg)
{
	struct cli *c = arg;

	(void)call;
	if (c->progress)
		fputc('\n', stderr);
	if (err->code)
		fail(c, err);
	loop_stop(c->loop);
}

static void on_cp_down(struct s3_call *call, const struct error *err, void *arg)
{
	struct cli *c = arg;

	on_done(call, err, arg);
	if (!err->code && !c->quiet)
		say(stdout, "saved %s\n", s3_call_path(call));
}

static void on_cp_up(struct s3_call *call, const struct error *err, void *arg)
{
	struct cli *c = arg;

	on_done(call, err, arg);
	if (!err->code && !c->quiet)
		say(stdout, "uploaded, ETag %s\n", s3_call_etag(call));
}

static void list_page(struct cli *c, const char *prefix);

static void on_list(struct s3_call *call, const struct error *err, void *arg)
{
	struct cli *c = arg;
	const struct s3_doc *d = s3_call_doc(call);
	const struct s3_listing *l = &d->listing;

	if (err->code) {
		fail(c, err);
		loop_stop(c->loop);
		return;
	}
	for (size_t i = 0; i < d->nbuckets; i++) {
		char date[32] = "";
		struct tm tm;

		if (d->buckets[i].created && gmtime_r(&d->buckets[i].created, &tm))
			strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
		printf("%19s ", date);
		say(stdout, "%s\n", d->buckets[i].name);
	}
	for (size_t i = 0; i < l->nprefixes; i++) {
		struct buf b = BUF_INIT;

		utf8_sanitize(&b, l->prefixes[i].prefix, l->prefixes[i].len, 0);
		printf("%30s %s\n", "PRE", b.data);
		buf_release(&b);
	}
	for (size_t i = 0; i < l->nobjects; i++) {
		const struct s3_object *o = &l->objects[i];
		struct buf b = BUF_INIT;
		char date[32] = "";
		struct tm tm;

		if (o->mtime && gmtime_r(&o->mtime, &tm))
			strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
		utf8_sanitize(&b, o->key, o->key_len, 0);
		printf("%19s %10lld %s\n", date, (long long)o->size, b.data);
		buf_release(&b);
	}
	c->listed += l->nobjects + l->nprefixes;
	if (d->kind == S3_DOC_LISTING && l->truncated && l->next_token && *l->next_token &&
	    !str_eq(l->next_token, c->token)) {
		free(c->token);
		c->token = xstrdup(l->next_token);
		list_page(c, l->prefix);
		return;
	}
	loop_stop(c->loop);
}

static void list_page(struct cli *c, const char *prefix)
{
	struct s3_list_opts o = { .bucket = c->bucket, .prefix = prefix, .delimiter = c->recursive ? NULL : "/",
				  .token = c->token };
	struct error err;

	if (!s3_list_objects(c->s3, &o, on_list, c, &err)) {
		fail(c, &err);
		loop_stop(c->loop);
	}
}

static int run(struct cli *c)
{
	loop_run(c->loop);
	return c->rc;
}

static int cmd_ls(struct cli *c, int argc, char **argv)
{
	char *bucket = NULL, *key = NULL;
	struct error err;
	int rc;

	if (argc < 1) {
		if (!s3_list_buckets(c->s3, on_list, c, &err))
			return fail(c, &err), 1;
		return run(c);
	}
	if (parse_uri(argv[0], &bucket, &key) < 0) {
		usage(stderr);
		free(bucket);
		free(key);
		return 2;
	}
	c->bucket = bucket;
	list_page(c, key);
	rc = run(c);
	free(bucket);
	free(key);
	free(c->token);
	return rc;
}

static int cmd_cp(struct cli *c, int argc, char **argv, uint64_t part_size, int parallel)
{
	char *bucket = NULL, *key = NULL;
	struct error err;
	int rc = 2;

	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	c->started = time_mono_ms();
	if (parse_uri(argv[0], &bucket, &key) == 0 && *key) {
		struct s3_get_opts o = { .bucket = bucket, .key = key };
		struct stat st;
		char *dir = NULL, *name = NULL;

		if (stat(argv[1], &st) == 0 && S_ISDIR(st.st_mode)) {
			o.dir = argv[1];
		} else {
			const char *slash = strrchr(argv[1], '/');

			/* a file path: that name, replaced as cp does */
			dir = slash ? xstrndup(argv[1], (size_t)(slash - argv[1] + 1)) : xstrdup(".");
			name = xstrdup(slash ? slash + 1 : argv[1]);
			o.dir = dir;
			o.name = name;
			o.overwrite = true;
		}
		if (s3_get_object(c->s3, &o, on_progress, on_cp_down, c, &err))
			rc = run(c);
		else
			rc = (fail(c, &err), 1);
		free(dir);
		free(name);
	} else {
		free(bucket);
		free(key);
		bucket = key = NULL;
		if (parse_uri(argv[1], &bucket, &key) == 0) {
			struct s3_put_opts o = { .bucket = bucket, .path = argv[0], .part_size = part_size,
						 .parallel = parallel };
			const char *base = strrchr(argv[0], '/');
			char *k = NULL;

			if (!*key || str_has_suffix(key, "/"))
				k = xasprintf("%s%s", key, base ? base + 1 : argv[0]);
			o.key = k ? k : key;
			if (s3_put_object(c->s3, &o, on_progress, on_cp_up, c, &err))
				rc = run(c);
			else
				rc = (fail(c, &err), 1);
			free(k);
		} else {
			usage(stderr);
		}
	}
	free(bucket);
	free(key);
	return rc;
}

static int cmd_presign(struct cli *c, int argc, char **argv, long expires)
{
	char *bucket = NULL, *key = NULL;
	struct buf url = BUF_INIT;
	struct error err;
	int rc = 0;

	if (argc != 1 || parse_uri(argv[0], &bucket, &key) < 0 || !*key) {
		usage(stderr);
		rc = 2;
	} else if (s3_presign_get(c->s3, bucket, key, expires, (int64_t)time(NULL), &url, &err) < 0) {
		fail(c, &err);
		rc = 1;
	} else {
		say(stdout, "%s\n", url.data);
	}
	buf_release(&url);
	free(bucket);
	free(key);
	return rc;
}

static int cmd_rm(struct cli *c, int argc, char **argv)
{
	char *bucket = NULL, *key = NULL;
	struct error err;
	struct s3_call *call;
	int rc = 2;

	if (argc != 1 || parse_uri(argv[0], &bucket, &key) < 0 || !*key) {
		usage(stderr);
	} else {
		call = c->recursive ? s3_delete_prefix(c->s3, bucket, key, NULL, on_done, c, &err)
				    : s3_delete_object(c->s3, bucket, key, on_done, c, &err);
		rc = call ? run(c) : (fail(c, &err), 1);
	}
	free(bucket);
	free(key);
	return rc;
}

int s3cli_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "recursive", no_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "part-size", required_argument, NULL, 'p' },
		{ "parallel", required_argument, NULL, 'j' },
		{ "expires-in", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli c = { 0 };
	struct s3_config cfg;
	struct error err;
	uint64_t part_size = 0, v;
	int parallel = 0, opt, rc;
	long expires = 3600;
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((opt = getopt_long(argc, argv, "rqh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			c.recursive = true;
			break;
		case 'q':
			c.quiet = true;
			break;
		case 'p':
			if (str_parse_u64(optarg, &v) < 0 || v < 5u * 1024 * 1024)
				return fprintf(stderr, "datalab s3: --part-size is bytes, 5 MiB at least\n"), 2;
			part_size = v;
			break;
		case 'j':
			if (str_parse_u64(optarg, &v) < 0 || v < 1 || v > 64)
				return fprintf(stderr, "datalab s3: --parallel is 1 to 64\n"), 2;
			parallel = (int)v;
			break;
		case 'e':
			expires = buckets_parse_duration(optarg);
			if (expires < 0)
				return fprintf(stderr, "datalab s3: --expires-in is 1 second to 7 days (90, 30m, 7d)\n"), 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (buckets_config_load(&cfg, (const char *const *)environ, &err) < 0) {
		fail(&c, &err);
		s3_config_release(&cfg);
		return 1;
	}
	c.progress = !c.quiet && isatty(STDERR_FILENO);
	c.loop = loop_new();
	c.http = http_new(c.loop);
	c.s3 = s3_new(c.loop, c.http, &cfg);
	s3_config_release(&cfg);
	argc -= optind;
	argv += optind;
	if (!strcmp(cmd, "ls"))
		rc = cmd_ls(&c, argc, argv);
	else if (!strcmp(cmd, "cp"))
		rc = cmd_cp(&c, argc, argv, part_size, parallel);
	else if (!strcmp(cmd, "presign"))
		rc = cmd_presign(&c, argc, argv, expires);
	else if (!strcmp(cmd, "rm"))
		rc = cmd_rm(&c, argc, argv);
	else
		rc = (usage(stderr), 2);
	s3_free(c.s3);
	http_free(c.http);
	loop_free(c.loop);
	return rc;
}
