/*
 * exec.c: the channel.k8s.io exec protocol on net/ws (see exec.h).
 *
 * Start-up: an exec plugin credential is fetched first when the
 * kubeconfig needs one (waiting for a run another caller started), then
 * the WebSocket opens with the Authorization header and the kubeconfig's
 * TLS.  A 401 drops the cached credential and connects once more.
 *
 * Data flow: binary frames arrive in on_message; the first byte picks the
 * channel: stdout and stderr go to on_output, the status is parsed and
 * kept, v5's close messages are noted.  A consumer slower than the
 * network pauses the socket's reads (exec_pause_read), so TCP slows the
 * server down rather than output piling up here.  When the connection ends, on_exit
 * gets the status's exit code, or -1 and the reason in words (a refused
 * upgrade's Status is worded by kube_status_error).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/kube/exec.h"
#include "datalab/kube/logs.h"
#include "datalab/net/ws.h"

#define STDIN_CHUNK (32 * 1024)
#define DEFAULT_PING_MS 30000L

/* ---- the codec ---- */

int exec_encode(struct buf *out, unsigned channel, const void *p, size_t n)
{
	if (channel > 255)
		return -1;
	if (buf_addc(out, (char)channel) != 0)
		return -1;
	return n ? buf_add(out, p, n) : 0;
}

int exec_encode_resize(struct buf *out, unsigned width, unsigned height)
{
	if (buf_addc(out, EXEC_RESIZE) != 0)
		return -1;
	return buf_addf(out, "{\"Width\":%u,\"Height\":%u}\n", width, height);
}

static void copy_msg(char *dst, size_t size, const char *s)
{
	struct buf b = BUF_INIT;

	if (!dst || !size)
		return;
	utf8_sanitize(&b, s, DL_MIN(strlen(s), (size_t)4096), 0);
	snprintf(dst, size, "%s", b.data);
	buf_release(&b);
}

int exec_status_parse(const char *p, size_t n, int *code, char *msg, size_t msg_size)
{
	cJSON *st = json_parse(p, n, NULL);
	const char *status;
	const cJSON *cause;
	int rc = 0;

	*code = -1;
	if (msg && msg_size)
		msg[0] = '\0';
	status = json_str(st, "status", NULL);
	if (!cJSON_IsObject(st) || !status) {
		cJSON_Delete(st);
		return -1;
	}
	copy_msg(msg, msg_size, json_str(st, "message", ""));
	if (strcmp(status, "Success") == 0) {
		*code = 0;
		goto out;
	}
	*code = 1;	/* a failure without an exit code, as kubectl exits */
	if (!str_eq(json_str(st, "reason", NULL), "NonZeroExitCode"))
		goto out;
	cJSON_ArrayForEach(cause, json_get(st, "details.causes")) {
		int64_t v;

		if (str_eq(json_str(cause, "reason", NULL), "ExitCode") &&
		    str_parse_i64(json_str(cause, "message", ""), &v) == 0 && v >= 0 && v <= 255) {
			*code = (int)v;
			break;
		}
	}
out:
	cJSON_Delete(st);
	return rc;
}

int exec_path(struct buf *out, const struct exec_opts *o)
{
	buf_adds(out, "/api/v1/namespaces/");
	str_url_encode(out, o->ns, strlen(o->ns), false);
	buf_adds(out, "/pods/");
	str_url_encode(out, o->pod, strlen(o->pod), false);
	buf_adds(out, "/exec?");
	for (const char *const *a = o->command; *a; a++) {
		buf_adds(out, "command=");
		str_url_encode(out, *a, strlen(*a), false);
		buf_addc(out, '&');
	}
	if (o->container && *o->container) {
		buf_adds(out, "container=");
		str_url_encode(out, o->container, strlen(o->container), false);
		buf_addc(out, '&');
	}
	if (o->stdin_open)
		buf_adds(out, "stdin=true&");
	/* with a tty kubectl asks no stderr: the terminal merges it */
	return buf_addf(out, "stdout=true&%stty=%s", o->tty ? "" : "stderr=true&", o->tty ? "true" : "false");
}

/* ---- the session ---- */

