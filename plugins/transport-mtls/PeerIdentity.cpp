// Extracts CN and subjectAltName entries from the verified peer certificate.
#include "PeerIdentity.hpp"

#include <arpa/inet.h>
#include <openssl/x509v3.h>

namespace rivet::mtls {
namespace {

void appendJsonString(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20)
      out += c;
  }
  out += '"';
}

std::string asText(const ASN1_STRING* s) {
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, s);
  if (len < 0)
    return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

std::string ipText(const ASN1_OCTET_STRING* ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  int len = ASN1_STRING_length(ip);
  const unsigned char* data = ASN1_STRING_get0_data(ip);
  if (len == 4)
    inet_ntop(AF_INET, data, buf, sizeof buf);
  else if (len == 16)
    inet_ntop(AF_INET6, data, buf, sizeof buf);
  return buf;
}

} // namespace

PeerIdentity readPeerIdentity(SSL* ssl) {
  PeerIdentity id;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (!cert)
    return id; // no certificate (the A2A listener's clients may send none): both empty
  id.sansJson = "[]";
  X509_NAME* subject = X509_get_subject_name(cert);
  int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (idx >= 0)
    id.commonName = asText(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx)));
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names) {
    std::string json = "[";
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
      std::string value;
      if (n->type == GEN_DNS)
        value = asText(n->d.dNSName);
      else if (n->type == GEN_IPADD)
        value = ipText(n->d.iPAddress);
      else
        continue;
      if (json.size() > 1)
        json += ',';
      appendJsonString(json, value);
    }
    json += ']';
    id.sansJson = json;
    GENERAL_NAMES_free(names);
  }
  return id;
}

} // namespace rivet::mtls
