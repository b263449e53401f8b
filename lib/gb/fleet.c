/* fleet: many simulated devices in one poll loop. */
#include "gb/fleet.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"

struct member {
	ck_fleet *f;
	char id[33];
	ck_sip *s;
	ck_device *d;
	ck_camera *cam;
	int64_t wake;             /* when it next needs a tick */
};

struct ck_fleet {
	ck_fleet_opts o;
	struct member *m;
	struct pollfd *pf;
	unsigned char taken[65536 / 8];   /* ports our endpoints hold */
};

/* An endpoint on a port no other member holds. Sockets bound with
 * SO_REUSEADDR to port 0 can be given a port another such socket already
 * holds (Linux), and then one of the two gets both devices' answers: such
 * endpoints are kept aside until a distinct port comes, then closed. */
static ck_sip *
open_distinct(ck_fleet *f, const ck_sip_opts *so, ck_err *e)
{
	ck_sip *spare[64], *s = NULL;
	int nspare = 0;
	while ((s = ck_sip_open(so, e)) != NULL) {
		int p = ck_sip_port(s);
		if (!(f->taken[p / 8] & (1u << (p % 8)))) {
			f->taken[p / 8] |= (unsigned char)(1u << (p % 8));
			break;
		}
		if (so->port || nspare == 64) {
			ck_sip_close(s);
			s = NULL;
			ck_err_set(e, CK_UNAVAIL, "fleet: port %d is another device's", p);
			break;
		}
		spare[nspare++] = s;
	}
	while (nspare > 0)
		ck_sip_close(spare[--nspare]);
	return s;
}

int
ck_fleet_id(const char *first, int k, char *out, size_t outlen)
{
	size_t n = strlen(first);
	if (n == 0 || n + 1 > outlen || k < 0 || strspn(first, "0123456789") != n)
		return -1;
	memcpy(out, first, n + 1);
	/* decimal addition from the right: 20-digit IDs do not fit 64 bits */
	for (size_t i = n; i-- > 0 && k > 0; ) {
		int v = out[i] - '0' + k % 10;
		k /= 10;
		if (v > 9) {
			v -= 10;
			k++;
		}
		out[i] = (char)('0' + v);
	}
	return k > 0 ? -1 : 0;
}

/* Tags a record with the device it is about, then hands it on. */
static void
member_record(void *arg, ck_json *j)
{
	struct member *mb = arg;
	ck_json_str(j, "device", mb->id);
	if (mb->f->o.dev.on_record)
		mb->f->o.dev.on_record(mb->f->o.dev.arg, j);
}

