// Certificate serial numbers: random 128-bit values, written as upper-case hex (the form
// `openssl x509 -serial` and `openssl crl -text` print), and read back for revocation.
#pragma once

#include "ca/OpenSslHandles.hpp"

#include <string>

namespace rivet::ca {

// A random positive 128-bit serial with its top bit set, so its hex is always 32 digits.
Asn1IntegerPtr randomSerial();
std::string serialToHex(const ASN1_INTEGER* serial);
// CaError naming `source` when `hex` is not a hex number.
Asn1IntegerPtr serialFromHex(const std::string& hex, const std::string& source);

} // namespace rivet::ca
