// Builds the CA's certificate revocation list: v2, signed by the intermediate, with a CRL
// number and the issuer's key identifier, listing every revoked serial.
#pragma once

#include "ca/CaIndex.hpp"
#include "ca/OpenSslHandles.hpp"

#include <cstdint>
#include <vector>

namespace rivet::ca {

constexpr int kCrlValidityDays = 30;

// `now` is this CRL's lastUpdate; nextUpdate is kCrlValidityDays later.
CrlPtr buildCrl(X509* issuer, EVP_PKEY* issuerKey, const std::vector<IndexEntry>& revoked,
                int64_t crlNumber, int64_t now);

} // namespace rivet::ca
