/*
 * execws.c: POST/GET .../pods/P/exec and .../attach over WebSocket with
 * v5.channel.k8s.io or v4.channel.k8s.io (sim.h, PROTOCOLS.md 2).
 *
 * The handler checks the pod and container, answers 101 with the chosen
 * subprotocol, and on the upgraded socket: client frames (masked) go
 * through the wsframe decoder; each binary message is a channel byte and
 * data for podexec_message; pings get pongs; output comes back as unmasked
 * binary frames [channel][data]; the exit is a Status on channel 3, a
 * close frame 1000, and the socket closed.  A client that drops the
 * connection gets its process group killed and reaped (podexec_free).  When
 * more than 1 MiB waits for a slow client, the process's output is not
 * read until it drains; when more than PODEXEC_STDIN_HIGH of stdin waits
 * for a slow process, the client's socket is not read until the process
 * took half of it (on_stdin_room), so TCP slows the client down and no
 * byte is lost.
 *
 * attach joins the container's main process (simmain.c) instead of
 * starting one: its output comes as it is printed, stdin and resizes go
 * to it when it is a real process that reads them, and the session ends
 * with a Success status when the main ends, as the kubelet's attach does.
 * When a client that attached with stdin leaves a container with
 * stdinOnce, the main's stdin is closed.  A pod's sessions get its
 * signals when it is deleted (SIGTERM, and SIGHUP on a terminal), and end
 * when it is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/net/wsframe.h"
#include "datalab/sandbox/podexec.h"
#include "sim-internal.h"

#define OUT_HIGH (1u << 20)
#define ATTACH_MAX_QUEUED (8u << 20)

struct execws {
	struct execws *next;
	struct sim *c;
	int sock;
	struct MHD_UpgradeResponseHandle *urh;
	struct wsframe_decoder dec;
	struct podexec_session *sess;
	struct buf out;		/* frames not yet written */
	bool paused, closing, dead;
	bool in_paused;		/* the socket is not read: stdin waits for the process */
	bool exited;		/* the exec'd process ended */
	int64_t started_ms;	/* wall time it started */
	/* set by the handler, used at the upgrade */
	char **argv, **env;
	char *cwd;
	bool tty, in, want_out, want_err;
	int v5;
	char *uid, *container;	/* the pod and container it runs in */
	struct run_log *attach;	/* attach: the container whose main it joins */
};

