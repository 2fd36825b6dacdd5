// libFuzzer target: POST /api/mesh/join bodies through checkJoinBody (docs/protocol.md §3).
// Any body is accepted as a node record or refused with a 400 text, never a crash.
#include "registry/JoinRequest.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto check = rivet::registry::checkJoinBody(body);
  if (check.node.has_value() == !check.error.empty())
    std::abort(); // exactly one of: a record, or the error text
  if (check.node && !rivet::registry::checkNodeRecord(*check.node).empty())
    std::abort(); // an accepted record passes the record checks again
  return 0;
}
