// A request body's bytes, held once. Small bodies live on the heap; a larger one gets its own
// anonymous mapping of the body limit, of which only the pages written become resident, so a
// body that grows chunk by chunk is never copied and never costs more than its size (a
// std::string doubling to 16 MiB would hold 8 + 16 MiB while it copies). Freed at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rivet::mtls {

class BodyBuffer {
public:
  BodyBuffer() = default;
  ~BodyBuffer() { clear(); }
  BodyBuffer(BodyBuffer&& o) noexcept { *this = std::move(o); }
  BodyBuffer& operator=(BodyBuffer&& o) noexcept;
  BodyBuffer(const BodyBuffer&) = delete;
  BodyBuffer& operator=(const BodyBuffer&) = delete;

  // The most the body may hold (the parser enforces it; this sizes the mapping).
  void setLimit(size_t limit) { limit_ = limit; }
  // Room for `extra` more bytes; false when that passes the limit or memory is out. `exact`:
  // the body will be no larger (a Content-Length), so a small one takes only what it needs.
  bool reserveMore(size_t extra, bool exact = false);
  void append(const char* data, size_t n);
  // True when `extra` more bytes stay within the limit.
  bool fits(size_t extra) const {
    return !limit_ || (size_ + extra >= size_ && size_ + extra <= limit_);
  }
  std::string_view view() const { return {data_, size_}; }
  size_t size() const { return size_; }
  void clear();

private:
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  size_t limit_ = 0;
  bool mapped_ = false;
};

} // namespace rivet::mtls
