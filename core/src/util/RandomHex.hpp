// 128 random bits as 32 lowercase hex digits: task ids, trace ids and task credentials.
#pragma once

#include <string>

namespace rivet::util {

// Throws std::runtime_error naming `what` when the CSPRNG (OpenSSL RAND_bytes) fails.
std::string randomHex128(const char* what);

} // namespace rivet::util
