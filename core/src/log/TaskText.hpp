// What a log line may carry of a task's text or an agent's answer: an excerpt of the first 100
// characters at any level, the whole text only at DEBUG and only with log.task_text: true.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rivet::log {

inline constexpr size_t kTaskTextExcerptChars = 100;

// The first 100 characters of `text` (whole UTF-8 characters), then "..." when it was longer.
std::string excerpt(std::string_view text);

// log.task_text, set by configure(): whether lines with the whole text are written at DEBUG.
bool taskTextLogged();
void setTaskTextLogged(bool logged);

} // namespace rivet::log
