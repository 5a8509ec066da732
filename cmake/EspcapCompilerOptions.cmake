# SPDX-License-Identifier: GPL-2.0-or-later
# Warnings for our own targets, and the optional sanitizer and fuzzer builds.
add_library(espcap_warnings INTERFACE)
target_compile_options(espcap_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)

if(ESPCAP_SANITIZE AND ESPCAP_TSAN)
  message(FATAL_ERROR "ESPCAP_SANITIZE and ESPCAP_TSAN cannot be combined: build two trees")
endif()
if(ESPCAP_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(ESPCAP_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()

# libFuzzer: every library is instrumented for coverage and checked by ASan/UBSan; only
# the fuzz executables link libFuzzer's main (tests/fuzz). The plugin module cannot link
# in such a tree, so build the target espcap_fuzzers, not all.
if(ESPCAP_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "ESPCAP_BUILD_FUZZERS needs clang: configure with -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
