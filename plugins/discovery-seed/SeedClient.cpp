// One request to the seed through the host API, with the seed's name check and a short deadline.
#include "SeedClient.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace rivet::discovery_seed {
namespace {

const char* resultText(rivet_net_result r) {
  switch (r) {
  case RIVET_NET_OK:
    return "ok";
  case RIVET_NET_NOT_DELIVERED:
    return "could not connect";
  case RIVET_NET_TIMEOUT:
    return "timed out";
  case RIVET_NET_DELIVERED_FAILED:
    return "connection lost before the answer";
  case RIVET_NET_UNAVAILABLE:
    return "no transport loaded";
  }
  return "request failed";
}

std::string firstLine(std::string s) {
  const auto end = s.find_first_of("\r\n");
  if (end != std::string::npos)
    s.resize(end);
  if (s.size() > 200)
    s = s.substr(0, 200) + "...";
  return s;
}

} // namespace

std::string SeedAnswer::errorText() const {
  try {
    Poco::JSON::Parser parser;
    const auto v = parser.parse(body);
    if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
      const auto message = v.extract<Poco::JSON::Object::Ptr>()->get("error");
      if (message.isString() && !message.extract<std::string>().empty())
        return firstLine(message.extract<std::string>());
    }
  } catch (const Poco::Exception&) {
    // not JSON: show the body as it is
  }
  return body.empty() ? "HTTP " + std::to_string(status) : firstLine(body);
}

std::string SeedAnswer::reason() const {
  if (!answered)
    return error;
  return "HTTP " + std::to_string(status) + ": " + errorText();
}

SeedClient::SeedClient(const sdk::Host& host, const SeedSettings& settings)
    : host_(host), settings_(settings) {}

SeedAnswer SeedClient::get(const std::string& path) const {
  return exchange("GET", path, "");
}

SeedAnswer SeedClient::post(const std::string& path, const std::string& body) const {
  return exchange("POST", path, body);
}

SeedAnswer SeedClient::exchange(const std::string& method, const std::string& path,
                                const std::string& body) const {
  rivet_peer_request request{};
  request.struct_size = sizeof request;
  request.host = sdk::str(settings_.seedHost);
  request.port = static_cast<uint32_t>(settings_.seedPort);
  request.verify_name = sdk::str(settings_.seedHost); // docs/protocol.md §1: the seed exception
  request.method = sdk::str(method);
  request.path = sdk::str(path);
  request.body = sdk::str(body);
  request.timeout_ms = settings_.requestTimeoutMs();

  SeedAnswer answer;
  rivet_peer_response response{};
  response.struct_size = sizeof response;
  response.body = sdk::stringWriter(answer.body);
  response.error = sdk::stringWriter(answer.error);
  const rivet_net_result result = host_.raw()->request(host_.raw()->host, &request, &response);
  answer.answered = result == RIVET_NET_OK;
  answer.status = answer.answered ? response.status : 0;
  if (!answer.answered)
    answer.error = answer.error.empty() ? resultText(result) : firstLine(answer.error);
  return answer;
}

} // namespace rivet::discovery_seed
