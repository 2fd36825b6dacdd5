# Sanitizer and fuzzing builds (README "Test stages"): RIVET_SANITIZE=address (ASan + UBSan),
# thread (TSan) or fuzzer (clang only: libFuzzer instrumentation + ASan + UBSan), and ccache.
set(RIVET_SANITIZE "" CACHE STRING "Sanitizer build: address, thread, fuzzer or empty")
set_property(CACHE RIVET_SANITIZE PROPERTY STRINGS "" address thread fuzzer)
option(RIVET_CCACHE "Compile through ccache when it is installed" ON)

if(RIVET_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  find_program(RIVET_CCACHE_PROGRAM ccache)
  if(RIVET_CCACHE_PROGRAM)
    set(CMAKE_C_COMPILER_LAUNCHER ${RIVET_CCACHE_PROGRAM})
    set(CMAKE_CXX_COMPILER_LAUNCHER ${RIVET_CCACHE_PROGRAM})
  endif()
endif()

if(RIVET_SANITIZE STREQUAL "")
  return()
endif()

# RelWithDebInfo at -O1 with line tables only: what the sanitizers' docs recommend for readable
# stacks, and about half the compile time of -O2 -g on these 2-core machines.
set(CMAKE_C_FLAGS_RELWITHDEBINFO "-O1 -g1 -DNDEBUG")
set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O1 -g1 -DNDEBUG")
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  set(CMAKE_C_FLAGS_RELWITHDEBINFO "-O1 -gline-tables-only -DNDEBUG")
  set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O1 -gline-tables-only -DNDEBUG")
endif()
set(RIVET_SANITIZER_FLAGS -fno-omit-frame-pointer)
if(RIVET_SANITIZE STREQUAL "address")
  list(APPEND RIVET_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined)
  # Tests that bound a process's resident memory scale their limit to this percentage: ASan's
  # shadow memory, redzones and quarantine (a 10 MiB body measured 13 MiB of peak growth with a
  # heap body, 16 MiB with the mapped one, whose pages get shadow pages of their own).
  add_compile_definitions(RIVET_ASAN=1 RIVET_TEST_RSS_PERCENT=175)
elseif(RIVET_SANITIZE STREQUAL "thread")
  list(APPEND RIVET_SANITIZER_FLAGS -fsanitize=thread)
  # TSan does not model std::atomic_thread_fence, which Asio's handler invocation uses (GCC
  # warns, -Werror): Asio's own switch leaves the fences out; its scheduler's mutexes order
  # the handlers, and TSan sees those.
  add_compile_definitions(RIVET_TSAN=1 BOOST_ASIO_DISABLE_FENCED_BLOCK)
elseif(RIVET_SANITIZE STREQUAL "fuzzer")
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "RIVET_SANITIZE=fuzzer needs clang (CC=clang-14 CXX=clang++-14)")
  endif()
  # Everything is instrumented for coverage; only the fuzz targets link libFuzzer's main().
  list(APPEND RIVET_SANITIZER_FLAGS -fsanitize=fuzzer-no-link,address,undefined
       -fno-sanitize-recover=undefined
       -fsanitize-ignorelist=${CMAKE_CURRENT_LIST_DIR}/ubsan-ignorelist.txt) # RapidJSON only
  add_compile_definitions(RIVET_ASAN=1 RIVET_FUZZING=1)
else()
  message(FATAL_ERROR "RIVET_SANITIZE must be address, thread, fuzzer or empty, not '${RIVET_SANITIZE}'")
endif()

list(JOIN RIVET_SANITIZER_FLAGS " " _rivet_san)
string(APPEND CMAKE_C_FLAGS " ${_rivet_san}")
string(APPEND CMAKE_CXX_FLAGS " ${_rivet_san}")
# Plugins are MODULE targets linked with -z defs: the runtime must be on their link line too.
foreach(kind EXE SHARED MODULE)
  string(APPEND CMAKE_${kind}_LINKER_FLAGS " ${_rivet_san}")
endforeach()

if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # g++ 12 reports a false -Wmaybe-uninitialized inside <regex> once sanitizers instrument it.
  list(APPEND RIVET_WARNINGS -Wno-maybe-uninitialized)
  string(APPEND CMAKE_CXX_FLAGS " -Wno-maybe-uninitialized")
elseif(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # core/CMakeLists.txt passes g++'s -Wno-dangling-pointer (GCC bug 107532), unknown to clang.
  list(APPEND RIVET_WARNINGS -Wno-unknown-warning-option)
  string(APPEND CMAKE_CXX_FLAGS " -Wno-unknown-warning-option")
endif()
message(STATUS "rivet: sanitizer build '${RIVET_SANITIZE}': ${_rivet_san}")
