/*
 * kubelog.c: container logs as the kubelet keeps and serves them (kubelog.h).
 *
 * Lines live in one growable array, oldest first; dropping the oldest moves
 * a start index, and the array is compacted when half of it is dead, so
 * appends stay amortised O(1).  The startup texts imitate the first lines
 * of the real images (Jupyter Server, RStudio's s6 init, code-server,
 * PostgreSQL, nginx), with the pod's name where the real ones print the
 * host name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/mem.h"
#include "datalab/sandbox/kubelog.h"

struct line {
	int64_t t;
	char *text;		/* without its '\n' */
	size_t len;
};

struct kubelog {
	struct line *v;
	size_t start, n, cap;	/* live lines are v[start .. n) */
	uint64_t first_seq;	/* sequence number of v[start] */
	size_t bytes, max;
};

struct kubelog *kubelog_new(size_t max_bytes)
{
	struct kubelog *log = xcalloc(1, sizeof(*log));

	log->max = max_bytes ? max_bytes : (4u << 20);
	return log;
}

void kubelog_free(struct kubelog *log)
{
	if (!log)
		return;
	for (size_t i = log->start; i < log->n; i++)
		free(log->v[i].text);
	free(log->v);
	free(log);
}

size_t kubelog_lines(const struct kubelog *log)
{
	return log->n - log->start;
}

static void push(struct kubelog *log, int64_t t, const char *p, size_t n)
{
	while (log->bytes + n + 1 > log->max && log->start < log->n) {
		log->bytes -= log->v[log->start].len + 1;
		free(log->v[log->start].text);
		log->start++;
		log->first_seq++;
	}
	if (log->start > 64 && log->start * 2 > log->n) {
		memmove(log->v, log->v + log->start, (log->n - log->start) * sizeof(*log->v));
		log->n -= log->start;
		log->start = 0;
	}
	if (log->n == log->cap) {
		log->cap = log->cap ? log->cap * 2 : 64;
		log->v = xreallocarray(log->v, log->cap, sizeof(*log->v));
	}
	log->v[log->n].t = t;
	log->v[log->n].text = xmemdup(p, n);
	log->v[log->n].len = n;
	log->n++;
	log->bytes += n + 1;
}

void kubelog_append(struct kubelog *log, int64_t t_ns, const char *p, size_t n)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) : n;

		push(log, t_ns, p, len);
		if (!nl)
			break;
		n -= len + 1;
		p = nl + 1;
	}
}

/* rfc3339nano: Go's time.RFC3339Nano in UTC: trailing zeros of the
 * fraction trimmed, no fraction at all when it is zero */
