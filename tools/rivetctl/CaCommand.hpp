// `rivetctl ca ...`: create the mesh CA, issue, show and revoke certificates, publish the CRL.
// The work is done by rivet::ca::CertificateAuthority (core/src/ca); this is the command line.
#pragma once

#include <string>
#include <vector>

namespace rivet::ctl {

// `args` is what follows `ca`. Returns 0 on success, 1 when the operation failed (one line on
// stderr), 2 on a usage error.
int caCommand(const std::vector<std::string>& args);

} // namespace rivet::ctl
