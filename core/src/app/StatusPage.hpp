// The status page's files, compiled into rivetd (no file is looked up at run time): one HTML
// page, its script and its style sheet. The script polls /api/status and inserts every text
// with textContent, never as HTML.
#pragma once

#include <string>

namespace rivet::app {

const std::string& statusPageHtml();
const std::string& statusPageScript();
const std::string& statusPageStyle();

} // namespace rivet::app
