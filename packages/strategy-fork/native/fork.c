/*
 * fork(2) for a Node fork server, and what must surround it (N-API, C, Linux). Loaded only by the fork
 * server process (started with V8's --single-threaded) and by the children it forks.
 *
 * - fork(closeFds): V8 marks its heap MADV_DONTFORK (nodejs/node#48523); without MADV_DOFORK over every
 *   mapping the child has holes where the heap was and segfaults. The child closes the server's own
 *   descriptors (its control channel, the other children's pidfds), resets SIGCHLD (SIGINT stays ignored),
 *   and lets libuv re-create what the kernel does not copy (uv_loop_fork: epoll, signal pipe).
 * - exit(code): _exit, without atexit handlers or static destructors of a process that is a copy.
 * - pidfd(pid), wait(fds, ms), reap(pid): the server sleeps in poll() over its control channel and one pidfd
 *   per live child, and reaps each child as soon as it exits.
 * - connect(path): a blocking AF_UNIX connect, so that a fresh child has its channel before any event-loop turn.
 * - seed(): 16 bytes from getrandom(2), to reseed what the child must not share (Math.random).
 * - ignoreSignal(sig), setBlocking(fd), dieWithParent(): process set-up of the server.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(call)                                                                                     \
  do {                                                                                                  \
    if ((call) != napi_ok) {                                                                            \
      napi_throw_error(env, NULL, "minigun fork addon: " #call " failed");                              \
      return NULL;                                                                                      \
    }                                                                                                   \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(errno));
  napi_throw_error(env, NULL, message);
  return NULL;
}

static napi_value number(napi_env env, double value) {
  napi_value out;
  if (napi_create_double(env, value, &out) != napi_ok) return NULL;
  return out;
}

static int int_arg(napi_env env, napi_value value, int32_t *out) { return napi_get_value_int32(env, value, out) == napi_ok; }

/* MADV_DOFORK over every mapping of this process: undoes V8's MADV_DONTFORK so that the child sees the heap. */
static void dofork_all(void) {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  static char buffer[1 << 16];
  char line[512];
  size_t used = 0;
  ssize_t got;
  while ((got = read(fd, buffer, sizeof buffer)) > 0) {
    for (ssize_t i = 0; i < got; i++) {
      char c = buffer[i];
      if (c != '\n') {
        if (used < sizeof line - 1) line[used++] = c;
        continue;
      }
      line[used] = 0;
      used = 0;
      unsigned long start, end;
      if (sscanf(line, "%lx-%lx", &start, &end) == 2 && end > start) madvise((void *)start, end - start, MADV_DOFORK);
    }
  }
  close(fd);
}

static napi_value js_fork(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t count = 0;
  int close_fds[256];
  if (argc >= 1) {
    bool is_array = false;
    CHECK(napi_is_array(env, argv[0], &is_array));
    if (is_array) {
      CHECK(napi_get_array_length(env, argv[0], &count));
      if (count > 256) count = 256;
      for (uint32_t i = 0; i < count; i++) {
        napi_value item;
        int32_t fd = -1;
        CHECK(napi_get_element(env, argv[0], i, &item));
        int_arg(env, item, &fd);
        close_fds[i] = fd;
      }
    }
  }
  uv_loop_t *loop = NULL;
  CHECK(napi_get_uv_event_loop(env, &loop));
  dofork_all();
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) return throw_errno(env, "fork");
  if (pid == 0) {
    for (uint32_t i = 0; i < count; i++)
      if (close_fds[i] >= 0) close(close_fds[i]);
    /* SIGINT stays ignored, as the server has it: the parent decides when children stop. */
    signal(SIGCHLD, SIG_DFL);
    int error = uv_loop_fork(loop);
    if (error != 0) {
      fprintf(stderr, "minigun fork addon: uv_loop_fork failed: %s\n", uv_strerror(error));
      _exit(70);
    }
  }
  return number(env, pid);
}

static napi_value js_exit(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t code = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1) int_arg(env, argv[0], &code);
  fflush(NULL);
  _exit(code);
  return NULL;
}

static napi_value js_getpid(napi_env env, napi_callback_info info) {
  (void)info;
  return number(env, getpid());
}

static napi_value js_pidfd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t pid = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !int_arg(env, argv[0], &pid)) return throw_errno(env, "pidfd: pid expected");
#ifdef SYS_pidfd_open
  long fd = syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    fcntl((int)fd, F_SETFD, FD_CLOEXEC);
    return number(env, (double)fd);
  }