struct exec {
	struct kube *k;
	struct exec_cbs cbs;
	void *arg;
	struct exec_opts opts;	/* its strings point at the copies below */
	char *ns, *pod_name, *container;
	char **command;
	struct kube_call *pod_call;
	char *path;
	long ping_ms;
	struct ws *ws;
	bool retried;
	bool have_status, bad_status;
	int status_code;
	char status_msg[256];
	bool exited;
	bool read_paused;	/* exec_pause_read: kept across a reconnect */
	int depth;
	bool doomed;
	unsigned sent_w, sent_h;
};

static void destroy(struct exec *x)
{
	kube_cancel(x->pod_call);
	ws_free(x->ws);
	free(x->path);
	free(x->ns);
	free(x->pod_name);
	free(x->container);
	for (char **a = x->command; a && *a; a++)
		free(*a);
	free(x->command);
	free(x);
}

static void enter(struct exec *x)
{
	x->depth++;
}

static void leave(struct exec *x)
{
	if (--x->depth == 0 && x->doomed)
		destroy(x);
}

static void exited(struct exec *x, int code, const char *message)
{
	if (x->exited)
		return;
	x->exited = true;
	if (x->cbs.on_exit && !x->doomed)
		x->cbs.on_exit(x, code, message, x->arg);
}

static int fetch_pod(struct exec *x, struct error *err);

static void on_open(struct ws *ws, const char *protocol, void *arg)
{
	struct exec *x = arg;
	struct error err;

	enter(x);
	if (strcmp(protocol, EXEC_PROTOCOL_V5) != 0 && strcmp(protocol, EXEC_PROTOCOL_V4) != 0) {
		error_set(&err, ERR_UNSUPPORTED, "'%s' speaks no exec protocol datalab knows (offered v5 and v4, got '%s')",
			  ws_host(ws), *protocol ? protocol : "none");
		exited(x, -1, err.msg);
		ws_close(ws, WSFRAME_CLOSE_PROTOCOL, "unsupported protocol");
		leave(x);
		return;
	}
	if (x->cbs.on_open)
		x->cbs.on_open(x, protocol, x->arg);
	if (!x->doomed && x->opts.tty && x->opts.width && x->opts.height)
		exec_resize(x, x->opts.width, x->opts.height, NULL);
	leave(x);
}

static void on_message(struct ws *ws, unsigned opcode, const uint8_t *data, size_t n, void *arg)
{
	struct exec *x = arg;

	if (opcode != WSFRAME_BINARY || n == 0)
		return;	/* pongs, and the text frames of base64 protocols */
	enter(x);
	switch (data[0]) {
	case EXEC_STDOUT:
	case EXEC_STDERR:
		if (n > 1 && x->cbs.on_output && !x->exited)
			x->cbs.on_output(x, data[0], (const char *)data + 1, n - 1, x->arg);
		break;
	case EXEC_STATUS:
		if (exec_status_parse((const char *)data + 1, n - 1, &x->status_code, x->status_msg,
				      sizeof(x->status_msg)) == 0) {
			x->have_status = true;
			/* the command is over: close now rather than wait for
			 * the server to (kubectl answers its close with 1000) */
			ws_close(ws, WSFRAME_CLOSE_NORMAL, "");
		} else {
			x->bad_status = true;
			log_warn("exec: channel 3 carried something that is not a Status");
		}
		break;
	default:
		break;	/* v5's close of a channel, or unknown: nothing to do */
	}
	leave(x);
}

static void on_close(struct ws *ws, unsigned code, const char *reason, const struct error *err, void *arg)
{
	struct exec *x = arg;
	struct kubeconfig *kc = kube_config(x->k);
	struct error e2;

	(void)code;
	(void)reason;
	enter(x);
	if (x->have_status) {
		exited(x, x->status_code, x->status_msg);
	} else if (err->status == 401 && !x->retried && (kc->exec || kc->token_file)) {
		/* a stale credential: the pod GET fetches a fresh one */
		x->retried = true;
		kubeconfig_invalidate(kc);
		x->ws = NULL;
		ws_free(ws);
		if (fetch_pod(x, &e2) != 0)
			exited(x, -1, e2.msg);
	} else if (err->status >= 300) {
		const struct buf *b = ws_response_body(ws);

		/* RBAC names exec "create" on pods/exec: POST words it so */
		kube_status_error(&e2, err->status, "POST", x->path, NULL, b->data, b->len, ws_host(ws));
		exited(x, -1, e2.msg);
	} else if (x->bad_status) {
		error_set(&e2, ERR_PARSE, "'%s' sent an unreadable exit status", ws_host(ws));
		exited(x, -1, e2.msg);
	} else if (err->code == ERR_NONE) {
		/* a clean close without a status: older servers mean success */
		exited(x, 0, "");
	} else {
		exited(x, -1, err->msg);
	}
	leave(x);
}

