// `rivetctl check`, certificates: this node's certificate (mesh.tls.cert_path) against the CA
// (mesh.tls.ca_path) and the CRL (mesh.tls.crl_path): chain, CN, SANs, EKU, validity, and the
// CRL's signature, revocation of this certificate, age and next update.
#pragma once

#include "CheckReport.hpp"

#include "config/Config.hpp"

#include <cstdint>

namespace rivet::ctl {

constexpr int64_t kCertWarnDays = 21; // ⚠ when the certificate expires sooner
constexpr int64_t kCrlWarnDays = 7;   // ⚠ when the CRL's nextUpdate is sooner

// `now` in epoch seconds.
CheckGroup checkCertificates(const config::Config& config, int64_t now);

} // namespace rivet::ctl
