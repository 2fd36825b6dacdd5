// A request body's bytes, held once. Small bodies live on the heap; a larger one gets its own
// anonymous mapping of the body limit, of which only the pages written become resident, so a
// body that grows chunk by chunk is never copied and never costs more than its size (a
// std::string doubling to 16 MiB would hold 8 + 16 MiB while it copies). Freed at once.
#pragma once

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

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
  // Room for `extra` more bytes; false when that passes the limit or memory is out.
  bool reserveMore(size_t extra);
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

// BodyBuffer as a Beast body type (only parsing is needed).
struct BufferBody {
  using value_type = BodyBuffer;

  class reader {
  public:
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}
    void init(const boost::optional<std::uint64_t>& length, boost::system::error_code& ec);
    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
      size_t total = 0;
      for (auto b : boost::beast::buffers_range_ref(buffers)) {
        if (!body_.reserveMore(b.size())) { // past the limit (413), or out of memory (503)
          ec = body_.fits(b.size()) ? boost::beast::http::error::buffer_overflow
                                    : boost::beast::http::error::body_limit;
          return total;
        }
        body_.append(static_cast<const char*>(b.data()), b.size());
        total += b.size();
      }
      ec = {};
      return total;
    }
    void finish(boost::system::error_code& ec) { ec = {}; }

  private:
    value_type& body_;
  };
};

} // namespace rivet::mtls
