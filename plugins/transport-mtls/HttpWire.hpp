// HTTP/1.1 framing over a TlsSocket: a buffered reader for request and response heads and
// bodies (Content-Length or chunked, with hard size limits) and the response/request writers.
#pragma once

#include "ByteBudget.hpp"
#include "TlsSocket.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace rivet::mtls {

struct MessageHead {
  // Request line (requests) or status (responses).
  std::string method;
  std::string target;
  int status = 0;
  int minorVersion = 1;
  bool hasLength = false;
  size_t contentLength = 0;
  bool chunked = false;
  bool keepAlive = true;
  bool expectContinue = false;
};

// OverBudget: the body does not fit the share's budget (readBody with a share).
enum class ReadResult { Ok, Timeout, Closed, Error, TooLarge, Malformed, OverBudget };

class HttpReader {
public:
  explicit HttpReader(TlsSocket& socket) : socket_(socket) {}

  // Reads one head. `firstByte` bounds the wait for the first byte (keep-alive idle);
  // `headTimeout`, counted from the first byte, bounds the complete head (slow clients).
  ReadResult readHead(bool request, size_t maxHead, const Deadline& firstByte,
                      std::chrono::milliseconds headTimeout, MessageHead& head);
  // Reads the body the head announced into `body` (replaced). Bodies over `maxBody` are not
  // read: TooLarge. With a `share`, it grows before the body does (by Content-Length at once).
  ReadResult readBody(const MessageHead& head, size_t maxBody, const Deadline& d, std::string& body,
                      BudgetShare* share = nullptr);
  // True when bytes of a next message are already buffered.
  bool hasBuffered() const { return end_ > begin_; }

private:
  ReadResult fill(const Deadline& d);
  ReadResult readExact(size_t n, const Deadline& d, std::string& out);
  ReadResult readLine(size_t max, const Deadline& d, std::string& line);
  ReadResult readChunked(size_t maxBody, const Deadline& d, std::string& body, BudgetShare* share);
  static bool parseHead(bool request, std::string_view text, MessageHead& head);

  TlsSocket& socket_;
  std::string buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

const char* reasonPhrase(int status);

// Appends a complete response with Content-Length to `out`; `headOnly` (a HEAD request) leaves
// the body out but still announces its length; `keepAliveSeconds` is announced in Keep-Alive.
// Content-Type is application/json unless `extraHeaders` has one of its own.
void appendResponse(std::string& out, int status, std::string_view extraHeaders,
                    std::string_view body, bool keepAlive, bool headOnly = false,
                    int keepAliveSeconds = 10);
// The head of a streamed response (chunked transfer coding; the host's headers say the type),
// and one chunk of its body; "0\r\n\r\n" ends it.
void appendStreamHead(std::string& out, int status, std::string_view extraHeaders, bool keepAlive);
void appendChunk(std::string& out, std::string_view data);

} // namespace rivet::mtls
