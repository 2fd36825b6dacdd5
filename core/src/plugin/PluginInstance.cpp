// Guarded lifecycle calls into a plugin instance.
#include "plugin/PluginInstance.hpp"

#include "log/Log.hpp"

namespace rivet::plugin {
namespace {

rivet_writer stringWriter(std::string& s) {
  return {&s, [](void* ctx, const char* data, size_t len) {
            static_cast<std::string*>(ctx)->append(data, len);
          }};
}

template <class F> std::string guard(F&& fn) {
  try {
    fn();
    return {};
  } catch (const std::exception& e) {
    return std::string("threw a C++ exception across the plugin ABI: ") + e.what();
  } catch (...) {
    return "threw an exception across the plugin ABI";
  }
}

} // namespace

PluginInstance::PluginInstance(std::shared_ptr<const LoadedPlugin> plugin, HostServices& services,
                               std::string instanceName, std::string component,
                               std::string configJson)
    : plugin_(std::move(plugin)),
      context_(services, std::move(instanceName), std::move(component), std::move(configJson)) {}

PluginInstance::~PluginInstance() {
  stop();
  if (instance_) {
    std::string err = guard([&] { plugin_->descriptor->destroy(instance_); });
    if (!err.empty())
      log::get("Plugins")->error("{} {} in destroy()", describe(), err);
  }
}

std::string PluginInstance::describe() const {
  return kindName(plugin_->kind()) + " '" + name() + "' (plugin '" + plugin_->name() + "', " +
         plugin_->path + ")";
}

void PluginInstance::create() {
  std::string message;
  rivet_writer w = stringWriter(message);
  int rc = RIVET_ERROR;
  std::string err =
      guard([&] { rc = plugin_->descriptor->create(context_.api(), &instance_, &w); });
  if (!err.empty()) {
    instance_ = nullptr; // whatever the plugin wrote there cannot be trusted
    throw InstanceError(describe() + " " + err + " in create()");
  }
  if (rc != RIVET_OK || !instance_) {
    instance_ = nullptr;
    throw InstanceError(describe() + " failed to create: " +
                        (message.empty() ? "the plugin gave no reason" : message));
  }
}

void PluginInstance::start() {
  std::string message;
  rivet_writer w = stringWriter(message);
  int rc = RIVET_ERROR;
  std::string err = guard([&] { rc = plugin_->descriptor->start(instance_, &w); });
  if (!err.empty())
    throw InstanceError(describe() + " " + err + " in start()");
  if (rc != RIVET_OK)
    throw InstanceError(describe() + " failed to start: " +
                        (message.empty() ? "the plugin gave no reason" : message));
  started_ = true;
}

void PluginInstance::stop() {
  if (!started_)
    return;
  started_ = false;
  std::string err = guard([&] { plugin_->descriptor->stop(instance_); });
  if (!err.empty())
    log::get("Plugins")->error("{} {} in stop()", describe(), err);
}

} // namespace rivet::plugin
