// Reads error bodies of OpenAI, Anthropic, Ollama and proxies; folds any text onto one line.
#include "ProviderText.hpp"

#include <rivet/sdk/json.hpp>

namespace rivet::llm {

namespace json = sdk::json;

std::string providerErrorText(const std::string& body, const std::string& fallback) {
  if (auto root = json::tryParse(body); root && root->isObject()) {
    if (const json::Value* error = root->find("error"); error && error->isObject())
      if (auto m = error->getString("message"); m && !m->empty())
        return *m;
    if (auto e = root->getString("error"); e && !e->empty())
      return *e; // Ollama and some proxies: {"error":"model 'x' not found"}
    if (auto m = root->getString("message"); m && !m->empty())
      return *m;
  }
  std::string text = excerpt(body);
  return text.empty() ? fallback : text;
}

std::string providerErrorType(const std::string& body) {
  auto root = json::tryParse(body);
  if (!root || !root->isObject())
    return "";
  const json::Value* error = root->find("error");
  return error && error->isObject() ? error->getString("type").value_or("") : "";
}

std::string excerpt(const std::string& text, size_t maxChars) {
  std::string line;
  bool space = false;
  for (char c : text) {
    bool blank = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (blank) {
      space = !line.empty();
      continue;
    }
    if (space)
      line += ' ';
    space = false;
    line += c;
    if (line.size() > maxChars + 4)
      break; // enough to know it will be cut
  }
  if (line.size() <= maxChars)
    return line;
  size_t cut = maxChars;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80)
    --cut; // do not split a UTF-8 sequence
  return line.substr(0, cut) + "...";
}

} // namespace rivet::llm
