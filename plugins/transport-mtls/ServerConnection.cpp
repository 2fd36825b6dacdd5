// The per-connection loop of the agent channel.
#include "ServerConnection.hpp"

#include "HttpWire.hpp"
#include "PeerIdentity.hpp"
#include "TlsSocket.hpp"

namespace rivet::mtls {
namespace {

struct Reply {
  int status = 500;
  std::string headers;
  std::string body;
};

void respond(void* ctx, int status, const rivet_header* headers, size_t count, rivet_str body) {
  auto& r = *static_cast<Reply*>(ctx);
  r.status = status;
  r.headers.clear();
  for (size_t i = 0; i < count; ++i)
    r.headers.append(headers[i].name.data, headers[i].name.len)
        .append(": ")
        .append(headers[i].value.data, headers[i].value.len)
        .append("\r\n");
  r.body.assign(body.data ? body.data : "", body.len);
}

rivet_str str(const std::string& s) {
  return {s.data(), s.size()};
}

} // namespace

void ServerConnection::run() {
  Poco::Net::StreamSocket& sock = socket();
  std::string address = "unknown";
  try {
    address = sock.peerAddress().toString();
    sock.setNoDelay(true);
    // Blocking I/O with socket timeouts: a read that sleeps in the kernel costs one syscall.
    const ServerSettings& s = server_.settings();
    sock.setReceiveTimeout(Poco::Timespan(s.keepAliveTimeout.count() * 1000));
    sock.setSendTimeout(Poco::Timespan(s.writeTimeout.count() * 1000));
  } catch (const Poco::Exception&) {
    return; // the client is already gone
  }
  int fd = sock.impl()->sockfd();
  server_.track(fd);
  struct Untrack {
    ChannelServer& s;
    int fd;
    ~Untrack() { s.untrack(fd); }
  } untrack{server_, fd};
  if (server_.stopping())
    return;

  auto material = server_.materials().current(); // kept for the connection's lifetime
  TlsSocket tls(material->serverContext(), fd);
  if (tls.accept(Deadline::in(server_.settings().handshakeTimeout)) != IoStatus::Ok) {
    if (!server_.stopping())
      server_.log(RIVET_LOG_WARN, "TLS handshake failed from " + address + ": " + tls.error());
    return;
  }
  serve(tls, readPeerIdentity(tls.ssl()), address);
}

void ServerConnection::serve(TlsSocket& tls, const PeerIdentity& peer, const std::string& address) {
  const ServerSettings& s = server_.settings();
  HttpReader reader(tls);
  MessageHead head;
  std::string body;
  std::string out;
  Reply reply;
  const rivet_host_api* host = server_.host();
  while (!server_.stopping()) {
    ReadResult r = reader.readHead(true, s.maxHeadBytes, Deadline::in(s.keepAliveTimeout),
                                   s.headTimeout, head);
    if (r == ReadResult::TooLarge) {
      sendError(tls, 431, R"({"error":"Request header fields too large"})");
      return;
    }
    if (r == ReadResult::Malformed) {
      sendError(tls, 400, R"({"error":"Bad request"})");
      return;
    }
    if (r != ReadResult::Ok)
      return; // idle timeout, client closed, or server stopping
    if (!server_.beginRequest(tls.fd()))
      return; // stopping: no new work on this connection
    struct EndRequest {
      ChannelServer& s;
      int fd;
      ~EndRequest() { s.endRequest(fd); }
    } endRequest{server_, tls.fd()};
    if (head.hasLength && head.contentLength > s.maxBodyBytes) {
      sendError(tls, 413, R"({"error":"Request body exceeds 10 MB limit"})");
      return;
    }
    if (head.expectContinue && (head.hasLength || head.chunked)) {
      static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      if (tls.writeAll(kContinue, sizeof kContinue - 1, Deadline::in(s.writeTimeout)) !=
          IoStatus::Ok)
        return;
    }
    r = reader.readBody(head, s.maxBodyBytes, Deadline::in(s.bodyTimeout), body);
    if (r == ReadResult::TooLarge) {
      sendError(tls, 413, R"({"error":"Request body exceeds 10 MB limit"})");
      return;
    }
    if (r == ReadResult::Malformed) {
      sendError(tls, 400, R"({"error":"Bad request"})");
      return;
    }
    if (r != ReadResult::Ok)
      return;

    rivet_inbound_request req{
        sizeof(rivet_inbound_request), str(head.method),   str(head.target), str(body),
        str(peer.commonName),          str(peer.sansJson), str(address)};
    reply.status = 500;
    reply.body = R"({"error":"Internal error"})";
    reply.headers.clear();
    rivet_responder responder{&reply, &respond};
    host->dispatch(host->host, &req, &responder);

    out.clear();
    appendResponse(out, reply.status, reply.headers, reply.body, head.keepAlive,
                   head.method == "HEAD");
    if (tls.writeAll(out.data(), out.size(), Deadline::in(s.writeTimeout)) != IoStatus::Ok)
      return;
    if (!head.keepAlive)
      return;
    if (body.capacity() > 1024 * 1024)
      std::string().swap(body); // do not keep a large buffer on an idle connection
  }
}

bool ServerConnection::sendError(TlsSocket& tls, int status, const char* body) {
  std::string out;
  appendResponse(out, status, "", body, false);
  return tls.writeAll(out.data(), out.size(), Deadline::in(std::chrono::seconds(5))) ==
         IoStatus::Ok;
}

} // namespace rivet::mtls
