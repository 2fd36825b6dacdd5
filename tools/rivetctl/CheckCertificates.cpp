// OpenSSL's own verification (X509_verify_cert, X509_CRL_verify) on the files the node loads;
// validity is judged separately (X509_V_FLAG_NO_CHECK_TIME) so that an expired certificate or
// CRL gets its own line with dates instead of failing the chain.
#include "CheckCertificates.hpp"

#include "LocalNode.hpp"
#include "SafeRead.hpp"
#include "TimeText.hpp"

#include "ca/CaError.hpp"
#include "ca/CertInfo.hpp"
#include "ca/OpenSslHandles.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <arpa/inet.h>
#include <ctime>
#include <optional>
#include <vector>

namespace rivet::ctl {
namespace {

constexpr int64_t kMaxPemBytes = 4 * 1024 * 1024;

using StorePtr = std::unique_ptr<X509_STORE, ca::OpenSslDeleter<X509_STORE, X509_STORE_free>>;
using StoreCtxPtr =
    std::unique_ptr<X509_STORE_CTX, ca::OpenSslDeleter<X509_STORE_CTX, X509_STORE_CTX_free>>;

std::vector<ca::X509Ptr> certificatesIn(const std::string& pem) {
  std::vector<ca::X509Ptr> out;
  ca::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (bio) {
    X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (!c)
      break;
    out.emplace_back(c);
  }
  ERR_clear_error();
  return out;
}

// Epoch seconds; nullopt when `t` is absent or not a time OpenSSL can read.
std::optional<int64_t> epochOf(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
    return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

// "3 days", "5 hours", "12 minutes": a span for messages.
std::string span(int64_t seconds) {
  seconds = seconds < 0 ? -seconds : seconds;
  if (seconds >= 2 * 86400)
    return std::to_string(seconds / 86400) + " days";
  if (seconds >= 2 * 3600)
    return std::to_string(seconds / 3600) + " hours";
  return std::to_string(seconds / 60) + " minutes";
}

bool isIpAddress(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

bool contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

// " --ip 10.0.0.5" or " --dns node.example" for `rivetctl ca issue`; "" without an address.
std::string addressOption(const std::string& host) {
  if (host.empty())
    return "";
  return (isIpAddress(host) ? " --ip " : " --dns ") + host;
}

class CertificateChecks {
public:
  CertificateChecks(const config::Config& config, int64_t now, CheckGroup& group)
      : mesh_(config.mesh), tls_(config.mesh.tls), now_(now), g_(group),
        issue_("issue a new one with `rivetctl ca issue " + config.mesh.nodeName +
               addressOption(config.mesh.advertiseHost) +
               "` on the CA host and copy it to mesh.tls.cert_path (the node reloads it within "
               "a second)") {}

  void run() {
    std::string why;
    auto certPem = readRegularFile(tls_.certPath, kMaxPemBytes, true, why);
    if (!certPem) {
      g_.fail("mesh.tls.cert_path: " + printable(why), issue_ + ", or correct the path");
      return;
    }
    auto certs = certificatesIn(*certPem);
    if (certs.empty()) {
      g_.fail("mesh.tls.cert_path " + tls_.certPath + " holds no PEM certificate",
              issue_ + ", or correct the path");
      return;
    }
    try {
      info_ = ca::parseCertificate(*certPem, tls_.certPath);
    } catch (const ca::CaError& e) {
      g_.fail(printable(e.what()), issue_);
      return;
    }
    checkChain(certs);
    checkName();
    checkSans();
    checkExtendedKeyUsage();
    checkValidity();
    checkCrl(certs.front().get());
  }

private:
  void checkChain(std::vector<ca::X509Ptr>& leafAndMore) {
    std::string why;
    auto caPem = readRegularFile(tls_.caPath, kMaxPemBytes, true, why);
    if (!caPem) {
      g_.fail("mesh.tls.ca_path: " + printable(why),
              "copy the CA's intermediate/ca-chain.pem there, or correct the path");
      return;
    }
    caCerts_ = certificatesIn(*caPem);
    if (caCerts_.empty()) {
      g_.fail("mesh.tls.ca_path " + tls_.caPath + " holds no PEM certificate",
              "copy the CA's intermediate/ca-chain.pem there, or correct the path");
      return;
    }
    StorePtr store(X509_STORE_new());
    for (const auto& c : caCerts_)
      X509_STORE_add_cert(store.get(), c.get());
    STACK_OF(X509)* untrusted = sk_X509_new_null();
    for (size_t i = 1; i < leafAndMore.size(); ++i)
      sk_X509_push(untrusted, leafAndMore[i].get());
    StoreCtxPtr ctx(X509_STORE_CTX_new());
    bool ok =
        ctx && store &&
        X509_STORE_CTX_init(ctx.get(), store.get(), leafAndMore.front().get(), untrusted) == 1;
    if (ok) {
      X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_NO_CHECK_TIME);
      ok = X509_verify_cert(ctx.get()) == 1;
    }
    std::string reason =
        ctx ? X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())) : "no memory";
    ctx.reset();
    sk_X509_free(untrusted);
    ERR_clear_error();
    if (ok) {
      g_.ok("chain of " + tls_.certPath + " verifies against " + tls_.caPath + " (issuer " +
            printable(info_.issuer) + ")");
      return;
    }
    g_.fail("certificate " + tls_.certPath + " (issuer " + printable(info_.issuer) +
                ") does not verify against mesh.tls.ca_path " + tls_.caPath + ": " + reason,
            "it was issued by another CA, or ca_path names another CA's bundle: " + issue_ +
                ", or set mesh.tls.ca_path to the mesh CA's intermediate/ca-chain.pem");
  }