static const struct ws_cbs ws_cbs = { on_open, on_message, on_close };

static int connect_ws(struct exec *x, struct error *err)
{
	struct kubeconfig *kc = kube_config(x->k);
	static const char *const protocols[] = { EXEC_PROTOCOL_V5, EXEC_PROTOCOL_V4, NULL };
	struct buf auth = BUF_INIT, path = BUF_INIT;
	const char *headers[2] = { NULL, NULL };
	struct http_tls tls;
	struct ws_opts o = { 0 };
	char *url;

	if (kubeconfig_auth_header(kc, &auth, err) != 0) {
		buf_release(&auth);
		return -1;
	}
	if (auth.len)
		headers[0] = auth.data;
	free(x->path);
	exec_path(&path, &x->opts);
	x->path = buf_take(&path, NULL);
	kubeconfig_tls(kc, &tls);
	url = xasprintf("%s%s", kc->server, x->path);
	o.url = url;
	o.protocols = protocols;
	o.headers = headers;
	o.tls = &tls;
	o.ping_ms = x->ping_ms;
	x->ws = ws_connect(kube_loop(x->k), &o, &ws_cbs, x, err);
	if (x->ws && x->read_paused)
		ws_pause_read(x->ws);
	free(url);
	buf_release(&auth);
	return x->ws ? 0 : -1;
}

static bool has_container(const cJSON *pod, const char *name)
{
	const cJSON *ct;

	cJSON_ArrayForEach(ct, json_get(pod, "spec.containers"))
		if (str_eq(json_str(ct, "name", NULL), name))
			return true;
	cJSON_ArrayForEach(ct, json_get(pod, "spec.initContainers"))
		if (str_eq(json_str(ct, "name", NULL), name))
			return true;
	cJSON_ArrayForEach(ct, json_get(pod, "spec.ephemeralContainers"))
		if (str_eq(json_str(ct, "name", NULL), name))
			return true;
	return false;
}

/* on_pod: as kubectl, look at the pod first: refuse a completed one, pick
 * the default container, and (through kube_call) get a credential */
static void on_pod(struct kube_call *c, cJSON *pod, const struct error *err, void *arg)
{
	struct exec *x = arg;
	const char *phase = json_str(pod, "status.phase", "");
	struct error e2;

	(void)c;
	x->pod_call = NULL;
	enter(x);
	if (err->code != ERR_NONE) {
		exited(x, -1, err->msg);
	} else if (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0) {
		error_set(&e2, ERR_INVALID, "cannot exec into a container in a completed pod; current phase is %s", phase);
		exited(x, -1, e2.msg);
	} else {
		if (!x->opts.container) {
			const char *def = logs_default_container(pod);

			x->container = def ? xstrdup(def) : NULL;
			x->opts.container = x->container;
		}
		if (x->opts.container && json_get(pod, "spec.containers") && !has_container(pod, x->opts.container)) {
			char *who = utf8_sanitize_dup(x->opts.container, 0), *pn = utf8_sanitize_dup(x->opts.pod, 0);

			error_set(&e2, ERR_NOT_FOUND, "container '%.80s' is not in pod '%.80s'", who, pn);
			free(who);
			free(pn);
			exited(x, -1, e2.msg);
		} else if (connect_ws(x, &e2) != 0) {
			exited(x, -1, e2.msg);
		}
	}
	leave(x);
}

