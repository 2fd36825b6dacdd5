// Beast's HTTP/1.1 request parser (basic_parser), keeping of a request what the channel reads:
// the request line and the head's fields as places in one copy of the head, counts of the fields
// that frame the body, and the body in a BodyBuffer. (Beast's request_parser keeps each field in
// a node of a tree: storing and looking them up cost more than parsing them.) Trailer fields of
// a chunked body are parsed and dropped: a trailer never reaches the host as a header.
#pragma once

#include "BodyBuffer.hpp"

#include <boost/beast/http/basic_parser.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::mtls {

class RequestParser final : public boost::beast::http::basic_parser<true> {
public:
  using Field = boost::beast::http::field;
  // Bytes [offset, offset + size) of the head copy.
  struct Span {
    size_t offset = 0;
    size_t size = 0;
  };
  struct HeadField {
    Field name;
    Span nameText;
    Span value;
  };

  // `head` and `fields` are the framing's, emptied here and kept between requests (their room
  // is reused); the body is the parser's own, limited to `bodyLimit` bytes. A head with more
  // than `maxFields` fields fails as it is parsed (tooManyFields()), holding no more of them.
  RequestParser(std::string& head, std::vector<HeadField>& fields, size_t bodyLimit,
                size_t maxFields);

  // Before each put() of head bytes (`data`, `size`): what Beast reads from them is found again
  // in the head copy, to which the caller appends the bytes put() consumed.
  void headBytes(const char* data, size_t size) {
    base_ = data;
    baseSize_ = size;
    baseOffset_ = head_.size();
  }

  std::string_view text(Span s) const { return std::string_view(head_).substr(s.offset, s.size); }
  std::string_view method() const { return text(method_); }
  boost::beast::http::verb verb() const { return verb_; }
  std::string_view target() const { return text(target_); }
  int version() const { return version_; }
  const std::vector<HeadField>& fields() const { return fields_; }
  // How many head fields have this name, and the first one's value ("" when none).
  size_t count(Field name) const;
  std::string_view value(Field name) const;
  // The sizes of the chunks announced so far (whole chunk lines only).
  uint64_t chunkBytes() const { return chunkBytes_; }
  bool tooManyFields() const { return tooManyFields_; }
  BodyBuffer& body() { return body_; }
  const BodyBuffer& body() const { return body_; }

private:
  // Where `s`, which Beast found in the bytes of headBytes(), is in the head copy; false (a
  // refused field) for anything else (Beast rebuilds only obs-fold values, refused before).
  bool place(std::string_view s, Span& out) const;

  void on_request_impl(boost::beast::http::verb method, boost::beast::string_view methodText,
                       boost::beast::string_view target, int version,
                       boost::system::error_code& ec) override;
  void on_response_impl(int, boost::beast::string_view, int,
                        boost::system::error_code& ec) override;
  void on_field_impl(Field name, boost::beast::string_view nameText,
                     boost::beast::string_view value, boost::system::error_code& ec) override;
  void on_header_impl(boost::system::error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         boost::system::error_code& ec) override;
  size_t on_body_impl(boost::beast::string_view body, boost::system::error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, boost::beast::string_view extensions,
                            boost::system::error_code& ec) override;
  size_t on_chunk_body_impl(std::uint64_t remain, boost::beast::string_view body,
                            boost::system::error_code& ec) override;
  void on_finish_impl(boost::system::error_code& ec) override;

  std::string& head_;
  std::vector<HeadField>& fields_;
  BodyBuffer body_;
  const char* base_ = nullptr;
  size_t baseSize_ = 0;
  size_t baseOffset_ = 0;
  Span method_, target_;
  boost::beast::http::verb verb_ = boost::beast::http::verb::unknown;
  int version_ = 0;
  size_t maxFields_;
  bool headDone_ = false;
  bool tooManyFields_ = false;
  uint64_t chunkBytes_ = 0;
};

} // namespace rivet::mtls
