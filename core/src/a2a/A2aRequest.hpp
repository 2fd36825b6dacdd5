// A JSON-RPC request of the A2A listener, checked as hostile input (docs/a2a.md "Requests"):
// the envelope, and the SendMessage parameters the node takes.
#pragma once

#include "rivet/sdk/json.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rivet::a2a {

struct RpcFault {
  int code = 0;
  std::string message;
  std::string reason;          // google.rpc.ErrorInfo reason
  std::string idJson = "null"; // parseCall(): the request's id, once it was read
};

struct RpcCall {
  std::string idJson = "null"; // the id as JSON text, for the answer
  std::string method;
  sdk::json::Value params; // an object
};

// The envelope: a JSON object with "jsonrpc":"2.0", a string or integer "id", a string
// "method" and an object "params" (absent: {}). A batch (an array) is refused.
std::optional<RpcCall> parseCall(std::string_view body, RpcFault& fault);

struct SendParams {
  std::string text;        // the message's parts as one text (data parts as JSON text)
  std::string messageId;   // the client's, which makes a resend the same task
  std::string contextId;   // "" : the node makes one
  std::string messageJson; // the message as received without its parts (re-serialized)
  bool returnImmediately = false;
  int64_t historyLength = -1; // -1: not given
};

// SendMessage / SendStreamingMessage params. A message naming a taskId (a second turn) is
// left to the caller to refuse: `continuesTask` says it did.
std::optional<SendParams> parseSend(const sdk::json::Value& params, RpcFault& fault,
                                    std::string& continuesTask);

// The "id" of GetTask / CancelTask / SubscribeToTask params.
std::optional<std::string> taskIdParam(const sdk::json::Value& params, RpcFault& fault);
// historyLength of GetTask (-1 when absent).
std::optional<int64_t> historyLengthParam(const sdk::json::Value& params, RpcFault& fault);

} // namespace rivet::a2a
