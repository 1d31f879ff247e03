/*
 * main.c: datalab-sandbox's entry point.
 *
 * Parses the flags, prepares the state folder, starts the services (the
 * Kubernetes API on --port, S3 on --s3-port), writes what clients need
 * (kubeconfig, s3.env) and finally the "ready" file, whose presence is
 * what scripts and tests wait for.  Then it runs the core event loop until
 * SIGTERM or SIGINT, stops the services and removes "ready".
 *
 * The API side: the kind registry, the store (loaded from DIR/store), the
 * seed objects, the garbage collector, the HTTP server, the kubeconfig,
 * the /charts/ repository; all on the one loop.
 */
#include <getopt.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/core/build.h"
#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/log.h"
#include "datalab/core/loop.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/xdg.h"
#include "datalab/sandbox/api.h"
#include "datalab/sandbox/authz.h"
#include "datalab/sandbox/bootstrap.h"
#include "datalab/sandbox/classroom.h"
#include "datalab/sandbox/sim.h"
#include "datalab/sandbox/charts.h"
#include "datalab/sandbox/gc.h"
#include "datalab/sandbox/kinds.h"
#include "datalab/sandbox/s3d.h"
#include "datalab/sandbox/store.h"


struct sandbox_opts {
	const char *dir;
	const char *bind;
	int port;
	int s3_port;
	int tls;
	const char *nodes;
	const char *user;
	int no_s3;
	const char *charts;
	int no_fsync;
};

static void usage(FILE *f)
{
	fputs("usage: datalab-sandbox [--dir DIR] [--port N] [--s3-port N] [--tls]\n"
	      "                       [--nodes SPEC] [--user NAME] [--no-s3]\n"
	      "                       [--bind ADDR] [--charts DIR] [--no-fsync]\n"
	      "                       [--class N|NAME,NAME...]\n"
	      "\n"
	      "A one-machine datalab: a Kubernetes API and an S3 service on loopback\n"
	      "that kubectl, helm, aws, s3cmd, rclone and datalab use as they are.\n"
	      "Port 0 picks a free port.  Clients read DIR/kubeconfig and DIR/s3.env;\n"
	      "DIR/ready appears when everything listens.  See datalab-sandbox(1).\n", f);
}

