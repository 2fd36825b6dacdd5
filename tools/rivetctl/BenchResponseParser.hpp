// An incremental HTTP/1.x response reader for the load generator: status, Content-Length,
// chunked bodies, read-until-close bodies, and whether the connection may carry another request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rivet::ctl {

class BenchResponseParser {
public:
  enum class Result { NeedMore, Done, Error };

  // Forgets the previous response, ready for the next one on the same connection.
  void reset();
  // Consumes bytes as they arrive. After Done, bytes past the response are an Error
  // (the generator never pipelines, so the server must not send ahead).
  Result feed(const char* data, std::size_t len);
  // The peer closed the connection: Done if the body runs until close, Error otherwise.
  Result feedEof();

  int status() const { return status_; }
  bool keepAlive() const { return keepAlive_; }
  std::size_t bodyBytes() const { return bodyBytes_; }
  const std::string& error() const { return error_; }

private:
  enum class State { Head, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailers, UntilClose, Done };

  Result parseHead(std::size_t headEnd);
  Result parseChunked();
  Result fail(const std::string& why);

  State state_ = State::Head;
  std::string buf_; // unparsed bytes: the head, or the current chunk-size/trailer line
  int status_ = 0;
  bool keepAlive_ = true;
  std::uint64_t remaining_ = 0; // of the Content-Length body or the current chunk
  std::size_t bodyBytes_ = 0;
  std::string error_;
};

} // namespace rivet::ctl
