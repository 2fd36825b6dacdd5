// The CA's operations. Keys are generated in memory and written once (mode 0600); the index is
// saved, under the CA lock, before the certificate it records, so every issued file is revocable.
#include "ca/CertificateAuthority.hpp"

#include "ca/CaFiles.hpp"
#include "ca/CaIndex.hpp"
#include "ca/CaLock.hpp"
#include "ca/CertificateBuilder.hpp"
#include "ca/CrlBuilder.hpp"
#include "ca/LeafProfile.hpp"
#include "ca/Pem.hpp"
#include "ca/Serial.hpp"

#include <cstdio>
#include <ctime>
#include <vector>

namespace rivet::ca {
namespace {

constexpr int64_t kDaySeconds = 86400;
constexpr int64_t kBackdateSeconds = 300;
constexpr int kRootDays = 3650;
constexpr int kIntermediateDays = 1825;
constexpr const char* kOrganization = "Rivet Collective";
constexpr const char* kCaKeyUsage = "critical,keyCertSign,cRLSign";

int64_t now() {
  return static_cast<int64_t>(std::time(nullptr));
}

struct Signer {
  X509Ptr cert;
  KeyPtr key;
};

const char* kRunInit = "run `rivetctl ca init` to create a CA, or pass the right --dir";

Signer loadIntermediate(const CaLayout& layout) {
  Signer s;
  s.cert = certificateFromPem(
      readWholeFile(layout.intermediateCert(), "the CA's intermediate certificate", kRunInit),
      layout.intermediateCert());
  s.key = privateKeyFromPem(
      readWholeFile(layout.intermediateKey(), "the CA's intermediate key",
                    std::string(kRunInit) + " (issuing needs the intermediate key, not the root)"),
      layout.intermediateKey());
  if (X509_check_private_key(s.cert.get(), s.key.get()) != 1) {
    openSslErrors(); // drain: the message below says what matters
    throw CaError(layout.intermediateKey() + " does not belong to " + layout.intermediateCert() +
                  "; restore both files from the same backup");
  }
  return s;
}

// Writes files and, if a later step fails, removes the ones already written, so a failed
// `init` can simply be run again.
class FileTransaction {
public:
  ~FileTransaction() {
    if (!committed_) {
      for (const auto& path : written_)
        std::remove(path.c_str());
    }
  }
  void write(const std::string& path, const std::string& content, unsigned mode) {
    writeFileAtomically(path, content, mode);
    written_.push_back(path);
  }
  void commit() { committed_ = true; }

private:
  std::vector<std::string> written_;
  bool committed_ = false;
};

std::string makeCrlPem(CaIndex& index, const Signer& signer) {
  CrlPtr crl =
      buildCrl(signer.cert.get(), signer.key.get(), index.revoked(), index.nextCrlNumber(), now());
  return crlToPem(crl.get());
}

} // namespace

CertificateAuthority CertificateAuthority::init(const std::string& dir,
                                                const std::string& rootDir) {
  CaLayout layout(dir, rootDir);
  for (const auto& path :
       {layout.rootKey(), layout.rootCert(), layout.intermediateCert(), layout.intermediateKey(),
        layout.chain(), layout.chainAlias(), layout.index(), layout.crl()}) {
    if (fileExists(path))
      throw CaError("a CA already exists: " + path +
                    " is present and `ca init` never overwrites a CA; use the existing CA, or "
                    "choose other folders (--dir, --root-dir) for a new one");
  }
  ensureDirectory(layout.rootDir(), 0700);
  ensureDirectory(layout.dir(), 0755);
  ensureDirectory(layout.intermediateDir(), 0755);
  ensureDirectory(layout.intermediatePrivateDir(), 0700);
  ensureDirectory(layout.issuedDir(), 0755);

  int64_t start = now() - kBackdateSeconds;
  KeyPtr rootKey = generateKey(false);
  X509Ptr root = CertificateBuilder({{"O", kOrganization}, {"CN", "Rivet Root CA"}}, rootKey.get(),
                                    start, start + kRootDays * kDaySeconds)
                     .extension(NID_basic_constraints, "critical,CA:TRUE")
                     .extension(NID_key_usage, kCaKeyUsage)
                     .extension(NID_subject_key_identifier, "hash")
                     .extension(NID_authority_key_identifier, "keyid:always")
                     .sign(nullptr, rootKey.get());
  KeyPtr interKey = generateKey(false);
  X509Ptr inter = CertificateBuilder({{"O", kOrganization}, {"CN", "Rivet Intermediate CA"}},
                                     interKey.get(), start, start + kIntermediateDays * kDaySeconds)
                      .extension(NID_basic_constraints, "critical,CA:TRUE,pathlen:0")
                      .extension(NID_key_usage, kCaKeyUsage)
                      .extension(NID_subject_key_identifier, "hash")
                      .extension(NID_authority_key_identifier, "keyid:always")
                      .sign(root.get(), rootKey.get());

  std::string chain = certificateToPem(inter.get()) + certificateToPem(root.get());
  CaIndex index = CaIndex::load(layout.index());
  Signer signer{std::move(inter), std::move(interKey)};
  std::string crl = makeCrlPem(index, signer);

  FileTransaction files;
  files.write(layout.rootKey(), privateKeyToPem(rootKey.get()), 0600);
  files.write(layout.rootCert(), certificateToPem(root.get()), 0644);
  files.write(layout.intermediateKey(), privateKeyToPem(signer.key.get()), 0600);
  files.write(layout.intermediateCert(), certificateToPem(signer.cert.get()), 0644);
  files.write(layout.chain(), chain, 0644);
  files.write(layout.chainAlias(), chain, 0644);
  files.write(layout.crl(), crl, 0644);
  index.save();
  files.commit();
  return CertificateAuthority(layout);
}

CertificateAuthority CertificateAuthority::open(const std::string& dir,
                                                const std::string& rootDir) {
  CaLayout layout(dir, rootDir);
  for (const auto& path : {layout.intermediateCert(), layout.intermediateKey(), layout.chain()}) {
    if (!fileExists(path))
      throw CaError("no CA at " + layout.dir() + ": " + path + " is missing; " + kRunInit);
  }
  loadIntermediate(layout); // fails early, naming the file, if it is unusable
  return CertificateAuthority(layout);
}

IssuedFiles CertificateAuthority::issueNode(const std::string& node, const IssueOptions& o) {
  return issue(nodeProfile(node, o, now()));
}

IssuedFiles CertificateAuthority::issueAgent(const std::string& agent, const std::string& node,
                                             const IssueOptions& o) {
  return issue(agentProfile(agent, node, o, now()));
}

IssuedFiles CertificateAuthority::issue(const LeafProfile& p) {
  Signer signer = loadIntermediate(layout_);
  KeyPtr key = generateKey(p.rsa);
  CertificateBuilder builder({{"O", kOrganization}, {"CN", p.commonName}}, key.get(), p.notBefore,
                             p.notAfter);
  builder.extension(NID_basic_constraints, "critical,CA:FALSE")
      .extension(NID_key_usage, p.keyUsage);
  if (!p.extendedKeyUsage.empty())
    builder.extension(NID_ext_key_usage, p.extendedKeyUsage);
  if (!p.subjectAltName.empty())
    builder.extension(NID_subject_alt_name, p.subjectAltName);
  builder.extension(NID_subject_key_identifier, "hash")
      .extension(NID_authority_key_identifier, "keyid:always");
  X509Ptr cert = builder.sign(signer.cert.get(), signer.key.get());

  IssuedFiles files{layout_.issuedCert(p.fileStem), layout_.issuedKey(p.fileStem)};
  ensureDirectory(layout_.issuedDir(), 0755);
  CaLock lock(layout_.lock());
  CaIndex index = CaIndex::load(layout_.index());
  index.add({p.fileStem, serialToHex(X509_get0_serialNumber(cert.get())), p.commonName, p.notBefore,
             p.notAfter, now(), std::nullopt});
  index.save(); // first, so that a certificate on disk is always in the index
  writeFileAtomically(files.keyPath, privateKeyToPem(key.get()), 0600);
  writeFileAtomically(files.certPath, certificateToPem(cert.get()), 0644);
  return files;
}

void CertificateAuthority::revoke(const std::string& name) {
  Signer signer = loadIntermediate(layout_);
  CaLock lock(layout_.lock());
  CaIndex index = CaIndex::load(layout_.index());
  if (!index.revoke(name, now()))
    throw CaError("no certificate named '" + name + "' was issued by the CA at " + layout_.dir() +
                  " (see " + layout_.index() +
                  "); give the file name of an issued certificate: a node name or agent@node");
  std::string crl = makeCrlPem(index, signer);
  index.save();
  writeFileAtomically(layout_.crl(), crl, 0644);
}

std::string CertificateAuthority::writeCrl() {
  Signer signer = loadIntermediate(layout_);
  CaLock lock(layout_.lock());
  CaIndex index = CaIndex::load(layout_.index());
  std::string crl = makeCrlPem(index, signer);
  index.save();
  writeFileAtomically(layout_.crl(), crl, 0644);
  return layout_.crl();
}

} // namespace rivet::ca