static int parse_port(const char *s, int *out)
{
	int64_t v;

	if (str_parse_i64(s, &v) < 0 || v < 0 || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

static void on_stop_signal(struct loop *l, int signo, void *arg)
{
	(void)arg;
	log_info("signal %d: stopping", signo);
	loop_stop(l);
}

/* write_ready: "api=URL\ns3=URL\n", last, so a reader sees complete files. */
static int write_ready(const char *dir, const char *api_url, const char *s3_url, struct error *err)
{
	struct buf b;
	char *path = file_join(dir, "ready");
	int rc;

	buf_init(&b, 0);
	buf_addf(&b, "pid=%ld\n", (long)getpid());
	if (api_url)
		buf_addf(&b, "api=%s\n", api_url);
	if (s3_url)
		buf_addf(&b, "s3=%s\n", s3_url);
	rc = bootstrap_replace_file(path, b.data, b.len, 0644, err);
	buf_release(&b);
	free(path);
	return rc;
}

/* raise_fd_limit: watches and keep-alive clients need more than 1024 fds. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* start_api: registry, store, seed, garbage collector, server, kubeconfig. */
static int start_api(const struct sandbox_opts *o, const char *dir, struct loop *loop, struct kinds **ks,
		     struct store **store, struct gc **gc, struct api **api, struct error *err)
{
	struct store_opts so = { .no_fsync = o->no_fsync };
	const char *ring = getenv("DATALAB_SANDBOX_RING");
	int64_t n;
	struct api_config cfg = { .bind = o->bind, .port = o->port, .nodes_spec = o->nodes };
	char *token, *cert = NULL, *key = NULL, *ca = NULL;
	int rc = -1;

	if (ring && str_parse_i64(ring, &n) == 0 && n > 0)
		so.ring = (size_t)n;	/* tests: make "too old" reachable */
	*ks = kinds_new();
	*store = store_open(dir, *ks, loop, &so, err);
	if (!*store)
		return -1;
	if (bootstrap_seed(*store, o->user, err) < 0)
		return -1;
	*gc = gc_start(*store);
	token = bootstrap_token(dir, err);
	if (!token)
		return -1;
	if (o->tls && bootstrap_tls(dir, o->bind, &cert, &key, &ca, err) < 0)
		goto out;
	cfg.token = token;
	cfg.tls_cert_pem = cert;
	cfg.tls_key_pem = key;
	*api = api_start(loop, *store, *ks, &cfg, err);
	if (!*api)
		goto out;
	authz_register(*api);
	if (bootstrap_kubeconfig(dir, api_url(*api), token, ca, o->user, err) < 0)
		goto out;
	log_info("Kubernetes API on %s (resourceVersion %llu)", api_url(*api),
		 (unsigned long long)store_rv(*store));
	rc = 0;
out:
	free(token);
	free(cert);
	free(key);
	free(ca);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "s3-port", required_argument, NULL, 's' },
		{ "tls", no_argument, NULL, 't' },
		{ "nodes", required_argument, NULL, 'N' },
		{ "user", required_argument, NULL, 'u' },
		{ "no-s3", no_argument, NULL, 'S' },
		{ "charts", required_argument, NULL, 'C' },
		{ "no-fsync", no_argument, NULL, 'F' },
		{ "class", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sandbox_opts o = { .bind = "127.0.0.1", .port = 0, .s3_port = 0, .user = "alice" };
	struct s3d_config s3cfg = { 0 };
	struct s3d *s3 = NULL;
	struct error err;
	struct loop *loop;
	struct kinds *ks = NULL;
	struct store *store = NULL;
	struct gc *gc = NULL;
	struct api *api = NULL;
	struct charts *charts = NULL;
	struct sim *cluster = NULL;
	char *dir = NULL, *s3dir = NULL, *s3_url = NULL, *ready;
	char **class_names = NULL;
	char *token = NULL, *cert = NULL, *key = NULL, *ca = NULL, *charts_src = NULL, *charts_out = NULL;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.dir = optarg;
			break;
		case 'b':
			o.bind = optarg;
			break;
		case 'p':
		case 's':
			if (parse_port(optarg, c == 'p' ? &o.port : &o.s3_port) < 0) {
				fprintf(stderr, "datalab-sandbox: bad port '%s'\n", optarg);
				return 2;
			}
			break;
		case 't':
			o.tls = 1;
			break;
		case 'N':
			o.nodes = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'S':
			o.no_s3 = 1;
			break;
		case 'C':
			o.charts = optarg;
			break;
		case 'F':
			o.no_fsync = 1;
			break;
		case 'K':
			str_free_list(class_names);
			class_names = classroom_names(optarg, &err);
			if (!class_names) {
				fprintf(stderr, "datalab-sandbox: %s\n", err.msg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("datalab-sandbox %s\n", build_version());
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	dir = o.dir ? xstrdup(o.dir) : xdg_path(XDG_STATE, "sandbox", &err);
	if (!dir || file_mkdirs(dir, 0700, &err) < 0) {
		fprintf(stderr, "datalab-sandbox: %s\n", err.msg);
		free(dir);
		return 1;
	}
	log_to_stderr(1);
	ready = file_join(dir, "ready");
	unlink(ready);
	loop = loop_new();
	loop_on_signal(loop, SIGTERM, on_stop_signal, NULL);
	loop_on_signal(loop, SIGINT, on_stop_signal, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();

	if (start_api(&o, dir, loop, &ks, &store, &gc, &api, &err) < 0) {
		fprintf(stderr, "datalab-sandbox: %s\n", err.msg);
		rc = 1;
		goto out;
	}
	charts_src = o.charts ? xstrdup(o.charts) : charts_find_source();
	if (charts_src) {
		charts_out = file_join(dir, "charts");
		charts = charts_serve(api, charts_src, charts_out, &err);
		if (!charts)
			log_warn("charts not served: %s", err.msg);
	}
	cluster = sim_start(api, dir, &err);
	if (!cluster) {
		fprintf(stderr, "datalab-sandbox: %s\n", err.msg);
		rc = 1;
		goto out;
	}

	if (class_names && (classroom_setup(store, dir, api_url(api), class_names, !o.no_s3, &err) < 0 ||
			    classroom_admit(api, dir, class_names, &err) < 0)) {
		fprintf(stderr, "datalab-sandbox: %s\n", err.msg);
		rc = 1;
		goto out;
	}
	if (!o.no_s3) {
		s3dir = file_join(dir, "s3");
		s3cfg.data_dir = s3dir;
		s3cfg.bind_addr = o.bind;
		s3cfg.port = o.s3_port;
		s3cfg.region = "us-east-1";
		s3cfg.user = o.user;
		s3cfg.seed = 1;
		s3cfg.state_dir = dir;
		if (o.tls && bootstrap_tls(dir, o.bind, &cert, &key, &ca, &err) == 0) {
			s3cfg.tls_cert_pem = cert;
			s3cfg.tls_key_pem = key;
		}
		s3 = s3d_start(&s3cfg, &err);
		if (!s3) {
			log_warn("S3 service not started: %s", err.msg);
		} else {
			s3_url = xasprintf("%s://%s:%d", cert ? "https" : "http", o.bind, s3d_port(s3));
			if (s3d_write_env(s3, dir, &err) < 0) {
				fprintf(stderr, "datalab-sandbox: %s\n", err.msg);
				rc = 1;
				goto out;
			}
		}
	}
	if (write_ready(dir, api_url(api), s3_url, &err) < 0) {
		fprintf(stderr, "datalab-sandbox: %s\n", err.msg);
		rc = 1;
		goto out;
	}
	log_info("datalab-sandbox %s ready in %s", build_version(), dir);
	loop_run(loop);
out:
	unlink(ready);
	s3d_stop(s3);
	sim_stop(cluster);	/* first: exec sockets belong to the server */
	api_stop(api);
	charts_free(charts);
	gc_stop(gc);
	store_close(store);
	kinds_free(ks);
	loop_free(loop);
	free(token);
	free(cert);
	free(key);
	free(ca);
	free(charts_src);
	free(charts_out);
	free(ready);
	str_free_list(class_names);
	free(s3_url);
	free(s3dir);
	free(dir);
	return rc;
}
