// The agent channel's request parser: Beast's basic_parser with the head kept as spans.
#include "RequestParser.hpp"

#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cstdint>

namespace rivet::mtls {
namespace http = boost::beast::http;

RequestParser::RequestParser(std::string& head, std::vector<HeadField>& fields, size_t bodyLimit,
                             size_t maxFields)
    : head_(head), fields_(fields), maxFields_(maxFields) {
  head_.clear();
  fields_.clear();
  body_.setLimit(bodyLimit);
}

bool RequestParser::place(std::string_view s, Span& out) const {
  if (s.empty()) {
    out = {baseOffset_, 0};
    return true;
  }
  // Compared as addresses: s may point into memory of Beast's own.
  const auto at = reinterpret_cast<std::uintptr_t>(s.data());
  const auto base = reinterpret_cast<std::uintptr_t>(base_);
  if (!base_ || at < base || s.size() > baseSize_ || at - base > baseSize_ - s.size())
    return false;
  out = {baseOffset_ + static_cast<size_t>(at - base), s.size()};
  return true;
}

size_t RequestParser::count(Field name) const {
  return static_cast<size_t>(std::count_if(fields_.begin(), fields_.end(),
                                           [name](const HeadField& f) { return f.name == name; }));
}

std::string_view RequestParser::value(Field name) const {
  for (const HeadField& f : fields_)
    if (f.name == name)
      return text(f.value);
  return {};
}

void RequestParser::on_request_impl(http::verb method, boost::beast::string_view methodText,
                                    boost::beast::string_view target, int version,
                                    boost::system::error_code& ec) {
  if (!place({methodText.data(), methodText.size()}, method_) ||
      !place({target.data(), target.size()}, target_)) {
    ec = http::error::bad_target;
    return;
  }
  verb_ = method;
  version_ = version;
}

void RequestParser::on_response_impl(int, boost::beast::string_view, int,
                                     boost::system::error_code& ec) {
  ec = http::error::bad_method; // a request parser never sees a status line
}

void RequestParser::on_field_impl(Field name, boost::beast::string_view nameText,
                                  boost::beast::string_view value, boost::system::error_code& ec) {
  if (headDone_)
    return; // a trailer: dropped
  if (fields_.size() >= maxFields_) {
    tooManyFields_ = true;
    ec = http::error::header_limit;
    return;
  }
  HeadField f{name, {}, {}};
  if (!place({nameText.data(), nameText.size()}, f.nameText) ||
      !place({value.data(), value.size()}, f.value)) {
    ec = http::error::bad_value;
    return;
  }
  fields_.push_back(f);
}

void RequestParser::on_header_impl(boost::system::error_code& ec) {
  headDone_ = true;
  ec = {};
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& length,
                                      boost::system::error_code& ec) {
  ec = {};
  if (length && *length > 0 && !body_.reserveMore(static_cast<size_t>(*length), true))
    ec = http::error::buffer_overflow;
}

size_t RequestParser::on_body_impl(boost::beast::string_view body, boost::system::error_code& ec) {
  if (!body_.reserveMore(body.size())) { // past the limit (413), or out of memory (503)
    ec = body_.fits(body.size()) ? http::error::buffer_overflow : http::error::body_limit;
    return 0;
  }
  body_.append(body.data(), body.size());
  return body.size();
}

void RequestParser::on_chunk_header_impl(std::uint64_t size, boost::beast::string_view,
                                         boost::system::error_code& ec) {
  chunkBytes_ += size;
  ec = {};
}

size_t RequestParser::on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                         boost::system::error_code& ec) {
  return on_body_impl(body, ec);
}

void RequestParser::on_finish_impl(boost::system::error_code& ec) {
  ec = {};
}

} // namespace rivet::mtls
