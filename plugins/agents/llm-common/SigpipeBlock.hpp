// Keeps SIGPIPE from killing rivetd while this thread talks to a provider: OpenSSL writes to
// its socket with write(), so a server that closes early would raise SIGPIPE. Scoped per call.
#pragma once

#include <signal.h>
#include <time.h>

#include <cerrno>

namespace rivet::llm {

class SigpipeBlock {
public:
  SigpipeBlock() {
    sigemptyset(&pipeOnly_);
    sigaddset(&pipeOnly_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    alreadyPending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipeOnly_, &previous_);
  }
  ~SigpipeBlock() {
    sigset_t pending;
    sigpending(&pending);
    if (!alreadyPending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec now{0, 0}; // consume the SIGPIPE our own write raised
      while (sigtimedwait(&pipeOnly_, nullptr, &now) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

private:
  sigset_t pipeOnly_;
  sigset_t previous_;
  bool alreadyPending_ = false;
};

} // namespace rivet::llm
