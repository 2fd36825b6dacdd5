// What a provider said, made fit for a one-line message: its error text from the common error
// body shapes, and a short excerpt of any other body.
#pragma once

#include <cstddef>
#include <string>

namespace rivet::llm {

/// The provider's own words from an error body: error.message, error (a string), message, or
/// else a short excerpt of the body; `fallback` when the body is empty.
std::string providerErrorText(const std::string& body, const std::string& fallback);

/// error.type of an error body (OpenAI's and Anthropic's shape), or empty.
std::string providerErrorType(const std::string& body);

/// At most `maxChars` of `text` on one line, cut on a UTF-8 boundary, "..." when cut.
std::string excerpt(const std::string& text, size_t maxChars = 200);

} // namespace rivet::llm
