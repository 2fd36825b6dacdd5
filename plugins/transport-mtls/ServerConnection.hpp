// One accepted connection of the agent channel: handshake, peer identity, then HTTP/1.1
// requests handed to the host's dispatch() until the client closes, idles out or the server stops.
#pragma once

#include "ChannelServer.hpp"

#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

namespace rivet::mtls {

class TlsSocket;
class HttpReader;
struct PeerIdentity;

class ServerConnection : public Poco::Net::TCPServerConnection {
public:
  ServerConnection(const Poco::Net::StreamSocket& socket, ChannelServer& server)
      : TCPServerConnection(socket), server_(server) {}
  void run() override;

private:
  void serve(TlsSocket& tls, const PeerIdentity& peer, const std::string& address);
  bool sendError(TlsSocket& tls, int status, const char* body);

  ChannelServer& server_;
};

class ServerConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
public:
  explicit ServerConnectionFactory(ChannelServer& server) : server_(server) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& s) override {
    return new ServerConnection(s, server_);
  }

private:
  ChannelServer& server_;
};

} // namespace rivet::mtls
