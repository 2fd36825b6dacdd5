// Pooled mTLS requests to peers.
#include "PeerPool.hpp"

#include "HttpWire.hpp"
#include "TlsSocket.hpp"

#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocket.h>
#include <algorithm>
#include <cctype>
#include <cstddef>

namespace rivet::mtls {

struct PeerPool::Connection {
  Poco::Net::StreamSocket socket;
  std::shared_ptr<const TlsMaterial> material;
  std::unique_ptr<TlsSocket> tls;
  std::unique_ptr<HttpReader> reader;
  Clock::time_point idleSince;
};

namespace {

std::string_view view(rivet_str s) {
  return {s.data ? s.data : "", s.len};
}

void write(rivet_writer& w, std::string_view s) {
  if (w.write && !s.empty())
    w.write(w.ctx, s.data(), s.size());
}

rivet_net_result fail(rivet_peer_response& resp, rivet_net_result r, const std::string& why) {
  write(resp.error, why);
  return r;
}

} // namespace

PeerPool::PeerPool(const MaterialStore& materials, std::string userAgent, ByteBudget& answers)
    : materials_(materials), userAgent_(std::move(userAgent)), answers_(answers) {}

PeerPool::~PeerPool() {
  clear();
}

void PeerPool::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.clear();
}

std::unique_ptr<PeerPool::Connection> PeerPool::take(const std::string& key) {
  // The checks (a poll() among them) run outside the lock: every worker forwarding to this
  // peer takes and gives back through it, so it is held for the list operations alone.
  for (;;) {
    std::unique_ptr<Connection> c;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = idle_.find(key);
      if (it == idle_.end() || it->second.empty())
        return nullptr;
      c = std::move(it->second.back());
      it->second.pop_back();
    }
    // A connection idle too long, or one the server closed meanwhile, is not reused.
    if (Clock::now() - c->idleSince < kMaxIdle && !c->tls->peerClosedOrBusy() &&
        !c->reader->hasBuffered())
      return c;
  }
}

void PeerPool::giveBack(const std::string& key, std::unique_ptr<Connection> c) {
  c->idleSince = Clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  auto& list = idle_[key];
  if (list.size() < kMaxIdlePerPeer)
    list.push_back(std::move(c));
}

namespace {

// ABI 1.3: the caller's own header fields. Only trace context is taken (abi.h): a framing
// field (Content-Length, Transfer-Encoding, Host, Connection...) could smuggle a second request
// onto this node's authenticated connection. Values with CR, LF or NUL are skipped.
void appendExtraHeaders(std::string& out, const rivet_peer_request& req) {
  if (req.struct_size < offsetof(rivet_peer_request, header_count) + sizeof req.header_count ||
      !req.headers)
    return;
  auto lower = [](std::string_view s) {
    std::string l(s);
    for (char& c : l)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return l;
  };
  for (size_t i = 0; i < req.header_count && i < 16; ++i) {
    std::string name = lower(view(req.headers[i].name));
    std::string_view value = view(req.headers[i].value);
    if ((name != "traceparent" && name != "tracestate") || value.size() > 512 ||
        value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
      continue;
    out.append(name).append(": ").append(value).append("\r\n");
  }
}

// A method that is a token and a target without spaces or control characters: nothing a caller
// passes can end the request line early.
bool safeRequestLine(std::string_view method, std::string_view path) {
  auto tokenChar = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  };
  return !method.empty() && std::all_of(method.begin(), method.end(), tokenChar) && !path.empty() &&
         path[0] == '/' && std::all_of(path.begin(), path.end(), [](char c) {
           return static_cast<unsigned char>(c) > 0x20 && c != 0x7f;
         });
}

} // namespace

std::string unsafeRequestText(const std::string& where) {
  return "refused to send to " + where + ": the method or path has spaces or control characters";
}

PeerTarget peerTarget(const rivet_peer_request& req) {
  PeerTarget t;
  t.host = std::string(view(req.host));
  t.name = std::string(view(req.verify_name));
  if (t.name.empty())
    t.name = t.host;
  t.where = t.host + ":" + std::to_string(req.port);
  t.key = t.where + "/" + t.name;
  return t;
}

bool requestBytes(const rivet_peer_request& req, const PeerTarget& t, const std::string& userAgent,
                  std::string& out) {
  if (!safeRequestLine(view(req.method), view(req.path)))
    return false;
  std::string_view body = view(req.body);
  out.clear();
  out.reserve(256 + body.size());
  out.append(view(req.method)).append(" ").append(view(req.path)).append(" HTTP/1.1\r\nHost: ");
  out.append(t.name).append(":").append(std::to_string(req.port));
  out.append("\r\nUser-Agent: ").append(userAgent).append("\r\nAccept: application/json\r\n");
  appendExtraHeaders(out, req);
  if (!body.empty() || view(req.method) == "POST")
    out.append("Content-Type: application/json\r\nContent-Length: ")
        .append(std::to_string(body.size()))
        .append("\r\n");
  out.append("Connection: keep-alive\r\n\r\n").append(body);
  return true;
}

