// Poco's SSL library is reference-counted: an LLM agent instance holds one reference for its
// lifetime, so the TLS context it builds never outlives the library.
#pragma once

#include <Poco/Net/SSLManager.h>

namespace rivet::llm {

struct SslLibrary {
  SslLibrary() { Poco::Net::initializeSSL(); }
  ~SslLibrary() { Poco::Net::uninitializeSSL(); }
  SslLibrary(const SslLibrary&) = delete;
  SslLibrary& operator=(const SslLibrary&) = delete;
};

} // namespace rivet::llm