static void ws_free(struct execws *w)
{
	struct execws **pp;

	for (pp = &w->c->execs; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	if (w->sock >= 0)
		loop_unwatch_fd(w->c->loop, w->sock);
	if (w->attach && w->in && w->attach->stdin_once && w->attach->proc)
		podexec_close_stdin(w->attach->proc);
	if (w->sess && !w->exited) {
		podexec_free(w->sess);
		w->sess = NULL;
		lifecycle_poke(w->c, w->uid);
	}
	podexec_free(w->sess);
	if (w->urh)
		api_upgrade_close(w->c->api, w->urh);
	wsframe_decoder_release(&w->dec);
	buf_release(&w->out);
	str_free_list(w->argv);
	str_free_list(w->env);
	free(w->cwd);
	free(w->uid);
	free(w->container);
	free(w);
}

static void on_sock(struct loop *l, int fd, unsigned events, void *arg);

static void watch_sock(struct execws *w)
{
	loop_watch_fd(w->c->loop, w->sock, (w->in_paused ? 0 : LOOP_READ) | (w->out.len ? LOOP_WRITE : 0),
		      on_sock, w);
}

/* stdin_target: the process this client's stdin goes to, if any */
static struct podexec_session *stdin_target(const struct execws *w)
{
	if (w->sess)
		return w->sess;
	if (w->attach && w->attach->proc && w->in && w->attach->in)
		return w->attach->proc;
	return NULL;
}

/* check_stdin: stop reading the client while its process's stdin queue is
 * full; resumed by on_stdin_room (exec) or execws_main_stdin_room (attach) */
static void check_stdin(struct execws *w)
{
	struct podexec_session *t = stdin_target(w);

	if (!w->in_paused && !w->closing && t && podexec_stdin_full(t)) {
		w->in_paused = true;
		watch_sock(w);
	}
}

static void resume_stdin(struct execws *w)
{
	if (!w->in_paused)
		return;
	w->in_paused = false;
	if (w->sock >= 0 && !w->dead)
		watch_sock(w);
}

static void flush(struct execws *w)
{
	while (w->out.len) {
		ssize_t n = write(w->sock, w->out.data, w->out.len);

		if (n > 0) {
			buf_consume(&w->out, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		w->dead = true;	/* the client is gone */
		return;
	}
	watch_sock(w);
	if (w->sess && w->paused != (w->out.len > OUT_HIGH)) {
		w->paused = w->out.len > OUT_HIGH;
		podexec_pause(w->sess, w->paused);
	}
}

static void send_frame(struct execws *w, unsigned opcode, int channel, const void *p, size_t n)
{
	struct buf f = BUF_INIT;

	if (channel >= 0) {
		unsigned char *m = xmalloc(n + 1);

		m[0] = (unsigned char)channel;
		memcpy(m + 1, p, n);
		wsframe_encode(&f, opcode, true, m, n + 1, NULL);
		free(m);
	} else {
		wsframe_encode(&f, opcode, true, p, n, NULL);
	}
	buf_add(&w->out, f.data, f.len);
	buf_release(&f);
}

static void finish(struct execws *w, int status)
{
	struct buf st = BUF_INIT, f = BUF_INIT;

	podexec_status_json(&st, status);
	send_frame(w, WSFRAME_BINARY, PODEXEC_ERROR, st.data, st.len);
	wsframe_encode_close(&f, WSFRAME_CLOSE_NORMAL, "", NULL);
	buf_add(&w->out, f.data, f.len);
	buf_release(&f);
	buf_release(&st);
	w->closing = true;
	w->in_paused = false;	/* stdin no longer matters; the close frame does */
	flush(w);
}

static void on_output(struct podexec_session *s, int channel, const void *p, size_t n, void *arg)
{
	struct execws *w = arg;

	(void)s;
	send_frame(w, WSFRAME_BINARY, channel, p, n);
	flush(w);
}

static void on_stdin_room(struct podexec_session *s, void *arg)
{
	(void)s;
	resume_stdin(arg);
}

static void on_exit_cb(struct podexec_session *s, int status, void *arg)
{
	struct execws *w = arg;

	(void)s;
	w->exited = true;
	finish(w, status);
	lifecycle_poke(w->c, w->uid);
}

/* attach_message: a client message for a real main: stdin (when both
 * sides asked for it), resize, stdin's end */
static void attach_message(struct execws *w, const uint8_t *data, size_t n)
{
	struct run_log *l = w->attach;
	struct error err;

	if (n == 0 || (data[0] == PODEXEC_STDIN && !(w->in && l->in)))
		return;
	if (data[0] == PODEXEC_CLOSE && !l->stdin_once)
		return;		/* one client's EOF closes stdin only with stdinOnce */
	if (podexec_message(l->proc, data, n, &err) != 0)
		log_warn("attach: %s", err.msg);
}

static void on_message(unsigned opcode, const uint8_t *data, size_t n, void *arg)
{
	struct execws *w = arg;
	struct error err;

	switch (opcode) {
	case WSFRAME_BINARY:
		if (w->sess && !w->closing && podexec_message(w->sess, data, n, &err) != 0)
			log_warn("exec: %s", err.msg);
		else if (w->attach && w->attach->proc && !w->closing)
			attach_message(w, data, n);
		break;
	case WSFRAME_PING:
		send_frame(w, WSFRAME_PONG, -1, data, n);
		flush(w);
		break;
	case WSFRAME_CLOSE:
		if (!w->closing) {
			struct buf f = BUF_INIT;

			wsframe_encode_close(&f, WSFRAME_CLOSE_NORMAL, "", NULL);
			buf_add(&w->out, f.data, f.len);
			buf_release(&f);
			w->closing = true;
			flush(w);
		}
		w->dead = true;
		break;
	default:
		break;		/* text frames (base64 protocols) are not offered */
	}
}

static void on_sock(struct loop *l, int fd, unsigned events, void *arg)
{
	struct execws *w = arg;

	(void)l;
	if (events & (LOOP_READ | LOOP_ERROR)) {
		char b[16384];
		ssize_t n = read(fd, b, sizeof(b));
		struct error err;

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			w->dead = true;
		else if (n > 0 && wsframe_decoder_feed(&w->dec, b, (size_t)n, &err) != 0)
			w->dead = true;
		if (!w->dead)
			check_stdin(w);
	}
	if (!w->dead && (events & LOOP_WRITE))
		flush(w);
	if (w->dead || (w->closing && !w->out.len))
		ws_free(w);
}

static void on_upgrade(void *arg, int sock, const char *extra, size_t extra_len,
		       struct MHD_UpgradeResponseHandle *urh)
{
	struct execws *w = arg;
	struct podexec_cbs cbs = { on_output, on_exit_cb, on_stdin_room };
	struct podexec_config cfg = { (const char *const *)w->argv, (const char *const *)w->env, w->cwd,
				   w->tty, w->in, true, w->want_err, 0, 0 };
	struct error err = { 0 };

	w->sock = sock;
	w->urh = urh;
	fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK);
	w->next = w->c->execs;
	w->c->execs = w;
	if (!w->argv) {
		/* attach: the main may have ended since the request */
		struct podrun *r = lifecycle_find(w->c, w->uid);

		w->attach = r ? lifecycle_log(r, w->container) : NULL;
		if (!w->attach || !w->attach->running)
			finish(w, 0);
	} else if ((w->started_ms = time_wall_ms()),
		   !(w->sess = podexec_start(w->c->loop, &cfg, &cbs, w, &err))) {
		struct buf msg = BUF_INIT;

		buf_addf(&msg, "%s\r\n", err.msg);
		send_frame(w, WSFRAME_BINARY, PODEXEC_STDERR, msg.data, msg.len);
		buf_release(&msg);
		finish(w, 127);
		return;
	}
	watch_sock(w);
	if (extra_len) {
		struct error ferr;

		if (wsframe_decoder_feed(&w->dec, extra, extra_len, &ferr) != 0)
			w->dead = true;
		else
			check_stdin(w);
	}
	if (w->dead)
		ws_free(w);
}

static int exec_handler(struct api_req *rq, void *arg)
{
	struct sim *c = arg;
	const struct store_obj *o = store_get(c->store, c->k_pods, rq->ns, rq->name);
	const char *container = api_query(rq, "container"), *protos = api_header(rq, "Sec-WebSocket-Protocol");
	const char *key = api_header(rq, "Sec-WebSocket-Key"), *upgrade = api_header(rq, "Upgrade");
	const cJSON *pod = o ? o->obj : NULL, *ct, *found = NULL;
	const char *vals[256];
	size_t nargs;
	struct execws *w;
	struct error err = { 0 };
	char accept[29];
	bool attach = str_eq(rq->sub, "attach");
	struct podrun *r;
	struct run_log *l;
	const char *proto;

	if (!pod)
		return api_reply_error(rq, 404, "NotFound", "pods \"%s\" not found", rq->name);
	cJSON_ArrayForEach(ct, json_get(pod, "spec.containers")) {
		if (!container || !*container || str_eq(json_str(ct, "name", ""), container)) {
			found = ct;
			break;
		}
	}
	if (!found)
		return api_reply_error(rq, 400, "BadRequest", "container %s is not valid for pod %s",
				       container ? container : "", rq->name);
	container = json_str(found, "name", "");
	if (!str_eq(json_str(pod, "status.phase", ""), "Running"))
		return api_reply_error(rq, 400, "BadRequest", "unable to upgrade connection: container not "
				       "found (\"%s\")", container);
	r = lifecycle_find(c, json_str(pod, "metadata.uid", ""));
	l = r ? lifecycle_log(r, container) : NULL;
	if (attach && (!l || !l->running))
		return api_reply_error(rq, 400, "BadRequest", "container %s is not running", container);
	if (!upgrade || !str_case_eq(upgrade, "websocket") || !key)
		return api_reply_error(rq, 400, "BadRequest", "Upgrade request required");
	proto = protos && strstr(protos, "v5.channel.k8s.io") ? "v5.channel.k8s.io" :
		protos && strstr(protos, "v4.channel.k8s.io") ? "v4.channel.k8s.io" : NULL;
	if (!proto)
		return api_reply_error(rq, 400, "BadRequest", "the protocol(s) requested are not supported: "
				       "v5.channel.k8s.io and v4.channel.k8s.io are");
	nargs = attach ? 0 : api_query_all(rq, "command", vals, DL_ARRAY_LEN(vals) - 1);
	if (!attach && nargs == 0)
		return api_reply_error(rq, 400, "BadRequest", "you must specify at least one command for the "
				       "container");
	w = xcalloc(1, sizeof(*w));
	w->c = c;
	w->sock = -1;
	w->v5 = proto[1] == '5';
	w->tty = str_eq(api_query(rq, "tty"), "true");
	w->in = str_eq(api_query(rq, "stdin"), "true");
	w->want_err = str_eq(api_query(rq, "stderr"), "true");
	buf_init(&w->out, 0);
	wsframe_decoder_init(&w->dec, WSFRAME_ROLE_SERVER, 0, on_message, w);
	w->uid = xstrdup(json_str(pod, "metadata.uid", ""));
	w->container = xstrdup(container);
	if (!attach) {
		w->env = simmain_env(c, pod, container, w->tty, &w->cwd, &err);
		if (!w->env) {
			wsframe_decoder_release(&w->dec);
			free(w->uid);
			free(w->container);
			free(w);
			return api_reply_error(rq, 500, "InternalError", "%s", err.msg);
		}
		w->argv = xcalloc(nargs + 1, sizeof(*w->argv));
		for (size_t i = 0; i < nargs; i++)
			w->argv[i] = xstrdup(vals[i]);
	}
	wsframe_accept(key, accept);
	{
		const char *headers[] = { "Upgrade", "websocket", "Connection", "Upgrade",
					  "Sec-WebSocket-Accept", accept, "Sec-WebSocket-Protocol", proto, NULL };

		return api_reply_upgrade(rq, headers, on_upgrade, w);
	}
}

void execws_register(struct sim *c)
{
	api_add_subresource(c->api, "", "pods", "exec", "create,get", NULL, exec_handler, c);
	api_add_subresource(c->api, "", "pods", "attach", "create,get", NULL, exec_handler, c);
}

void execws_close_all(struct sim *c)
{
	while (c->execs)
		ws_free(c->execs);
}

void execws_close_pod(struct sim *c, const char *uid)
{
	/* what still runs is killed: its exit (137) ends the session */
	execws_signal_pod(c, uid, SIGKILL);
	for (struct execws *w = c->execs; w; w = w->next)
		if (str_eq(w->uid, uid) && !w->sess && !w->closing && w->sock >= 0)
			finish(w, 0);
}

void execws_signal_pod(struct sim *c, const char *uid, int sig)
{
	for (struct execws *w = c->execs; w; w = w->next) {
		pid_t pid;

		if (!w->sess || w->exited || !str_eq(w->uid, uid))
			continue;
		pid = podexec_pid(w->sess);
		if (sig == SIGTERM && w->tty)
			kill(-pid, SIGHUP);
		kill(-pid, sig);
		kill(pid, sig);
	}
}

bool execws_pod_busy(struct sim *c, const char *uid)
{
	for (struct execws *w = c->execs; w; w = w->next)
		if (w->sess && !w->exited && str_eq(w->uid, uid))
			return true;
	return false;
}

size_t execws_pod_sessions(struct sim *c, const char *uid, const char *container, int *pids, size_t max,
			   int64_t *since_ms)
{
	size_t n = 0;

	for (struct execws *w = c->execs; w && n < max; w = w->next)
		if (w->sess && !w->exited && str_eq(w->uid, uid) && str_eq(w->container, container)) {
			pids[n++] = podexec_pid(w->sess);
			if (!*since_ms || w->started_ms < *since_ms)
				*since_ms = w->started_ms;
		}
	return n;
}

void execws_main_output(struct run_log *l, int channel, const void *p, size_t n)
{
	for (struct execws *w = l->c->execs; w; w = w->next) {
		if (w->attach != l || w->closing || w->dead || w->sock < 0)
			continue;
		if (channel == PODEXEC_STDERR && !w->want_err && !w->tty)
			continue;
		if (w->out.len > ATTACH_MAX_QUEUED)
			continue;	/* a client this slow loses output, not the others */
		send_frame(w, WSFRAME_BINARY, w->tty ? PODEXEC_STDOUT : channel, p, n);
		flush(w);
	}
}

void execws_main_stdin_room(struct run_log *l)
{
	for (struct execws *w = l->c->execs; w; w = w->next)
		if (w->attach == l)
			resume_stdin(w);
}

void execws_main_ended(struct run_log *l)
{
	for (struct execws *w = l->c->execs; w; w = w->next)
		if (w->attach == l && !w->closing && w->sock >= 0)
			finish(w, 0);
}

void execws_forget_log(struct sim *c, struct run_log *l)
{
	for (struct execws *w = c->execs; w; w = w->next)
		if (w->attach == l) {
			if (!w->closing && w->sock >= 0)
				finish(w, 0);
			w->attach = NULL;
		}
}
