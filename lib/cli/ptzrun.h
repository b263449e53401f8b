/* ptzrun: the verbs of onvif-ptz other than the terminal UI (status,
 * move, relative, absolute, stop, presets, preset-*, home, home-set,
 * nodes): the PTZ calls for one target and the records they print on
 * stdout (ck_targets_emit, so -j workers never interleave). */
#ifndef CK_PTZRUN_H
#define CK_PTZRUN_H

#include <signal.h>

#include "base/err.h"
#include "onvif/onvif.h"
#include "onvif/ptz.h"

/* In the order of ck_ptzrun_verb's table. */
enum ck_ptzrun_verb {
	CK_PTZRUN_STATUS, CK_PTZRUN_MOVE, CK_PTZRUN_RELATIVE, CK_PTZRUN_ABSOLUTE,
	CK_PTZRUN_STOP, CK_PTZRUN_PRESETS, CK_PTZRUN_PSET, CK_PTZRUN_PGOTO,
	CK_PTZRUN_PREMOVE, CK_PTZRUN_HOME, CK_PTZRUN_HOMESET, CK_PTZRUN_NODES,
	CK_PTZRUN_INTERACTIVE
};

/* What to do, from the command line. */
typedef struct ck_ptzrun {
	enum ck_ptzrun_verb verb;
	const char *arg;                 /* NAME / TOKEN for the preset verbs */
	const char *profile;             /* -p, NULL: the first with PTZ */
	ck_ptz_want w;                   /* --pan/--tilt/--zoom/--speed/--zoom-speed */
	long long duration_ms;           /* move: before Stop */
	volatile sig_atomic_t *stop;     /* set by a signal: cut sleeps short */
} ck_ptzrun;

/* The verb named name (its index), with *has_arg set when it takes an
 * argument; -1 when unknown. */
int ck_ptzrun_verb(const char *name, int *has_arg);
/* The verb's name on the command line. */
const char *ck_ptzrun_name(int verb);
/* 1 when the verb needs the PTZ node (spaces, speed limits) looked up. */
int ck_ptzrun_need_node(const ck_ptzrun *a);
/* Runs a's verb (any but interactive) on c with x (x unused by nodes) and
 * prints its records. Returns 0, or -1 with e set (CK_EMPTY: nothing
 * there). */
int ck_ptzrun_do(const ck_ptzrun *a, ck_onvif *c, const ck_ptz_ctx *x, ck_err *e);
/* The move vector of w for the spaces pt/z, or a usage error naming a's
 * verb when w gives no axis. Returns 0 or -1 with e set. */
int ck_ptzrun_move_vec(const ck_ptzrun *a, const ck_ptz_want *w, const ck_ptz_ctx *x,
    int pt, int z, ck_ptz_vec *v, ck_err *e);
/* Sends Stop for the pan/tilt and/or zoom axes. Returns 0 or -1 with e set. */
int ck_ptzrun_stop(ck_onvif *c, const ck_ptz_ctx *x, int pt, int z, ck_err *e);
/* Frees the calling thread's record buffer: call when a target is done. */
void ck_ptzrun_done(void);

#endif
