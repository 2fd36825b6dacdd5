// libFuzzer target: POST /api/message bodies through parseMessageRequest (docs/protocol.md §3).
// Any body must give a request or a 4xx with a JSON error, never a crash or an exception.
#include "channel/MessageRequest.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = rivet::channel::parseMessageRequest(body);
  if (parsed.request) {
    if (parsed.request->path.size() > rivet::channel::kMaxPathHops)
      std::abort(); // the documented bound on the path extension
    (void)rivet::channel::stripDelegationPrefix(parsed.request->message);
  } else if (parsed.status < 400 || parsed.status > 499 || parsed.error.empty()) {
    std::abort(); // a refused body is a 4xx with a JSON error text
  }
  return 0;
}
