# Sanitizer and fuzzing builds. Rules:
# - CALLSCOPE_SANITIZE=ON compiles and links EVERY target with AddressSanitizer + UndefinedBehaviorSanitizer;
#   any report aborts the process (no recovery), so a test that trips a sanitizer fails.
# - CALLSCOPE_BUILD_FUZZ=ON needs clang, implies CALLSCOPE_SANITIZE, and (callscope_fuzz_instrument())
#   adds libFuzzer's coverage instrumentation (-fsanitize=fuzzer-no-link) to the libraries the fuzz
#   targets exercise, so libFuzzer sees the parsers' branches, not only the target's own file. The fuzz
#   targets themselves link with -fsanitize=fuzzer (tests/CMakeLists.txt).
# Used by scripts/test_sanitizers.sh (CI) and scripts/fuzz.sh (long runs); see docs/fuzzing.md.
option(CALLSCOPE_SANITIZE "Build every target with ASan+UBSan" OFF)

set(CALLSCOPE_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

if(CALLSCOPE_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CALLSCOPE_BUILD_FUZZ=ON needs clang (libFuzzer), but the C++ compiler is "
      "${CMAKE_CXX_COMPILER_ID} (${CMAKE_CXX_COMPILER}). Configure a fresh build dir with "
      "CC=clang CXX=clang++, e.g. scripts/fuzz.sh does.")
  endif()
  include(CheckCXXSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer,address,undefined)
  set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=fuzzer,address,undefined)
  check_cxx_source_compiles("#include <cstddef>
    #include <cstdint>
    extern \"C\" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }" CALLSCOPE_CLANG_HAS_LIBFUZZER)
  unset(CMAKE_REQUIRED_FLAGS)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
  if(NOT CALLSCOPE_CLANG_HAS_LIBFUZZER)
    unset(CALLSCOPE_CLANG_HAS_LIBFUZZER CACHE)  # check again at the next configure
    message(FATAL_ERROR "clang cannot link a libFuzzer target with ASan+UBSan: the runtimes "
      "(libclang_rt.fuzzer, asan, ubsan) are in the Debian package libclang-rt-dev; run "
      "scripts/install-deps.sh (as root). Details: CMakeFiles/CMakeError.log in the build dir.")
  endif()
  set(CALLSCOPE_SANITIZE ON)  # a normal variable: turning fuzzing off again leaves the cache alone
endif()

if(CALLSCOPE_SANITIZE)
  message(STATUS "callscope: ASan+UBSan on every target")
  add_compile_options(${CALLSCOPE_SANITIZER_FLAGS})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # Known reports inside third-party headers, each explained in the file.
    add_compile_options(-fsanitize-ignorelist=${CMAKE_CURRENT_LIST_DIR}/sanitizer_ignorelist.txt)
  else()
    # GCC has no ignorelist: the rapidjson report of sanitizer_ignorelist.txt would fail every JSON test.
    add_compile_options(-fno-sanitize=pointer-overflow)
  endif()
  add_link_options(-fsanitize=address,undefined)
endif()

# callscope_fuzz_instrument(TARGET...): libFuzzer coverage (edges, comparisons) on these libraries.
function(callscope_fuzz_instrument)
  if(CALLSCOPE_BUILD_FUZZ)
    foreach(t ${ARGN})
      target_compile_options(${t} PRIVATE -fsanitize=fuzzer-no-link)
    endforeach()
  endif()
endfunction()
