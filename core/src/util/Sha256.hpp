// SHA-256 of a text as 64 lowercase hex digits (OpenSSL), for the A2A tokens file and its tools.
#pragma once

#include <string>
#include <string_view>

namespace rivet::util {

std::string sha256Hex(std::string_view text);

} // namespace rivet::util