std::string interimRefusal(int status, int count) {
  if (status == 101)
    return "an unrequested 101 Switching Protocols";
  if (count > kMaxInterimAnswers)
    return "more than " + std::to_string(kMaxInterimAnswers) + " interim (1xx) answers";
  return {};
}

std::string overBudgetText(const ByteBudget& answers) {
  return "answers from peers in flight at mesh.channel.max_inflight_answer_bytes (" +
         std::to_string(answers.cap() / (1024 * 1024)) +
         " MiB); retry in a moment, or raise it if this node forwards large answers";
}

rivet_net_result PeerPool::request(const rivet_peer_request& req, rivet_peer_response& resp) {
  const PeerTarget t = peerTarget(req);
  const std::string& host = t.host;
  const std::string& name = t.name;
  const std::string& where = t.where;
  const std::string& key = t.key;
  std::string out;
  if (!requestBytes(req, t, userAgent_, out))
    return fail(resp, RIVET_NET_NOT_DELIVERED, unsafeRequestText(where));
  Deadline deadline = Deadline::in(std::chrono::milliseconds(std::max<int64_t>(req.timeout_ms, 1)));

  auto conn = take(key);
  bool fresh = !conn;
  if (fresh) {
    conn = std::make_unique<Connection>();
    conn->material = materials_.current();
    try {
      Poco::Net::SocketAddress address(host, static_cast<Poco::UInt16>(req.port));
      auto connectMs = std::min<int64_t>(deadline.remainingMs(), kConnectTimeout.count());
      conn->socket.connect(address, Poco::Timespan(connectMs * 1000));
      conn->socket.setNoDelay(true);
      conn->socket.setBlocking(false);
    } catch (const Poco::TimeoutException&) {
      return fail(resp, RIVET_NET_NOT_DELIVERED, "connecting to " + where + " timed out");
    } catch (const Poco::Exception& e) {
      return fail(resp, RIVET_NET_NOT_DELIVERED,
                  "cannot connect to " + where + ": " + e.displayText());
    }
    conn->tls =
        std::make_unique<TlsSocket>(conn->material->clientContext(), conn->socket.impl()->sockfd());
    conn->tls->expectPeerName(name);
    // Nothing was delivered before the handshake completes: a peer that accepts TCP and then
    // stalls gets the connect timeout, not the task's whole deadline, so failover is prompt.
    Deadline handshakeBy(
        std::min(deadline.at(), std::chrono::steady_clock::now() + kConnectTimeout));
    IoStatus st = conn->tls->connect(handshakeBy);
    if (st != IoStatus::Ok)
      return fail(resp, RIVET_NET_NOT_DELIVERED,
                  "TLS handshake with " + where + " (expecting " + name +
                      ") failed: " + conn->tls->error());
    conn->reader = std::make_unique<HttpReader>(*conn->tls);
  }

  if (conn->tls->writeAll(out.data(), out.size(), deadline) != IoStatus::Ok)
    return fail(resp, fresh ? RIVET_NET_NOT_DELIVERED : RIVET_NET_DELIVERED_FAILED,
                "sending to " + where + " failed: " + conn->tls->error());

  MessageHead head;
  std::string responseBody;
  BudgetShare share(answers_); // the body's bytes, until the answer is handed over
  ReadResult r = ReadResult::Ok;
  for (int interim = 1;; ++interim) {
    r = conn->reader->readHead(false, kMaxResponseHead, deadline,
                               std::chrono::milliseconds(deadline.remainingMs()), head);
    if (r != ReadResult::Ok || head.status >= 200)
      break;
    std::string refused = interimRefusal(head.status, interim);
    if (!refused.empty())
      return fail(resp, RIVET_NET_DELIVERED_FAILED,
                  "reading the answer from " + where + " failed: " + refused);
  }
  if (r == ReadResult::Ok)
    r = conn->reader->readBody(head, kMaxResponseBytes, deadline, responseBody, &share);
  if (r == ReadResult::Timeout)
    return fail(resp, RIVET_NET_TIMEOUT,
                "no answer from " + where + " within " + std::to_string(req.timeout_ms) + " ms");
  if (r != ReadResult::Ok) {
    // With TLS 1.3 a server refuses our certificate after our handshake completed: its alert
    // arrives on the first read, and the request was never processed. Anything else after
    // sending (a reset, an EOF) may have been processed.
    if (fresh && conn->tls->peerAlert())
      return fail(resp, RIVET_NET_NOT_DELIVERED,
                  "TLS handshake with " + where + " failed: " + conn->tls->error());
    return fail(resp, RIVET_NET_DELIVERED_FAILED,
                "reading the answer from " + where + " failed: " +
                    (r == ReadResult::TooLarge     ? std::string("response too large")
                     : r == ReadResult::Malformed  ? std::string("malformed HTTP response")
                     : r == ReadResult::OverBudget ? overBudgetText(answers_)
                                                   : conn->tls->error()));
  }
  resp.status = head.status;
  write(resp.body, responseBody);
  if (head.keepAlive)
    giveBack(key, std::move(conn));
  return RIVET_NET_OK;
}

} // namespace rivet::mtls