ck_fleet *
ck_fleet_new(const ck_fleet_opts *o, ck_err *e)
{
	if (o->count < 1 || o->count > CK_FLEET_MAX) {
		ck_err_set(e, CK_USAGE, "fleet: 1..%d devices", CK_FLEET_MAX);
		return NULL;
	}
	if (o->dev.tcp) {
		ck_err_set(e, CK_USAGE, "fleet: several devices register over UDP only");
		return NULL;
	}
	ck_fleet *f = calloc(1, sizeof *f);
	if (f == NULL || (f->m = calloc((size_t)o->count, sizeof *f->m)) == NULL ||
	    (f->pf = calloc((size_t)o->count, sizeof *f->pf)) == NULL) {
		ck_fleet_free(f);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	f->o = *o;
	for (int k = 0; k < o->count; k++) {
		struct member *mb = &f->m[k];
		ck_sip_opts so = o->sip;
		ck_device_opts d = o->dev;
		ck_camera_opts c = o->cam;
		mb->f = f;
		if (ck_fleet_id(o->dev.id, k, mb->id, sizeof mb->id) < 0) {
			ck_err_set(e, CK_USAGE, "fleet: %s + %d does not fit its width", o->dev.id, k);
			ck_fleet_free(f);
			return NULL;
		}
		if (so.port)
			so.port += k;
		/* a device is asked little: a small answer cache keeps a
		 * thousand of them in a few MB */
		if (so.cache_slots == 0)
			so.cache_slots = 64;
		d.id = c.id = mb->id;
		d.on_record = c.on_record = member_record;
		d.arg = c.arg = mb;
		if ((mb->s = open_distinct(f, &so, e)) == NULL ||
		    (c.media && (mb->cam = d.camera = ck_camera_new(mb->s, &c, e)) == NULL) ||
		    (mb->d = ck_device_new(mb->s, &d, e)) == NULL) {
			ck_err_wrap(e, "device %s", mb->id);
			ck_fleet_free(f);
			return NULL;
		}
		f->pf[k] = (struct pollfd){ ck_sip_udp_fd(mb->s), POLLIN, 0 };
		/* spread the first registrations over a second, as devices
		 * powered up together do not all speak in the same ms */
		mb->wake = ck_clock_now_ms() + (int64_t)k * 1000 / o->count;
	}
	return f;
}

/* Takes what came in for one device, runs its timers. 0 or -1 with e. */
static int
member_tick(struct member *mb, ck_err *e)
{
	ck_sip_req *rq;
	int n;
	/* deadline 0: what is already there, without waiting */
	while ((n = ck_sip_next_request(mb->s, 0, &rq, e)) > 0)
		ck_device_handle(mb->d, rq);
	if (n < 0)
		return -1;
	if (mb->cam)
		ck_camera_tick(mb->cam);
	if (ck_device_tick(mb->d, e) < 0)
		return -1;
	int64_t w = ck_device_wake(mb->d), cw = mb->cam ? ck_camera_wake(mb->cam) : -1,
	    sw = ck_sip_wake(mb->s);
	if (cw >= 0 && cw < w)
		w = cw;
	if (sw >= 0 && sw < w)
		w = sw;
	mb->wake = w;
	return 0;
}

int
ck_fleet_run(ck_fleet *f, volatile sig_atomic_t *stop, ck_err *e)
{
	while (!*stop) {
		int64_t now = ck_clock_now_ms(), w = now + 1000;
		for (int k = 0; k < f->o.count; k++)
			if (f->m[k].wake < w)
				w = f->m[k].wake;
		int rc = poll(f->pf, (nfds_t)f->o.count, w > now ? (int)(w - now) : 0);
		if (rc < 0 && errno != EINTR)
			return ck_err_set(e, CK_IOERR, "poll: %s", strerror(errno));
		now = ck_clock_now_ms();
		for (int k = 0; k < f->o.count && !*stop; k++) {
			struct member *mb = &f->m[k];
			if ((rc > 0 && f->pf[k].revents) || mb->wake <= now) {
				f->pf[k].revents = 0;
				if (member_tick(mb, e) < 0)
					return ck_err_wrap(e, "device %s", mb->id);
			}
		}
	}
	return 0;
}

void
ck_fleet_stop(ck_fleet *f)
{
	ck_err e;
	int gone = 0, skipped = 0;
	for (int k = 0; k < f->o.count; k++) {
		if (f->m[k].cam)
			ck_camera_stop(f->m[k].cam);
		/* Every device registers with the one platform: once an
		 * unregister gets no answer (timed out, refused), the others
		 * would each wait their 5 s for nothing, 83 minutes for 1000. */
		if (gone) {
			skipped += ck_device_registered(f->m[k].d);
			continue;
		}
		if (ck_device_stop(f->m[k].d, &e) < 0 &&
		    (e.kind == CK_TEMPFAIL || e.kind == CK_UNAVAIL))
			gone = 1;
	}
	if (skipped)
		ck_log_warn("%d more device%s not unregistered: the platform did not answer",
		    skipped, skipped == 1 ? "" : "s");
}

void
ck_fleet_free(ck_fleet *f)
{
	if (f == NULL)
		return;
	for (int k = 0; f->m && k < f->o.count; k++) {
		ck_device_free(f->m[k].d);
		ck_camera_free(f->m[k].cam);
		ck_sip_close(f->m[k].s);
	}
	free(f->m);
	free(f->pf);
	free(f);
}

int
ck_fleet_main(const ck_fleet_opts *o, volatile sig_atomic_t *stop, int *started, ck_err *e)
{
	int rc = 0;
	ck_fleet *f = ck_fleet_new(o, e);
	*started = f != NULL;
	if (f == NULL)
		return e->kind ? e->kind : CK_SOFTWARE;
	if (ck_fleet_run(f, stop, e) < 0)
		rc = e->kind ? e->kind : CK_SOFTWARE;
	if (*stop)
		ck_fleet_stop(f);   /* BYE every dialog, then unregister */
	ck_fleet_free(f);
	return rc;
}
