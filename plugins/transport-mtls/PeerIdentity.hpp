// Who is on the other end of a TLS connection: the certificate's CN and its DNS/IP SANs,
// read once after the handshake.
#pragma once

#include <openssl/ssl.h>
#include <string>

namespace rivet::mtls {

struct PeerIdentity {
  std::string commonName; // "" when the peer sent no certificate
  std::string sansJson;   // JSON array of strings, e.g. ["node-a.mesh","127.0.0.1"]; "" when
                          // the peer sent no certificate
};

PeerIdentity readPeerIdentity(SSL* ssl);

} // namespace rivet::mtls
