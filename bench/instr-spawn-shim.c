// For bench/instr-count.sh only: rivetd starts its plugin probe as /proc/self/exe, which under
// valgrind is valgrind's own tool binary. Preloaded into rivetd, this turns that one path into
// INSTR_COUNT_SELF_EXE (rivetd's real path), so the probe runs natively beside it.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
int posix_spawn(pid_t* pid, const char* path, const posix_spawn_file_actions_t* fa,
                const posix_spawnattr_t* attr, char* const argv[], char* const envp[]) {
  typedef int (*fn)(pid_t*, const char*, const posix_spawn_file_actions_t*,
                    const posix_spawnattr_t*, char* const[], char* const[]);
  static fn real;
  if (!real)
    real = (fn)dlsym(RTLD_NEXT, "posix_spawn");
  const char* self = getenv("INSTR_COUNT_SELF_EXE");
  if (self && strcmp(path, "/proc/self/exe") == 0)
    path = self;
  return real(pid, path, fa, attr, argv, envp);
}
