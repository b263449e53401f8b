/* hook: runs a user's command per event (onvif-subscribe --exec) without a
 * shell: the program resolved once at start, the event record on its stdin,
 * the event's facts in environment variables, at most max_running at once,
 * each killed when it outlives its time limit. */
#ifndef CK_HOOK_H
#define CK_HOOK_H

#include <stddef.h>

#include "base/err.h"
#include "onvif/events.h"

#define CK_HOOK_NENV 6

typedef struct ck_hook ck_hook;

/* A runner for argv (NULL-terminated; copied). argv[0] is resolved now
 * (a path, or a name looked up in PATH): CK_NOINPUT when there is no such
 * executable. max_running >= 1; limit_ms 0 = no time limit. Returns NULL
 * with e filled on failure. */
ck_hook *ck_hook_new(char *const argv[], int max_running, long long limit_ms,
    ck_err *e);
/* Waits for the running commands (still enforcing the time limit), then
 * frees h; NULL is fine. */
void ck_hook_free(ck_hook *h);
/* The resolved program path. */
const char *ck_hook_path(const ck_hook *h);
/* Starts the command with data[0..len) on stdin and env (NULL-terminated
 * "NAME=value" strings, may be NULL) added to the environment. Waits first
 * when max_running are running. Returns 0, or -1 (CK_IOERR, CK_SOFTWARE). */
int ck_hook_run(ck_hook *h, const char *data, size_t len, char *const env[],
    ck_err *e);
/* Collects finished commands and kills those past the time limit; with
 * block, until none runs. Returns how many still run. */
int ck_hook_reap(ck_hook *h, int block);

/* The environment of an event's hook into env[CK_HOOK_NENV + 1] (NULL-
 * terminated, malloc'd strings; ck_hook_env_free): CAMKIT_DEVICE,
 * CAMKIT_TOPIC, CAMKIT_STATE (state: "start", "end" or "single"),
 * CAMKIT_EVENT_ID (when id >= 0), CAMKIT_SOURCE (the source items as
 * NAME=VALUE separated by spaces), CAMKIT_TIME (RFC 3339 UTC of the
 * message's UtcTime, else of when it arrived). Returns 0 or -1 when out of
 * memory. */
int ck_hook_env(char *env[], const char *device, const ck_events_msg *m,
    const char *state, long long id, int64_t rx_ms);
void ck_hook_env_free(char *env[]);

/* Splits a command line into a NULL-terminated malloc'd argv (free with
 * ck_hook_argv_free): words separated by blanks, '...' literal, "..." with
 * \" and \\ escapes, \x outside quotes = x. No variables, globs or other
 * shell syntax. Returns 0, or -1 with CK_USAGE (unbalanced quote, empty). */
int ck_hook_split_argv(const char *cmd, char ***argv, ck_err *e);
void ck_hook_argv_free(char **argv);

#endif
