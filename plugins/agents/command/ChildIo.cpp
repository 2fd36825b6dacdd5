// Non-blocking pipe I/O with a child. Writing to a pipe whose reader has gone raises SIGPIPE,
// which would kill rivetd; the write is made with SIGPIPE blocked and the signal is consumed.
#include "ChildIo.hpp"

#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace rivet::command {
namespace {

constexpr size_t kChunk = 64 * 1024;

// write() that turns a closed reader into EPIPE without a SIGPIPE for this process.
ssize_t writeWithoutSigpipe(int fd, const char* data, size_t len) {
  sigset_t pipeOnly;
  sigemptyset(&pipeOnly);
  sigaddset(&pipeOnly, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  const bool alreadyPending = sigismember(&pending, SIGPIPE) == 1;
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &pipeOnly, &previous);
  ssize_t n = ::write(fd, data, len);
  const int error = errno;
  if (n < 0 && error == EPIPE && !alreadyPending) {
    const timespec now{0, 0};
    while (sigtimedwait(&pipeOnly, nullptr, &now) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  errno = error;
  return n;
}

// Reads what is available; false at end of file or on a hard error.
bool readSome(int fd, std::string& chunk) {
  chunk.resize(kChunk);
  for (;;) {
    ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n > 0) {
      chunk.resize(static_cast<size_t>(n));
      return true;
    }
    chunk.clear();
    if (n < 0 && errno == EINTR)
      continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

} // namespace

ChildIo::ChildIo(ChildPipes& pipes, std::string_view input, size_t maxOutputBytes,
                 LineSink stderrLines)
    : pipes_(pipes), input_(input), maxOutputBytes_(maxOutputBytes),
      stderrLines_(std::move(stderrLines)) {
  if (input_.empty())
    pipes_.stdinWrite.reset(); // the child sees end of file at once
}

void ChildIo::pump(int waitMs) {
  pollfd fds[3];
  nfds_t count = 0;
  auto watch = [&](const UniqueFd& fd, short events) {
    if (fd.valid())
      fds[count++] = pollfd{fd.get(), events, 0};
  };
  watch(pipes_.stdinWrite, POLLOUT);
  watch(pipes_.stdoutRead, POLLIN);
  watch(pipes_.stderrRead, POLLIN);
  int ready = ::poll(count ? fds : nullptr, count, std::max(waitMs, 0));
  if (ready <= 0)
    return;
  for (nfds_t i = 0; i < count; ++i) {
    if (fds[i].revents == 0)
      continue;
    if (fds[i].fd == pipes_.stdinWrite.get())
      writeInput();
    else if (fds[i].fd == pipes_.stdoutRead.get())
      readStdout();
    else if (fds[i].fd == pipes_.stderrRead.get())
      readStderr();
  }
}

bool ChildIo::outputClosed() const {
  return !pipes_.stdoutRead.valid() && !pipes_.stderrRead.valid();
}

CollectedOutput ChildIo::take() {
  splitLines({}, true);
  if (out_.stderrTail.size() > kStderrTailBytes)
    out_.stderrTail.erase(0, out_.stderrTail.size() - kStderrTailBytes);
  return std::move(out_);
}

void ChildIo::writeInput() {
  const size_t len = std::min(input_.size() - written_, kChunk);
  ssize_t n = writeWithoutSigpipe(pipes_.stdinWrite.get(), input_.data() + written_, len);
  if (n > 0)
    written_ += static_cast<size_t>(n);
  else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return;
  // Done, or the child closed its stdin (EPIPE): either way the child has all it will read.
  if (n <= 0 || written_ == input_.size())
    pipes_.stdinWrite.reset();
}

void ChildIo::readStdout() {
  std::string chunk;
  if (!readSome(pipes_.stdoutRead.get(), chunk)) {
    pipes_.stdoutRead.reset();
    return;
  }
  const size_t room = maxOutputBytes_ - out_.stdoutText.size();
  if (chunk.size() > room)
    out_.truncated = true;
  out_.stdoutText.append(chunk, 0, std::min(room, chunk.size()));
}

void ChildIo::readStderr() {
  std::string chunk;
  if (!readSome(pipes_.stderrRead.get(), chunk)) {
    pipes_.stderrRead.reset();
    splitLines({}, true);
    return;
  }
  splitLines(chunk, false);
  out_.stderrTail += chunk;
  if (out_.stderrTail.size() > 4 * kStderrTailBytes)
    out_.stderrTail.erase(0, out_.stderrTail.size() - kStderrTailBytes);
}

// Where a piece of at most kMaxLineBytes of `s` ends without cutting a UTF-8 character (a run
// of continuation bytes that long is not UTF-8 anyway: then at the limit).
size_t ChildIo::pieceEnd(std::string_view s) {
  if (s.size() <= kMaxLineBytes)
    return s.size();
  size_t cut = kMaxLineBytes;
  while (cut > kMaxLineBytes - 4 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
    --cut;
  return (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80 ? kMaxLineBytes : cut;
}

void ChildIo::splitLines(std::string_view chunk, bool atEnd) {
  if (!stderrLines_)
    return;
  for (;;) {
    size_t nl = chunk.find('\n');
    std::string_view piece = chunk.substr(0, nl);
    if (nl == std::string_view::npos) {
      partialLine_.append(piece);
      while (partialLine_.size() >= kMaxLineBytes) { // a line without end: in pieces
        size_t cut = pieceEnd(partialLine_);
        stderrLines_(std::string_view(partialLine_).substr(0, cut));
        partialLine_.erase(0, cut);
      }
      break;
    }
    partialLine_.append(piece);
    if (!partialLine_.empty() && partialLine_.back() == '\r')
      partialLine_.pop_back();
    for (std::string_view rest = partialLine_; !rest.empty();) { // blank lines: none
      size_t cut = rest.size() > kMaxLineBytes ? pieceEnd(rest) : rest.size();
      stderrLines_(rest.substr(0, cut));
      rest.remove_prefix(cut);
    }
    partialLine_.clear();
    chunk.remove_prefix(nl + 1);
  }
  if (atEnd && !partialLine_.empty()) {
    stderrLines_(partialLine_);
    partialLine_.clear();
  }
}

} // namespace rivet::command