#endif
  return number(env, -1); /* no pidfds on this kernel: the server polls with a timeout instead */
}

/* poll(2) for POLLIN/POLLHUP over fds; returns the indices that are ready (empty on timeout or EINTR). */
static napi_value js_wait(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t count = 0;
  CHECK(napi_get_array_length(env, argv[0], &count));
  int32_t timeout = -1;
  if (argc >= 2) int_arg(env, argv[1], &timeout);
  struct pollfd *fds = calloc(count == 0 ? 1 : count, sizeof *fds);
  if (fds == NULL) return throw_errno(env, "wait");
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    int32_t fd = -1;
    if (napi_get_element(env, argv[0], i, &item) == napi_ok) int_arg(env, item, &fd);
    fds[i].fd = fd;
    fds[i].events = POLLIN;
  }
  int ready = poll(fds, count, timeout);
  napi_value out;
  if (napi_create_array(env, &out) != napi_ok) {
    free(fds);
    return NULL;
  }
  uint32_t n = 0;
  if (ready > 0)
    for (uint32_t i = 0; i < count; i++)
      if (fds[i].revents != 0) napi_set_element(env, out, n++, number(env, i));
  free(fds);
  if (ready < 0 && errno != EINTR) return throw_errno(env, "poll");
  return out;
}

/* waitpid(pid, WNOHANG): null while it runs, else { code, signal } (one of them null). pid -1: any child. */
static napi_value js_reap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t which = -1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1) int_arg(env, argv[0], &which);
  int status = 0;
  pid_t pid = waitpid(which, &status, WNOHANG);
  napi_value out, nul;
  CHECK(napi_get_null(env, &nul));
  if (pid <= 0) return nul;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_set_named_property(env, out, "pid", number(env, pid)));
  CHECK(napi_set_named_property(env, out, "code", WIFEXITED(status) ? number(env, WEXITSTATUS(status)) : nul));
  CHECK(napi_set_named_property(env, out, "signal", WIFSIGNALED(status) ? number(env, WTERMSIG(status)) : nul));
  return out;
}

static napi_value js_connect(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  size_t length = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &length) != napi_ok) return throw_errno(env, "connect: path expected");
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket");
  struct sockaddr_un address;
  memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  memcpy(address.sun_path, path, length);
  if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return throw_errno(env, "connect");
  }
  return number(env, fd);
}

static napi_value js_seed(napi_env env, napi_callback_info info) {
  (void)info;
  uint32_t words[4];
  if (getrandom(words, sizeof words, 0) != sizeof words) return throw_errno(env, "getrandom");
  napi_value out;
  CHECK(napi_create_array_with_length(env, 4, &out));
  for (uint32_t i = 0; i < 4; i++) CHECK(napi_set_element(env, out, i, number(env, words[i])));
  return out;
}

static napi_value js_ignore_signal(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t sig = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !int_arg(env, argv[0], &sig) || signal(sig, SIG_IGN) == SIG_ERR) return throw_errno(env, "signal");
  return NULL;
}

static napi_value js_set_blocking(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !int_arg(env, argv[0], &fd)) return throw_errno(env, "setBlocking: fd expected");
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) return throw_errno(env, "fcntl");
  return NULL;
}

/* SIGKILL this process when its parent dies; returns false if the parent is already gone. */
static napi_value js_die_with_parent(napi_env env, napi_callback_info info) {
  (void)info;
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return throw_errno(env, "prctl");
  napi_value out;
  CHECK(napi_get_boolean(env, parent != 1 && getppid() == parent, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"fork", NULL, js_fork, NULL, NULL, NULL, napi_default, NULL},
      {"exit", NULL, js_exit, NULL, NULL, NULL, napi_default, NULL},
      {"getpid", NULL, js_getpid, NULL, NULL, NULL, napi_default, NULL},
      {"pidfd", NULL, js_pidfd, NULL, NULL, NULL, napi_default, NULL},
      {"wait", NULL, js_wait, NULL, NULL, NULL, napi_default, NULL},
      {"reap", NULL, js_reap, NULL, NULL, NULL, napi_default, NULL},
      {"connect", NULL, js_connect, NULL, NULL, NULL, napi_default, NULL},
      {"seed", NULL, js_seed, NULL, NULL, NULL, napi_default, NULL},
      {"ignoreSignal", NULL, js_ignore_signal, NULL, NULL, NULL, napi_default, NULL},
      {"setBlocking", NULL, js_set_blocking, NULL, NULL, NULL, napi_default, NULL},
      {"dieWithParent", NULL, js_die_with_parent, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
