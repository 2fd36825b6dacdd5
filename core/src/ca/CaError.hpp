// The one exception type of the certificate authority: every message names the file or value
// at fault and says what to do about it.
#pragma once

#include <stdexcept>

namespace rivet::ca {

class CaError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace rivet::ca
