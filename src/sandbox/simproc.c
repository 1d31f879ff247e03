/*
 * simproc.c: CPU and memory of real processes by session (simproc.h).
 *
 * /proc/PID/stat is "pid (comm) state ppid pgrp session ... utime stime
 * cutime cstime ... rss ...": comm may hold spaces and parentheses, so the
 * fields are counted from the last ')' (proc(5)).  Ticks are
 * sysconf(_SC_CLK_TCK) per second, rss is in pages.  Samples live per key
 * ("uid/container") in a small array, a minute of them at most.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/core/mem.h"
#include "datalab/sandbox/simproc.h"

#define KEEP_MS 60000
#define MIN_WINDOW_MS 1000

struct proc_entry {
	int sid;
	int64_t ticks, rss_pages;
};

struct simproc_table {
	struct proc_entry *v;
	size_t n, cap;
	long hz, page;
};

/* parse_stat: session, ticks and rss from one stat line */
static int parse_stat(const char *line, struct proc_entry *e)
{
	const char *p = strrchr(line, ')');
	long long v[24];
	int n = 0;

	if (!p)
		return -1;
	p++;
	/* fields from 3 (state) on: state is a letter, then numbers */
	while (*p == ' ')
		p++;
	if (!*p)
		return -1;
	p++;		/* the state */
	while (n < 22) {
		char *end;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		v[n++] = strtoll(p, &end, 10);
		if (end == p)
			return -1;
		p = end;
	}
	if (n < 21)
		return -1;
	/* v[0] ppid (4), v[1] pgrp, v[2] session, ... v[10] utime (14),
	 * v[11] stime, v[12] cutime, v[13] cstime, ... v[20] rss (24) */
	e->sid = (int)v[2];
	e->ticks = v[10] + v[11] + v[12] + v[13];
	e->rss_pages = v[20];
	return 0;
}

struct simproc_table *simproc_scan(void)
{
	DIR *d = opendir("/proc");
	struct simproc_table *t;
	struct dirent *de;

	if (!d)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->hz = sysconf(_SC_CLK_TCK);
	t->page = sysconf(_SC_PAGESIZE);
	if (t->hz <= 0)
		t->hz = 100;
	if (t->page <= 0)
		t->page = 4096;
	while ((de = readdir(d))) {
		char path[300], line[1024];
		struct proc_entry e;
		ssize_t r;
		int fd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;	/* gone meanwhile */
		r = read(fd, line, sizeof(line) - 1);
		close(fd);
		if (r <= 0)
			continue;
		line[r] = '\0';
		if (parse_stat(line, &e) != 0)
			continue;
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 256;
			t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
		}
		t->v[t->n++] = e;
	}
	closedir(d);
	return t;
}

void simproc_table_free(struct simproc_table *t)
{
	if (!t)
		return;
	free(t->v);
	free(t);
}

size_t simproc_sum(const struct simproc_table *t, const int *sids, size_t n, int64_t *cpu_ns, int64_t *rss)
{
	size_t found = 0;
	int64_t ticks = 0, pages = 0;

	for (size_t i = 0; t && i < t->n; i++)
		for (size_t k = 0; k < n; k++)
			if (t->v[i].sid == sids[k]) {
				ticks += t->v[i].ticks;
				pages += t->v[i].rss_pages;
				found++;
				break;
			}
	*cpu_ns = t ? ticks * (1000000000LL / t->hz) : 0;
	*rss = t ? pages * t->page : 0;
	return found;
}

struct sample {
	int64_t t_ms, cpu_ns;
};

struct series {
	char *key;
	struct sample v[64];
	size_t n;
};

struct simproc {
	struct series *s;
	size_t n;
};

struct simproc *simproc_new(void)
{
	return xcalloc(1, sizeof(struct simproc));
}

void simproc_free(struct simproc *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->s[i].key);
	free(p->s);
	free(p);
}

int64_t simproc_rate(struct simproc *p, const char *key, int64_t cpu_ns, int64_t since_ms, int64_t now_ms)
{
	struct series *s = NULL;
	const struct sample *ref = NULL;
	struct sample base = { since_ms, 0 };
	int64_t rate = 0;

	for (size_t i = 0; i < p->n && !s; i++)
		if (strcmp(p->s[i].key, key) == 0)
			s = &p->s[i];
	if (!s) {
		p->s = xreallocarray(p->s, p->n + 1, sizeof(*p->s));
		s = &p->s[p->n++];
		memset(s, 0, sizeof(*s));
		s->key = xstrdup(key);
	}
	/* samples past a minute go, the newest stays */
	while (s->n > 1 && s->v[0].t_ms < now_ms - KEEP_MS) {
		memmove(s->v, s->v + 1, (s->n - 1) * sizeof(*s->v));
		s->n--;
	}
	for (size_t i = s->n; i-- > 0;)
		if (s->v[i].t_ms <= now_ms - MIN_WINDOW_MS) {
			ref = &s->v[i];
			break;
		}
	if (!ref && s->n)
		ref = &s->v[0];
	if (!ref && since_ms > 0 && since_ms < now_ms)
		ref = &base;
	if (ref && now_ms > ref->t_ms && cpu_ns > ref->cpu_ns)
		rate = (cpu_ns - ref->cpu_ns) * 1000 / (now_ms - ref->t_ms);
	if (s->n == sizeof(s->v) / sizeof(s->v[0])) {
		memmove(s->v, s->v + 1, (s->n - 1) * sizeof(*s->v));
		s->n--;
	}
	if (!s->n || s->v[s->n - 1].t_ms < now_ms) {
		s->v[s->n].t_ms = now_ms;
		s->v[s->n++].cpu_ns = cpu_ns;
	}
	return rate;
}

void simproc_forget(struct simproc *p, const char *prefix)
{
	size_t len = strlen(prefix);

	for (size_t i = 0; i < p->n;)
		if (strncmp(p->s[i].key, prefix, len) == 0) {
			free(p->s[i].key);
			p->s[i] = p->s[--p->n];
		} else {
			i++;
		}
}
