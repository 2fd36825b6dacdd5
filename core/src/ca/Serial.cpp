// Serial numbers between BIGNUM, ASN1_INTEGER and hex text.
// RFC 5280 allows up to 20 octets; 128 random bits make collisions practically impossible.
#include "ca/Serial.hpp"

#include "ca/CaError.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace rivet::ca {

Asn1IntegerPtr randomSerial() {
  BignumPtr bn(BN_new());
  check(bn && BN_rand(bn.get(), 128, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1,
        "cannot draw a random serial number");
  Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  check(serial != nullptr, "cannot encode a serial number");
  return serial;
}

std::string serialToHex(const ASN1_INTEGER* serial) {
  BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  check(bn != nullptr, "cannot decode a serial number");
  char* hex = BN_bn2hex(bn.get());
  check(hex != nullptr, "cannot print a serial number");
  std::string text(hex);
  OPENSSL_free(hex);
  return text;
}

Asn1IntegerPtr serialFromHex(const std::string& hex, const std::string& source) {
  BIGNUM* raw = nullptr;
  if (hex.empty() || BN_hex2bn(&raw, hex.c_str()) != static_cast<int>(hex.size())) {
    BN_free(raw);
    throw CaError(source + " holds serial '" + hex +
                  "', which is not a hex number; restore the file from a backup");
  }
  BignumPtr bn(raw);
  Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  check(serial != nullptr, "cannot encode serial " + hex);
  return serial;
}

} // namespace rivet::ca