static int fetch_pod(struct exec *x, struct error *err)
{
	struct buf path = BUF_INIT;
	struct kube_req rq = { 0 };

	buf_adds(&path, "/api/v1/namespaces/");
	str_url_encode(&path, x->opts.ns, strlen(x->opts.ns), false);
	buf_adds(&path, "/pods/");
	str_url_encode(&path, x->opts.pod, strlen(x->opts.pod), false);
	rq.path = path.data;
	rq.timeout_ms = 30000;
	x->pod_call = kube_call(x->k, &rq, on_pod, x, err);
	buf_release(&path);
	return x->pod_call ? 0 : -1;
}

struct exec *exec_start(struct kube *k, const struct exec_opts *o, const struct exec_cbs *cbs, void *arg,
			struct error *err)
{
	struct exec *x;
	size_t n = 0;

	if (!o->ns || !*o->ns || !o->pod || !*o->pod) {
		error_set(err, ERR_INVALID, "exec needs a namespace and a pod");
		return NULL;
	}
	if (!o->command || !o->command[0]) {
		error_set(err, ERR_INVALID, "exec needs a command");
		return NULL;
	}
	x = xcalloc(1, sizeof(*x));
	x->k = k;
	if (cbs)
		x->cbs = *cbs;
	x->arg = arg;
	x->opts = *o;
	x->opts.ns = x->ns = xstrdup(o->ns);
	x->opts.pod = x->pod_name = xstrdup(o->pod);
	x->opts.container = x->container = o->container && *o->container ? xstrdup(o->container) : NULL;
	while (o->command[n])
		n++;
	x->command = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		x->command[i] = xstrdup(o->command[i]);
	x->opts.command = (const char *const *)x->command;
	x->ping_ms = o->ping_ms > 0 ? o->ping_ms : DEFAULT_PING_MS;
	if (fetch_pod(x, err) != 0) {
		destroy(x);
		return NULL;
	}
	return x;
}

static int send_msg(struct exec *x, unsigned channel, const void *p, size_t n, struct error *err)
{
	struct buf m = BUF_INIT;
	int rc;

	if (x->exited)
		return error_set(err, ERR_INVALID, "the exec session is over");
	if (!x->ws)
		return error_set(err, ERR_INVALID, "the exec session is not connected yet");
	exec_encode(&m, channel, p, n);
	rc = ws_send(x->ws, WSFRAME_BINARY, m.data, m.len, err);
	buf_release(&m);
	return rc;
}

int exec_write(struct exec *x, const void *p, size_t n, struct error *err)
{
	const char *c = p;

	while (n > 0) {
		size_t take = DL_MIN(n, (size_t)STDIN_CHUNK);

		if (send_msg(x, EXEC_STDIN, c, take, err) != 0)
			return -1;
		c += take;
		n -= take;
	}
	return 0;
}

int exec_close_stdin(struct exec *x, struct error *err)
{
	uint8_t ch = EXEC_STDIN;

	if (!x->ws || strcmp(ws_protocol(x->ws), EXEC_PROTOCOL_V5) != 0)
		return 0;
	return send_msg(x, EXEC_CLOSE, &ch, 1, err);
}

int exec_resize(struct exec *x, unsigned width, unsigned height, struct error *err)
{
	struct buf m = BUF_INIT;
	int rc;

	x->opts.width = width;
	x->opts.height = height;
	if (!x->ws || !ws_is_open(x->ws) || x->exited || (width == x->sent_w && height == x->sent_h))
		return 0;	/* sent on open, or unchanged */
	exec_encode_resize(&m, width, height);
	rc = ws_send(x->ws, WSFRAME_BINARY, m.data, m.len, err);
	buf_release(&m);
	if (rc == 0) {
		x->sent_w = width;
		x->sent_h = height;
	}
	return rc;
}

void exec_pause_read(struct exec *x)
{
	x->read_paused = true;
	if (x->ws)
		ws_pause_read(x->ws);
}

void exec_resume_read(struct exec *x)
{
	x->read_paused = false;
	if (x->ws)
		ws_resume_read(x->ws);
}

void exec_free(struct exec *x)
{
	if (!x)
		return;
	if (x->depth > 0) {
		x->doomed = true;
		return;
	}
	destroy(x);
}

const char *exec_protocol(const struct exec *x)
{
	return x->ws ? ws_protocol(x->ws) : "";
}

size_t exec_queued(const struct exec *x)
{
	return x->ws ? ws_queued(x->ws) : 0;
}
