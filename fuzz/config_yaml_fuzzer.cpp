// libFuzzer target: rivet.yaml through loadConfigText. A text is loaded or refused with ONE
// ConfigError (rivetd exits 78); any other exception or crash is a finding.
#include "config/ConfigLoader.hpp"

#include <cstdint>
#include <optional>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string yaml(reinterpret_cast<const char*>(data), size);
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOME")
      return std::string("/home/fuzz");
    if (name == "RIVET_PORT")
      return std::string("3000");
    return std::nullopt;
  };
  try {
    auto result = rivet::config::loadConfigText(yaml, "/fuzz/rivet.yaml", env);
    (void)rivet::config::describeEffective(result.config);
  } catch (const rivet::config::ConfigError&) {
  }
  return 0;
}
