// The transport's side of rivet_async_responder.
#include "ReplySlot.hpp"

#include "HttpWire.hpp"
#include "ServerConnection.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace rivet::mtls {
namespace {

// Streamed bytes posted and not yet written: a chunk() that would pass it is refused (non-zero,
// as for a gone client) and not queued, unless nothing was waiting (one large part is taken).
constexpr size_t kStreamBacklogLimit = 8 * 1024 * 1024;

bool isTokenChar(unsigned char c) {
  return c != 0 && (std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

bool sameName(std::string_view a, std::string_view lower) {
  return a.size() == lower.size() &&
         std::equal(a.begin(), a.end(), lower.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == y;
         });
}

// A field of the host's answer the transport writes as given: a token name, a value without CR,
// LF or NUL (no response splitting), and none of the fields that frame the message or the
// connection, which are the transport's own.
bool passesThrough(const rivet_header& h) {
  std::string_view name(h.name.data ? h.name.data : "", h.name.len);
  std::string_view value(h.value.data ? h.value.data : "", h.value.len);
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
        return isTokenChar(static_cast<unsigned char>(c));
      }))
    return false;
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
    return false;
  for (std::string_view framing :
       {"content-length", "transfer-encoding", "connection", "keep-alive"})
    if (sameName(name, framing))
      return false;
  return true;
}

std::string headerLines(const rivet_header* headers, size_t count) {
  std::string out;
  for (size_t i = 0; headers && i < count; ++i)
    if (passesThrough(headers[i]))
      out.append(headers[i].name.data, headers[i].name.len)
          .append(": ")
          .append(headers[i].value.data ? headers[i].value.data : "", headers[i].value.len)
          .append("\r\n");
  return out;
}

struct Slot {
  rivet_async_responder responder{};
  // Strong: the request the host reads (body, target, peer identity) lives in the connection,
  // and must outlive a client that leaves before the answer. The last reference is always let
  // go on the connection's own loop (posted), never on a host thread.
  std::shared_ptr<ServerConnection> conn;
  bool keepAlive = true;
  bool headOnly = false;
  int keepAliveSeconds = 10;
  bool cut = false; // a chunk was refused: the answer is incomplete, its end closes instead

  static Slot& of(void* ctx) { return *static_cast<Slot*>(ctx); }

  // Posts bytes to the connection's loop; `last` gives up this slot's reference there. False
  // when the client has gone, or when a part of a streamed answer would take the bytes queued
  // past kStreamBacklogLimit while others wait: then it is not queued, so a reader that stalls
  // never costs more than the limit (or one part larger than it). The head of a stream (`begin`) is
  // posted even to a gone client: the connection lets go of the request there (the host reads it no
  // more once the answer begins).
  bool post(std::string bytes, bool last, bool whole, bool head = false) {
    ServerConnection& c = *conn;
    bool gone = c.gone();
    if (gone && !last && !head)
      return false;
    if (!whole) {
      auto& backlog = c.streamBacklog();
      const size_t before = backlog.fetch_add(bytes.size(), std::memory_order_relaxed);
      // A part taken while nothing waits is taken whole, however large (a long answer's one
      // JSON document): a stalled reader still holds at most the limit or that one part.
      if (!last && !head && before > 0 && before + bytes.size() > kStreamBacklogLimit) {
        backlog.fetch_sub(bytes.size(), std::memory_order_relaxed);
        cut = true;
        return false;
      }
    } else if (c.takeInlineAnswer(bytes, !keepAlive)) {
      conn.reset(); // on the connection's loop, inside its dispatch(): no post needed
      return !gone;
    }
    std::shared_ptr<ServerConnection> target = last ? std::move(conn) : conn;
    boost::asio::post(c.context(), [target = std::move(target), bytes = std::move(bytes), last,
                                    whole, close = !keepAlive, cutShort = cut]() mutable {
      if (whole)
        target->answer(std::move(bytes), close);
      else
        target->stream(std::move(bytes), last, cutShort);
    });
    return !gone;
  }

  static void respond(void* ctx, int status, const rivet_header* headers, size_t count,
                      rivet_str body) {
    Slot* self = &of(ctx);
    std::string out;
    appendResponse(out, status, headerLines(headers, count),
                   std::string_view(body.data ? body.data : "", body.len), self->keepAlive,
                   self->headOnly, self->keepAliveSeconds);
    self->post(std::move(out), true, true);
    delete self;
  }
  static int begin(void* ctx, int status, const rivet_header* headers, size_t count) {
    Slot& self = of(ctx);
    std::string out;
    appendStreamHead(out, status, headerLines(headers, count), self.keepAlive);
    return self.post(std::move(out), false, false, true) ? 0 : 1;
  }
  static int chunk(void* ctx, rivet_str data) {
    Slot& self = of(ctx);
    if (data.len == 0) // sends nothing: the host asks whether the client is still there
      return self.conn->gone() || self.cut ? 1 : 0;
    if (self.cut)
      return 1;
    std::string out;
    appendChunk(out, std::string_view(data.data ? data.data : "", data.len));
    return self.post(std::move(out), false, false) ? 0 : 1;
  }
  static void end(void* ctx) {
    Slot* self = &of(ctx);
    // Cut short: no last chunk, so that the client cannot take the answer for complete; the
    // connection closes once what is queued is written.
    self->post(self->cut ? "" : "0\r\n\r\n", true, false);
    delete self;
  }
};

// For hosts without dispatch_async: the answer arrives during dispatch().
struct SyncReply {
  int status = 500;
  std::string headers;
  std::string body = R"({"error":"Internal error"})";
};

void syncRespond(void* ctx, int status, const rivet_header* headers, size_t count, rivet_str body) {
  auto& r = *static_cast<SyncReply*>(ctx);
  r.status = status;
  r.headers = headerLines(headers, count);
  r.body.assign(body.data ? body.data : "", body.len);
}

} // namespace

void dispatchToHost(const rivet_host_api* host, const std::shared_ptr<ServerConnection>& conn,
                    const rivet_inbound_request& request, bool keepAlive, bool headOnly) {
  if (host->struct_size >= offsetof(rivet_host_api, dispatch_async) + sizeof(void*) &&
      host->dispatch_async) {
    auto* slot = new Slot;
    slot->responder = {sizeof(rivet_async_responder),
                       slot,
                       &Slot::respond,
                       &Slot::begin,
                       &Slot::chunk,
                       &Slot::end};
    slot->conn = conn;
    slot->keepAlive = keepAlive;
    slot->headOnly = headOnly;
    slot->keepAliveSeconds = conn->keepAliveSeconds();
    host->dispatch_async(host->host, &request, &slot->responder);
    return;
  }
  SyncReply reply;
  rivet_responder responder{&reply, &syncRespond};
  host->dispatch(host->host, &request, &responder);
  std::string out;
  appendResponse(out, reply.status, reply.headers, reply.body, keepAlive, headOnly,
                 conn->keepAliveSeconds());
  if (!conn->takeInlineAnswer(out, !keepAlive))
    conn->answer(std::move(out), !keepAlive);
}

} // namespace rivet::mtls
