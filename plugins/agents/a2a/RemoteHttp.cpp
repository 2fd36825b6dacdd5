// The remote agent's HTTP client: deadlines on connect, send, first byte and every read; a stream
// that drips slowly still ends at the deadline; cancellation ends a blocked read at once.
#include "RemoteHttp.hpp"

#include "CancelWatch.hpp"
#include "SigpipeBlock.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/String.h>

#include <istream>
#include <memory>
#include <ostream>

namespace rivet::a2a {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kPollSlice{100};

enum class Wait { Ready, Cancelled, TimedOut };

[[noreturn]] void rethrowBroken(const Poco::Net::HTTPClientSession& session, const char* what) {
  if (const Poco::Exception* e = session.networkException())
    e->rethrow();
  throw Poco::IOException(what);
}

Wait readBody(Poco::Net::HTTPClientSession& session, std::istream& in, const llm::Budget& budget,
              const std::function<bool()>& cancelled, const RemoteHttp::BodySink& sink) {
  char buf[16384];
  while (true) {
    if (cancelled())
      return Wait::Cancelled;
    if (budget.passed())
      return Wait::TimedOut;
    session.socket().setReceiveTimeout(budget.leftSpan());
    if (in.peek() == std::char_traits<char>::eof()) {
      if (in.bad())
        rethrowBroken(session, "the answer broke off");
      return Wait::Ready;
    }
    sink(buf, static_cast<size_t>(in.readsome(buf, sizeof buf)));
  }
}

bool isEventStream(const std::string& contentType) {
  return Poco::icompare(contentType.substr(0, contentType.find(';')), "text/event-stream") == 0;
}

} // namespace

RemoteHttp::RemoteHttp(const TlsFiles& tls, std::string userAgent)
    : files_(tls), userAgent_(std::move(userAgent)) {
  Poco::Net::Context::Params p;
  p.verificationMode = Poco::Net::Context::VERIFY_STRICT; // also checks the host name
  p.verificationDepth = 9;
  p.loadDefaultCAs = files_.caFile.empty();
  p.caLocation = files_.caFile;
  p.certificateFile = files_.certFile;
  p.privateKeyFile = files_.keyFile;
  p.cipherList = "HIGH:!aNULL:!MD5:!RC4";
  try {
    tls_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, p);
    tls_->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  } catch (const Poco::Exception& e) {
    std::string what =
        files_.caFile.empty() ? "the system's trusted CAs" : "ca_file " + files_.caFile;
    if (!files_.certFile.empty())
      what += ", client certificate " + files_.certFile + " or its key " + files_.keyFile;
    throw sdk::PluginError(what + " could not be loaded: " + e.displayText() +
                           "; check that they are PEM files (the key unencrypted) and that the "
                           "key belongs to the certificate");
  }
}

std::string RemoteHttp::tlsHint(const std::string& error) const {
  if (error.find("wrong version number") != std::string::npos)
    return "; the server may speak plain HTTP";
  if (error.find("alert") != std::string::npos && error.find("ertificate") != std::string::npos &&
      files_.certFile.empty())
    return "; the remote agent may want a client certificate: set client_cert and client_key, "
           "or use_node_certificate: true";
  if (error.find("ertificate") == std::string::npos)
    return "";
  if (files_.caFile.empty())
    return "; if the remote's certificate is not from a public CA, set ca_file to its CA";
  return "; check that the remote's certificate chains to ca_file " + files_.caFile +
         " and names the host of the URL";
}

sdk::TaskResult RemoteHttp::cancelledResult(const Poco::URI& url) {
  return sdk::TaskResult::failed("cancelled by the host while waiting for " + url.toString());
}

llm::PostOutcome RemoteHttp::get(const Poco::URI& url, const llm::Headers& headers, size_t maxBytes,
                                 const llm::Budget& budget,
                                 const std::function<bool()>& cancelled) const {
  return exchange("GET", url, "", headers, maxBytes, budget, cancelled, nullptr);
}