  void checkName() {
    const std::string& name = mesh_.nodeName;
    std::string cn = printable(info_.commonName);
    if (info_.commonName == name || info_.commonName == name + ".mesh") {
      g_.ok("CN=" + cn + " is this node's name (mesh.node_name " + name + ")");
      return;
    }
    g_.fail("certificate " + tls_.certPath + " has CN=" + cn + ", but mesh.node_name is " + name +
                ": peers and rivetd refuse it",
            issue_ + ", or set mesh.node_name to the name the certificate was issued for");
  }

  void checkSans() {
    const std::string meshName = mesh_.nodeName + ".mesh";
    std::string sans;
    for (const auto& d : info_.dnsNames)
      sans += (sans.empty() ? "DNS:" : ", DNS:") + printable(d);
    for (const auto& ip : info_.ips)
      sans += (sans.empty() ? "IP:" : ", IP:") + ip;
    if (sans.empty())
      sans = "none";
    if (!contains(info_.dnsNames, meshName)) {
      g_.fail("certificate " + tls_.certPath + " has no SAN DNS:" + meshName + " (it has " + sans +
                  "): peers verify this node by that name and refuse it",
              issue_);
      return;
    }
    const std::string& host = mesh_.advertiseHost;
    if (host.empty()) {
      g_.ok("SANs (" + sans + ") cover " + meshName);
      return;
    }
    bool covered = isIpAddress(host) ? contains(info_.ips, host) : contains(info_.dnsNames, host);
    if (covered) {
      g_.ok("SANs (" + sans + ") cover " + meshName + " and mesh.advertise_host " + host);
      return;
    }
    g_.warn("SANs (" + sans + ") do not cover mesh.advertise_host " + host +
                ": peers of this mesh verify " + meshName +
                " and accept it, but clients that verify the address (`rivetctl ping " + host +
                ":PORT`, RivetOS tools) refuse it",
            issue_);
  }

  void checkExtendedKeyUsage() {
    const auto& eku = info_.extendedKeyUsage;
    if (eku.empty()) {
      g_.warn("certificate " + tls_.certPath +
                  " has no extended key usage (any purpose): not as the mesh CA issues node "
                  "certificates (serverAuth, clientAuth)",
              issue_);
      return;
    }
    std::vector<std::string> missing;
    for (const char* want : {"serverAuth", "clientAuth"})
      if (!contains(eku, want))
        missing.push_back(want);
    std::string have;
    for (const auto& e : eku)
      have += (have.empty() ? "" : ", ") + printable(e);
    if (missing.empty()) {
      g_.ok("extended key usage: " + have);
      return;
    }
    std::string what = missing.size() == 2 ? "serverAuth and clientAuth" : missing.front();
    g_.fail("certificate " + tls_.certPath + " lacks " + what + " (it has " + have + "): " +
                (contains(missing, "serverAuth") ? "peers refuse it as a server"
                                                 : "peers refuse it as a client") +
                "; an agent certificate (agent@node) is not a node certificate",
            issue_);
  }

  void checkValidity() {
    const std::string until = utcDate(info_.notAfter);
    if (info_.notBefore > now_) {
      g_.fail("certificate " + tls_.certPath + " is not valid before " + utcDate(info_.notBefore) +
                  " (in " + span(info_.notBefore - now_) + ")",
              "check this machine's clock (timedatectl), or " + issue_);
    } else if (info_.notAfter < now_) {
      g_.fail("certificate " + tls_.certPath + " expired on " + until + " (" +
                  span(now_ - info_.notAfter) + " ago): rivetd refuses to start with it",
              issue_);
    } else if (info_.notAfter - now_ < kCertWarnDays * 86400) {
      g_.warn("certificate " + tls_.certPath + " expires on " + until + ", in " +
                  span(info_.notAfter - now_) + " (less than " + std::to_string(kCertWarnDays) +
                  " days)",
              "renew it: " + issue_);
    } else {
      g_.ok("certificate valid until " + until + " (" +
            std::to_string((info_.notAfter - now_) / 86400) + " days left)");
    }
  }

  // The CA certificate of ca_path whose subject issued `crl`, or null.
  X509* issuerOf(X509_CRL* crl) const {
    for (const auto& c : caCerts_)
      if (X509_NAME_cmp(X509_get_subject_name(c.get()), X509_CRL_get_issuer(crl)) == 0)
        return c.get();
    return nullptr;
  }

