/*
 * simevents.c: the Events' time to live, as kube-apiserver's --event-ttl
 * (1 h): an Event goes that long after its last write, whoever wrote it.
 *
 * The apiserver attaches an etcd lease to each Event write and reuses a
 * lease for the writes of the next minute, so an Event lives between the
 * TTL and the TTL plus a minute; the same minute batches the sweeps here.
 * The time of an Event's last write is the latest of its
 * creationTimestamp, lastTimestamp, eventTime and series.lastObservedTime
 * (what every writer updates; a patch that touches none of them does not
 * renew it, where a lease would).
 *
 * No timer of its own and no scan per write: c->events_due holds when
 * the oldest Event expires (plus the minute); a new Event only lowers it,
 * and the reconcile pass asks for a wake-up at that time (sim_wake_at),
 * then scans the Events once, deletes the expired ones (a DELETED for
 * each on watches, as a lease expiry gives) and finds the next due time.
 * Without this the Events of replaced pods (six per pod: Scheduled,
 * Pulling, Pulled, Created, Started, Killing) were kept forever.
 */
#include <string.h>
#include <time.h>

#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/timeutil.h"
#include "sim-internal.h"

#define EVENT_TTL_S 3600	/* kube-apiserver --event-ttl default */
#define LEASE_REUSE_S 60	/* etcd3 lease manager's reuse window */
#define SWEEP_MAX 1000		/* deletions per pass: the loop keeps serving */

/* written_at: unix seconds of ev's last write as its fields tell, or -1 */
static int64_t written_at(const cJSON *ev)
{
	static const char *const paths[] = {
		"metadata.creationTimestamp", "lastTimestamp", "eventTime", "series.lastObservedTime",
	};
	int64_t best = -1;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		time_t t;

		if (time_parse_rfc3339(json_str(ev, paths[i], NULL), &t) == 0 && (int64_t)t > best)
			best = (int64_t)t;
	}
	return best;
}

/* due_ms: when the sweep for an Event written at t should run */
static int64_t due_ms(int64_t t)
{
	return (t + EVENT_TTL_S + LEASE_REUSE_S) * 1000;
}

void simevents_note(struct sim *c, const struct store_obj *ev)
{
	int64_t t = written_at(ev->obj);

	if (t < 0)
		t = sim_unix(c);
	if (!c->events_due || due_ms(t) < c->events_due) {
		c->events_due = due_ms(t);
		sim_pass_soon(c);	/* the pass asks for the wake-up */
	}
}

void simevents_expire(struct sim *c)
{
	const struct store_obj **v;
	int64_t now, next = 0;
	size_t n, deleted = 0;
	bool more = false;

	if (!c->events_due || !c->k_events)
		return;
	if (sim_unix_ms(c) < c->events_due) {
		sim_wake_at(c, c->events_due);
		return;
	}
	now = sim_unix(c);
	v = sim_list(c, c->k_events, NULL, &n);
	for (size_t i = 0; i < n; i++) {
		int64_t t = written_at(v[i]->obj);

		if (t >= 0 && t + EVENT_TTL_S <= now) {
			struct store_delete d = { .propagation = STORE_PROPAGATE_BACKGROUND, .grace_seconds = 0 };
			struct status st;

			if (deleted == SWEEP_MAX) {
				more = true;
				continue;
			}
			d.uid = json_str(v[i]->obj, "metadata.uid", NULL);
			status_init(&st);
			if (store_delete(c->store, c->k_events, v[i]->ns, v[i]->name, &d, NULL, NULL, &st) != 0 &&
			    st.code != 404 && st.code != 409)
				log_warn("expiring event %s/%s: %s", v[i]->ns, v[i]->name,
					 st.message ? st.message : "?");
			status_release(&st);
			deleted++;
		} else if (t >= 0 && (!next || due_ms(t) < next)) {
			next = due_ms(t);
		}
	}
	store_snapshot_free(v);
	c->events_due = more ? sim_unix_ms(c) : next;
	if (c->events_due)
		sim_wake_at(c, c->events_due);
}
