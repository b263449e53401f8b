/* hook: per-event commands (see hook.h). */
#include "onvif/hook.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/sbuf.h"
#include "codec/json.h"
#include "net/net.h"

struct child {
	pid_t pid;
	int64_t started;   /* monotonic ms */
	int killed;
};

struct ck_hook {
	char **argv;
	char path[PATH_MAX];
	int max;
	long long limit_ms;
	struct child *kids;
	int n;
};

static int
executable(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* argv[0] as a path, or the first executable of that name in PATH. */
static int
resolve(const char *name, char *out, size_t outlen, ck_err *e)
{
	const char *path = getenv("PATH"), *p, *end;

	if (strchr(name, '/')) {
		if (!executable(name))
			return ck_err_set(e, CK_NOINPUT, "%s: %s", name, access(name, F_OK) == 0
			    ? "not an executable file" : "no such file");
		snprintf(out, outlen, "%s", name);
		return 0;
	}
	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = end + 1) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		if (snprintf(out, outlen, "%.*s/%s", (int)(end - p), end == p ? "." : p,
		    name) < (int)outlen && executable(out))
			return 0;
		if (*end == '\0')
			break;
	}
	return ck_err_set(e, CK_NOINPUT, "%s: command not found in PATH", name);
}

ck_hook *
ck_hook_new(char *const argv[], int max_running, long long limit_ms, ck_err *e)
{
	ck_hook *h = calloc(1, sizeof *h);
	int n = 0;

	if (h == NULL)
		goto oom;
	while (argv[n])
		n++;
	if (n == 0) {
		free(h);
		ck_err_set(e, CK_USAGE, "empty command");
		return NULL;
	}
	h->max = max_running < 1 ? 1 : max_running;
	h->limit_ms = limit_ms;
	h->argv = calloc((size_t)n + 1, sizeof *h->argv);
	h->kids = calloc((size_t)h->max, sizeof *h->kids);
	if (h->argv == NULL || h->kids == NULL)
		goto oom;
	for (int i = 0; i < n; i++)
		if ((h->argv[i] = strdup(argv[i])) == NULL)
			goto oom;
	if (resolve(argv[0], h->path, sizeof h->path, e) < 0) {
		ck_hook_free(h);
		return NULL;
	}
	return h;
oom:
	ck_hook_free(h);
	ck_err_set(e, CK_SOFTWARE, "out of memory");
	return NULL;
}

const char *
ck_hook_path(const ck_hook *h)
{
	return h->path;
}

int
ck_hook_reap(ck_hook *h, int block)
{
	for (;;) {
		int64_t now = ck_clock_now_ms();
		for (int i = 0; i < h->n; i++) {
			struct child *k = &h->kids[i];
			int st;
			pid_t p = waitpid(k->pid, &st, WNOHANG);
			if (p == k->pid || (p < 0 && errno == ECHILD)) {
				if (p == k->pid && WIFEXITED(st) && WEXITSTATUS(st) != 0)
					ck_log_info("%s (pid %d) exited with %d", h->argv[0],
					    (int)k->pid, WEXITSTATUS(st));
				else if (p == k->pid && WIFSIGNALED(st) && !k->killed)
					ck_log_info("%s (pid %d) killed by signal %d", h->argv[0],
					    (int)k->pid, WTERMSIG(st));
				h->kids[i--] = h->kids[--h->n];
				continue;
			}
			if (h->limit_ms > 0 && !k->killed && now - k->started > h->limit_ms) {
				/* its own process group: what it started goes too */
				ck_log_warn("%s (pid %d) still runs after %lld ms: killed",
				    h->argv[0], (int)k->pid, h->limit_ms);
				kill(-k->pid, SIGKILL);
				kill(k->pid, SIGKILL);
				k->killed = 1;
			}
		}
		if (!block || h->n == 0)
			return h->n;
		poll(NULL, 0, 20);
	}
}

void
ck_hook_free(ck_hook *h)
{
	if (h == NULL)
		return;
	if (h->kids)
		ck_hook_reap(h, 1);
	ck_hook_argv_free(h->argv);
	free(h->kids);
	free(h);
}

/* A file holding data, positioned at its start (the child's stdin). */
static int
data_fd(const char *data, size_t len, ck_err *e)
{
	int fd = memfd_create("camkit-event", MFD_CLOEXEC);

	if (fd < 0) {
		char tmpl[] = "/tmp/camkit-event-XXXXXX";
		if ((fd = mkostemp(tmpl, O_CLOEXEC)) < 0)
			return ck_err_set(e, CK_IOERR, "temporary file: %s", strerror(errno));
		unlink(tmpl);
	}
	/* a memfd or a temporary file: never waits, the deadline is moot */
	if (ck_net_write_all(fd, data, len, ck_clock_now_ms() + 10000, NULL) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return ck_err_set(e, CK_IOERR, "temporary file: %s", strerror(errno));
	}
	return fd;
}