llm::PostOutcome RemoteHttp::post(const Poco::URI& url, const std::string& body,
                                  const llm::Headers& headers, size_t maxBytes,
                                  const llm::Budget& budget, const std::function<bool()>& cancelled,
                                  const BodySink* stream) const {
  return exchange("POST", url, body, headers, maxBytes, budget, cancelled, stream);
}

llm::PostOutcome RemoteHttp::exchange(const std::string& method, const Poco::URI& url,
                                      const std::string& body, const llm::Headers& headers,
                                      size_t maxBytes, const llm::Budget& budget,
                                      const std::function<bool()>& cancelled,
                                      const BodySink* stream) const {
  const std::string where = url.toString();
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  llm::CancelWatch watch(cancelled, kPollSlice); // declared after session: stops before it closes
  auto fail = [&](sdk::TaskResult r) {
    return llm::PostOutcome{std::nullopt, watch.fired() ? cancelledResult(url) : std::move(r)};
  };
  bool streaming = false;
  auto timedOut = [&] {
    return fail(
        sdk::TaskResult::timeout((streaming ? "the stream from " + where + " had not ended after "
                                            : "no answer from " + where + " within ") +
                                 budget.describe()));
  };
  if (cancelled())
    return fail(cancelledResult(url));
  if (budget.passed())
    return timedOut();

  const llm::SigpipeBlock noSigpipe;
  bool sent = false;
  try {
    if (url.getScheme() == "https")
      session = std::make_unique<Poco::Net::HTTPSClientSession>(url.getHost(), url.getPort(), tls_);
    else
      session = std::make_unique<Poco::Net::HTTPClientSession>(url.getHost(), url.getPort());
    session->setKeepAlive(false);
    session->setTimeout(budget.leftSpan());

    Poco::Net::HTTPRequest req(method, url.getPathAndQuery().empty() ? "/" : url.getPathAndQuery(),
                               Poco::Net::HTTPMessage::HTTP_1_1);
    req.set("Accept", stream ? "text/event-stream, application/json" : "application/json");
    req.set("User-Agent", userAgent_);
    for (const auto& [name, value] : headers)
      req.set(name, value);
    if (method == "POST") {
      req.setContentType("application/json");
      req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    std::ostream& out = session->sendRequest(req);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    out.flush();
    if (!out.good())
      rethrowBroken(*session, "the request could not be sent");
    sent = true;
    watch.start(session->socket());

    session->socket().setReceiveTimeout(budget.leftSpan());
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    llm::HttpAnswer answer;
    answer.status = static_cast<int>(response.getStatus());
    answer.reason = response.getReason();
    for (const auto& [name, value] : response)
      answer.headers.emplace_back(name, value);
    answer.streamed = stream && answer.status >= 200 && answer.status < 300 &&
                      isEventStream(response.getContentType());
    streaming = answer.streamed;
    BodySink whole = [&answer, maxBytes](const char* data, size_t size) {
      answer.body.append(data, size);
      if (answer.body.size() > maxBytes)
        throw Poco::DataFormatException("the answer is larger than " + std::to_string(maxBytes) +
                                        " bytes");
    };
    Wait wait = readBody(*session, in, budget, cancelled, answer.streamed ? *stream : whole);
    if (wait == Wait::Ready && !watch.fired())
      return {std::move(answer), {}};
    return wait == Wait::TimedOut ? timedOut() : fail(cancelledResult(url));
  } catch (const Poco::TimeoutException&) {
    return timedOut();
  } catch (const Poco::DataFormatException& e) {
    return fail(
        sdk::TaskResult::failed("the answer from " + where + " was refused: " + e.message()));
  } catch (const Poco::Net::SSLException& e) {
    return fail(sdk::TaskResult::failed("TLS with " + where + " failed: " + e.displayText() +
                                        tlsHint(e.displayText())));
  } catch (const Poco::Exception& e) {
    if (sent)
      return fail(
          sdk::TaskResult::failed("lost the connection to " + where + ": " + e.displayText()));
    return fail(sdk::TaskResult::failed("could not reach " + where + ": " + e.displayText() +
                                        "; is the remote agent running, and is card_url right?"));
  }
}

} // namespace rivet::a2a
