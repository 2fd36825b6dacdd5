// The TLS material in use: new connections take the current one; a reload swaps it.
#pragma once

#include "TlsMaterial.hpp"

#include <memory>
#include <mutex>

namespace rivet::mtls {

class MaterialStore {
public:
  std::shared_ptr<const TlsMaterial> current() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return material_;
  }
  void replace(std::shared_ptr<const TlsMaterial> material) {
    std::lock_guard<std::mutex> lock(mutex_);
    material_ = std::move(material);
  }

private:
  mutable std::mutex mutex_;
  std::shared_ptr<const TlsMaterial> material_;
};

} // namespace rivet::mtls