int
ck_hook_run(ck_hook *h, const char *data, size_t len, char *const env[],
    ck_err *e)
{
	pid_t pid;
	int fd;

	/* bound the fan-out of slow commands */
	while (ck_hook_reap(h, 0) >= h->max)
		poll(NULL, 0, 20);
	if ((fd = data_fd(data, len, e)) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fd);
		return ck_err_set(e, CK_SOFTWARE, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		/* stdout carries our records: the command's goes to stderr. It
		 * gets default signals, its own process group (killed as one at
		 * the time limit) and none of our descriptors. */
		if (dup2(fd, 0) < 0 || dup2(2, 1) < 0)
			_exit(127);
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close_range(3, ~0U, 0);
		for (int i = 0; env && env[i]; i++)
			putenv(env[i]);
		execv(h->path, h->argv);
		dprintf(2, "%s: %s\n", h->path, strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(fd);
	h->kids[h->n].pid = pid;
	h->kids[h->n].started = ck_clock_now_ms();
	h->kids[h->n].killed = 0;
	h->n++;
	return 0;
}

void
ck_hook_env_free(char *env[])
{
	for (int i = 0; i <= CK_HOOK_NENV; i++) {
		free(env[i]);
		env[i] = NULL;
	}
}

/* Appends one "NAME=value" string to env at *n; 0, or -1 out of memory. */
static int __attribute__((format(printf, 3, 4)))
add_env(char *env[], int *n, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&env[*n], fmt, ap);
	va_end(ap);
	if (rc < 0) {
		env[*n] = NULL;
		return -1;
	}
	(*n)++;
	return 0;
}

int
ck_hook_env(char *env[], const char *device, const ck_events_msg *m,
    const char *state, long long id, int64_t rx_ms)
{
	char ts[40];
	ck_sbuf src = {0};
	int n = 0, bad = 0;

	memset(env, 0, (CK_HOOK_NENV + 1) * sizeof *env);
	for (size_t i = 0; i < m->nsrc; i++)
		ck_sbuf_printf(&src, "%s%s=%s", i ? " " : "", m->src[i].name,
		    m->src[i].value);
	ck_json_rfc3339_ms(m->utc_ms >= 0 ? m->utc_ms : rx_ms, ts, sizeof ts);
	bad |= add_env(env, &n, "CAMKIT_DEVICE=%s", device ? device : "");
	bad |= add_env(env, &n, "CAMKIT_TOPIC=%s", m->topic ? m->topic : "");
	bad |= add_env(env, &n, "CAMKIT_STATE=%s", state);
	if (id >= 0)
		bad |= add_env(env, &n, "CAMKIT_EVENT_ID=%lld", id);
	bad |= add_env(env, &n, "CAMKIT_SOURCE=%s", src.p ? src.p : "");
	bad |= add_env(env, &n, "CAMKIT_TIME=%s", ts);
	bad |= src.oom;
	ck_sbuf_free(&src);
	if (bad) {
		ck_hook_env_free(env);
		return -1;
	}
	return 0;
}

void
ck_hook_argv_free(char **argv)
{
	size_t i;

	if (!argv)
		return;
	for (i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

int
ck_hook_split_argv(const char *cmd, char ***argv, ck_err *e)
{
	char **v = NULL;
	size_t n = 0;
	const char *p = cmd;

	*argv = NULL;
	for (;;) {
		ck_sbuf w = {0};
		int have = 0;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
			have = 1;
			if (*p == '\'') {
				const char *q = strchr(p + 1, '\'');
				if (!q)
					goto unbalanced;
				ck_sbuf_addn(&w, p + 1, (size_t)(q - p - 1));
				p = q + 1;
			} else if (*p == '"') {
				p++;
				while (*p && *p != '"') {
					if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
					ck_sbuf_addn(&w, p, 1);
					p++;
				}
				if (*p != '"')
					goto unbalanced;
				p++;
			} else if (*p == '\\' && p[1]) {
				ck_sbuf_addn(&w, p + 1, 1);
				p += 2;
			} else {
				ck_sbuf_addn(&w, p, 1);
				p++;
			}
			continue;
unbalanced:
			ck_sbuf_free(&w);
			ck_hook_argv_free(v);
			return ck_err_set(e, CK_USAGE, "unbalanced quote in '%s'",
			    cmd);
		}
		if (have) {
			char **nv = realloc(v, (n + 2) * sizeof *v);
			char *word = ck_sbuf_done(&w);
			if (!nv || !word) {
				free(word);
				if (nv)
					v = nv;
				if (v)
					v[n] = NULL;
				ck_hook_argv_free(v);
				return ck_err_set(e, CK_SOFTWARE, "out of memory");
			}
			v = nv;
			v[n++] = word;
			v[n] = NULL;
		}
	}
	if (n == 0) {
		ck_hook_argv_free(v);
		return ck_err_set(e, CK_USAGE, "empty command");
	}
	*argv = v;
	return 0;
}
