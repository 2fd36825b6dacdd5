// Decodes a PEM certificate into CertInfo with OpenSSL's accessors; names are printed in
// "O=..., CN=..." order (as issued), IP SANs as text via inet_ntop.
#include "ca/CertInfo.hpp"

#include "ca/CaError.hpp"
#include "ca/CaFiles.hpp"
#include "ca/OpenSslHandles.hpp"
#include "ca/Pem.hpp"
#include "ca/Serial.hpp"

#include <arpa/inet.h>
#include <ctime>

namespace rivet::ca {
namespace {

std::string nameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr, "cannot allocate an OpenSSL memory buffer");
  unsigned long flags =
      (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) | XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN;
  X509_NAME_print_ex(bio.get(), name, 0, flags);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string commonNameOf(const X509_NAME* name) {
  int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (i < 0)
    return "";
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, s);
  if (len < 0)
    return "";
  std::string cn(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return cn;
}

int64_t epochOf(const ASN1_TIME* t, const std::string& path) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1)
    throw CaError(path + " has an invalid validity date; re-issue the certificate");
  return static_cast<int64_t>(timegm(&tm));
}

void readSans(X509* cert, CertInfo& info) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type == GEN_DNS) {
      const ASN1_STRING* s = gn->d.dNSName;
      info.dnsNames.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                 static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (gn->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = gn->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {0};
      int family = ASN1_STRING_length(s) == 4 ? AF_INET : AF_INET6;
      if (ASN1_STRING_length(s) == 4 || ASN1_STRING_length(s) == 16)
        inet_ntop(family, ASN1_STRING_get0_data(s), text, sizeof text);
      info.ips.emplace_back(text);
    }
  }
  GENERAL_NAMES_free(names);
}

void readExtendedKeyUsage(X509* cert, CertInfo& info) {
  auto* eku =
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr));
  for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku); ++i) {
    const ASN1_OBJECT* obj = sk_ASN1_OBJECT_value(eku, i);
    int nid = OBJ_obj2nid(obj);
    if (nid != NID_undef) {
      info.extendedKeyUsage.emplace_back(OBJ_nid2sn(nid));
    } else {
      char oid[128] = {0};
      OBJ_obj2txt(oid, sizeof oid, obj, 1);
      info.extendedKeyUsage.emplace_back(oid);
    }
  }
  EXTENDED_KEY_USAGE_free(eku);
}

} // namespace

CertInfo readCertificate(const std::string& pemPath) {
  return parseCertificate(
      readWholeFile(pemPath, "certificate", "Check the path and its permissions."), pemPath);
}

CertInfo parseCertificate(const std::string& pem, const std::string& pemPath) {
  X509Ptr cert = certificateFromPem(pem, pemPath);
  CertInfo info;
  info.subject = nameText(X509_get_subject_name(cert.get()));
  info.issuer = nameText(X509_get_issuer_name(cert.get()));
  info.commonName = commonNameOf(X509_get_subject_name(cert.get()));
  readSans(cert.get(), info);
  readExtendedKeyUsage(cert.get(), info);
  info.notBefore = epochOf(X509_get0_notBefore(cert.get()), pemPath);
  info.notAfter = epochOf(X509_get0_notAfter(cert.get()), pemPath);
  info.serialHex = serialToHex(X509_get0_serialNumber(cert.get()));
  info.isCa = (X509_get_extension_flags(cert.get()) & EXFLAG_CA) != 0;
  if (EVP_PKEY* key = X509_get0_pubkey(cert.get()))
    info.keyType = describeKey(key);
  return info;
}

} // namespace rivet::ca