  // Age and nextUpdate. A time OpenSSL cannot read fails: peers that check the CRL refuse every
  // handshake then (X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD), and no age can be told.
  void checkCrlDates(X509_CRL* crl, const std::string& crlHint) {
    const ASN1_TIME* nextTime = X509_CRL_get0_nextUpdate(crl);
    std::optional<int64_t> lastRead = epochOf(X509_CRL_get0_lastUpdate(crl));
    std::optional<int64_t> nextRead = nextTime ? epochOf(nextTime) : std::optional<int64_t>(0);
    if (!lastRead || !nextRead) {
      g_.fail("CRL " + tls_.crlPath + ": its " + (lastRead ? "nextUpdate" : "lastUpdate") +
                  " cannot be read (not a valid time): handshakes that check the CRL fail",
              crlHint);
      return;
    }
    const int64_t last = *lastRead, next = *nextRead;
    STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
    int count = revoked ? sk_X509_REVOKED_num(revoked) : 0;
    std::string about = "CRL " + tls_.crlPath + " (" + std::to_string(count) + " revoked, issued " +
                        utcDate(last) + ", " + span(now_ - last) + " ago";
    if (!nextTime)
      g_.warn(about + ", no nextUpdate)", "peers cannot tell when it is out of date: " + crlHint);
    else if (next < now_)
      g_.fail(about + ") is past its nextUpdate " + utcDate(next) + " (" + span(now_ - next) +
                  " ago): handshakes that check it fail",
              crlHint);
    else if (next - now_ < kCrlWarnDays * 86400)
      g_.warn(about + ") reaches its nextUpdate " + utcDate(next) + " in " + span(next - now_) +
                  " (less than " + std::to_string(kCrlWarnDays) + " days)",
              crlHint);
    else
      g_.ok(about + ", next update " + utcDate(next) + ")");
  }

  void checkCrl(X509* leaf) {
    const std::string crlHint = "write a fresh one with `rivetctl ca crl` on the CA host and copy "
                                "crl.pem to mesh.tls.crl_path (the node reloads it within a "
                                "second)";
    if (tls_.crlPath.empty()) {
      g_.warn("no CRL: mesh.tls.crl_path is not set, so revoked certificates are accepted",
              "set mesh.tls.crl_path to the CA's crl.pem (written by `rivetctl ca crl`)");
      return;
    }
    std::string why;
    auto pem = readRegularFile(tls_.crlPath, kMaxPemBytes, true, why);
    if (!pem) {
      g_.fail("mesh.tls.crl_path: " + printable(why), crlHint);
      return;
    }
    ca::BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
    ca::CrlPtr crl(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    ERR_clear_error();
    if (!crl) {
      g_.fail("mesh.tls.crl_path " + tls_.crlPath + " holds no PEM CRL", crlHint);
      return;
    }
    X509* issuer = issuerOf(crl.get());
    EVP_PKEY* key = issuer ? X509_get0_pubkey(issuer) : nullptr;
    if (caCerts_.empty()) {
      g_.warn("CRL " + tls_.crlPath +
                  ": its signature is not checked, mesh.tls.ca_path holds no "
                  "CA certificate (above)",
              "fix mesh.tls.ca_path first");
    } else if (!key || X509_CRL_verify(crl.get(), key) != 1) {
      ERR_clear_error();
      g_.fail("CRL " + tls_.crlPath + " is not signed by a CA of mesh.tls.ca_path " + tls_.caPath,
              "it belongs to another CA: " + crlHint);
      return;
    }
    checkCrlDates(crl.get(), crlHint);
    X509_REVOKED* entry = nullptr;
    if (X509_CRL_get0_by_serial(crl.get(), &entry, X509_get0_serialNumber(leaf)) == 1)
      g_.fail("this node's certificate " + tls_.certPath + " (serial " + info_.serialHex +
                  ") is revoked by " + tls_.crlPath,
              issue_);
    else
      g_.ok("this node's certificate (serial " + info_.serialHex + ") is not revoked");
  }

  const config::Mesh& mesh_;
  const config::TlsPaths& tls_;
  int64_t now_;
  CheckGroup& g_;
  std::string issue_;
  ca::CertInfo info_;
  std::vector<ca::X509Ptr> caCerts_;
};

} // namespace

CheckGroup checkCertificates(const config::Config& config, int64_t now) {
  CheckGroup g("certificates");
  if (!config.mesh.enabled) {
    g.ok("skipped: mesh.enabled is false (no mesh, no certificates)");
    return g;
  }
  if (!config.mesh.tlsConfigured) {
    g.fail("mesh.tls is not configured in " + config.sourcePath,
           "set mesh.tls (ca_path, cert_path, key_path, crl_path); docs/certificates.md");
    return g;
  }
  CertificateChecks(config, now, g).run();
  return g;
}

} // namespace rivet::ctl
