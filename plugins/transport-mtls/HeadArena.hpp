// Where a request head's fields live: a small buffer owned by the connection's framing and
// reused for each request, so a usual head costs no heap allocation (Beast allocates every
// field separately). Heads larger than the buffer spill to the heap.
#pragma once

#include <cstddef>
#include <new>

namespace rivet::mtls {

struct HeadArena {
  alignas(std::max_align_t) char buffer[2048];
  size_t used = 0;
  bool owns(const void* p) const {
    auto* c = static_cast<const char*>(p);
    return c >= buffer && c < buffer + sizeof buffer;
  }
};

template <class T> class ArenaAllocator {
public:
  using value_type = T;
  explicit ArenaAllocator(HeadArena* arena) noexcept : arena_(arena) {}
  template <class U>
  ArenaAllocator(const ArenaAllocator<U>& other) noexcept : arena_(other.arena()) {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    const size_t align = alignof(std::max_align_t);
    size_t start = (arena_->used + align - 1) & ~(align - 1);
    if (bytes <= sizeof arena_->buffer && start + bytes <= sizeof arena_->buffer) {
      arena_->used = start + bytes;
      return reinterpret_cast<T*>(arena_->buffer + start);
    }
    return static_cast<T*>(::operator new(bytes));
  }
  void deallocate(T* p, size_t) noexcept {
    if (!arena_->owns(p)) // arena memory is given back all at once, with the next request
      ::operator delete(p);
  }
  HeadArena* arena() const noexcept { return arena_; }

  template <class U> bool operator==(const ArenaAllocator<U>& o) const noexcept {
    return arena_ == o.arena();
  }
  template <class U> bool operator!=(const ArenaAllocator<U>& o) const noexcept {
    return arena_ != o.arena();
  }

private:
  HeadArena* arena_;
};

} // namespace rivet::mtls