static void rfc3339nano(char *dst, size_t size, int64_t t_ns)
{
	time_t s = (time_t)(t_ns / 1000000000);
	long ns = (long)(t_ns % 1000000000);
	struct tm tm;
	char day[32], frac[16] = "";

	if (ns < 0) {
		ns += 1000000000;
		s--;
	}
	gmtime_r(&s, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	if (ns) {
		int len;

		snprintf(frac, sizeof(frac), ".%09ld", ns);
		len = (int)strlen(frac);
		while (len > 1 && frac[len - 1] == '0')
			frac[--len] = '\0';
	}
	snprintf(dst, size, "%s%sZ", day, frac);
}

uint64_t kubelog_render(const struct kubelog *log, const struct kubelog_opts *opts, uint64_t from,
		       struct buf *out)
{
	size_t first = log->start, total = 0;
	uint64_t end = log->first_seq + (log->n - log->start);

	if (from > log->first_seq)
		first = log->start + (size_t)DL_MIN(from - log->first_seq, log->n - log->start);
	if (opts->tail_lines >= 0 && (size_t)opts->tail_lines < log->n - first)
		first = log->n - (size_t)opts->tail_lines;
	for (size_t i = first; i < log->n; i++) {
		const struct line *l = &log->v[i];
		char ts[48];
		size_t need = l->len + 1;

		if (opts->since_ns && l->t < opts->since_ns)
			continue;
		if (opts->timestamps) {
			rfc3339nano(ts, sizeof(ts), l->t);
			need += strlen(ts) + 1;
		}
		if (opts->limit_bytes > 0 && total + need > (size_t)opts->limit_bytes) {
			/* limitBytes cuts mid-line, as the kubelet's limited writer does */
			struct buf one = BUF_INIT;

			if (opts->timestamps)
				buf_addf(&one, "%s ", ts);
			buf_add(&one, l->text, l->len);
			buf_addc(&one, '\n');
			buf_add(out, one.data, (size_t)opts->limit_bytes - total);
			buf_release(&one);
			return end;
		}
		if (opts->timestamps)
			buf_addf(out, "%s ", ts);
		buf_add(out, l->text, l->len);
		buf_addc(out, '\n');
		total += need;
	}
	return end;
}

struct script {
	const char *match;	/* a substring of the image */
	const char *const *lines;
};

/* %1$s is the pod name, %2$s a date as the image prints it */
static const char *const jupyter[] = {
	"Entered start.sh with args: jupyter lab",
	"Executing the command: jupyter lab --no-browser --ip=0.0.0.0",
	"[I %2$s ServerApp] jupyter_lsp | extension was successfully linked.",
	"[I %2$s ServerApp] jupyter_server_terminals | extension was successfully linked.",
	"[I %2$s ServerApp] jupyterlab | extension was successfully linked.",
	"[I %2$s ServerApp] Writing Jupyter server cookie secret to /home/onyxia/.local/share/jupyter/runtime/jupyter_cookie_secret",
	"[I %2$s ServerApp] jupyterlab | extension was successfully loaded.",
	"[I %2$s ServerApp] Serving notebooks from local directory: /home/onyxia/work",
	"[I %2$s ServerApp] Jupyter Server 2.14.2 is running at:",
	"[I %2$s ServerApp] http://%1$s:8888/lab",
	"[I %2$s ServerApp]     http://127.0.0.1:8888/lab",
	"[I %2$s ServerApp] Use Control-C to stop this server and shut down all kernels (twice to skip confirmation).",
	NULL,
};
static const char *const rstudio[] = {
	"[s6-init] making user provided files available at /var/run/s6/etc...exited 0.",
	"[s6-init] ensuring user provided files have correct perms...exited 0.",
	"[fix-attrs.d] applying ownership & permissions fixes...",
	"[fix-attrs.d] done.",
	"[cont-init.d] executing container initialization scripts...",
	"[cont-init.d] userconf: executing...",
	"[cont-init.d] userconf: exited 0.",
	"[cont-init.d] done.",
	"[services.d] starting services",
	"[services.d] done.",
	NULL,
};
static const char *const codeserver[] = {
	"[%2$s] info  code-server 4.96.4 e6ad2c9b1a3b0d8f2b9f8c2e8f5f2f6b7c9d1e2f",
	"[%2$s] info  Using user-data-dir /home/onyxia/.local/share/code-server",
	"[%2$s] info  Using config file /home/onyxia/.config/code-server/config.yaml",
	"[%2$s] info  HTTP server listening on http://0.0.0.0:8080/",
	"[%2$s] info    - Authentication is enabled",
	"[%2$s] info      - Using password from $PASSWORD",
	"[%2$s] info    - Not serving HTTPS",
	"[%2$s] info  Session server listening on /home/onyxia/.local/share/code-server/code-server-ipc.sock",
	NULL,
};
static const char *const postgres[] = {
	"postgresql 00:00:00.00 INFO  ==> ** Starting PostgreSQL setup **",
	"postgresql 00:00:00.01 INFO  ==> Validating settings in POSTGRESQL_* env vars..",
	"postgresql 00:00:00.02 INFO  ==> Initializing PostgreSQL database...",
	"postgresql 00:00:00.05 INFO  ==> ** PostgreSQL setup finished! **",
	"postgresql 00:00:00.06 INFO  ==> ** Starting PostgreSQL **",
	"%2$s LOG:  listening on IPv4 address \"0.0.0.0\", port 5432",
	"%2$s LOG:  database system is ready to accept connections",
	NULL,
};
static const char *const nginx[] = {
	"/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
	"/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
	"/docker-entrypoint.sh: Configuration complete; ready for start up",
	"%2$s [notice] 1#1: using the \"epoll\" event method",
	"%2$s [notice] 1#1: nginx/1.27.3",
	"%2$s [notice] 1#1: start worker processes",
	NULL,
};
static const char *const redis[] = {
	"1:C %2$s # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
	"1:M %2$s * Running mode=standalone, port=6379.",
	"1:M %2$s * Server initialized",
	"1:M %2$s * Ready to accept connections tcp",
	NULL,
};
static const char *const mlflow[] = {
	"[%2$s] [1] [INFO] Starting gunicorn 23.0.0",
	"[%2$s] [1] [INFO] Listening at: http://0.0.0.0:5000 (1)",
	"[%2$s] [1] [INFO] Using worker: sync",
	NULL,
};
static const char *const generic[] = {
	"starting %3$s on %1$s",
	NULL,
};

static const struct script scripts[] = {
	{ "jupyter", jupyter }, { "rstudio", rstudio }, { "code-server", codeserver },
	{ "vscode", codeserver }, { "postgres", postgres }, { "nginx", nginx },
	{ "redis", redis }, { "mlflow", mlflow },
};

/* script_of: the startup lines of an image */
static const char *const *script_of(const char *image)
{
	for (size_t i = 0; image && i < DL_ARRAY_LEN(scripts); i++)
		if (strstr(image, scripts[i].match))
			return scripts[i].lines;
	return generic;
}

/* startup_line: line n of the startup text into b; returns its time */
static int64_t startup_line(struct buf *b, const char *fmt, size_t n, const char *image, const char *pod,
			    int64_t t0_ns)
{
	int64_t t = t0_ns + (int64_t)n * 7000000 + (int64_t)(n * n) * 300000;
	time_t s = (time_t)(t / 1000000000);
	struct tm tm;
	char date[64], day[32];

	gmtime_r(&s, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(date, sizeof(date), "%s.%03d", day, (int)(t / 1000000 % 1000));
	/* positional arguments by hand: %1$s pod, %2$s date, %3$s image */
	for (const char *p = fmt; *p; p++) {
		if (p[0] == '%' && p[1] >= '1' && p[1] <= '3' && p[2] == '$' && p[3] == 's') {
			buf_adds(b, p[1] == '1' ? pod : p[1] == '2' ? date : (image ? image : ""));
			p += 3;
		} else {
			buf_addc(b, *p);
		}
	}
	return t;
}

size_t kubelog_startup(struct kubelog *log, const char *image, const char *pod, int64_t t0_ns)
{
	const char *const *lines = script_of(image);
	size_t n = 0;

	for (; lines[n]; n++) {
		struct buf b = BUF_INIT;
		int64_t t = startup_line(&b, lines[n], n, image, pod, t0_ns);

		push(log, t, b.data, b.len);
		buf_release(&b);
	}
	return n;
}

void kubelog_startup_text(struct buf *out, const char *image, const char *pod, int64_t t0_ns)
{
	const char *const *lines = script_of(image);

	for (size_t n = 0; lines[n]; n++) {
		startup_line(out, lines[n], n, image, pod, t0_ns);
		buf_addc(out, '\n');
	}
}
