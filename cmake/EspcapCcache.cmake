# SPDX-License-Identifier: GPL-2.0-or-later
# Compiles through ccache when it is installed (scripts/install-deps and the Debian roots
# install it), unless the caller chose a launcher: every tree espcap builds (the main one,
# the sanitizer, ThreadSanitizer and fuzz trees, the roots of tests/run-wireshark) then
# recompiles only what changed, even in a fresh checkout. CCACHE_BASEDIR is the source
# tree and the build folder is left out of the hash (CCACHE_NOHASHDIR; debug info then
# names the folder of the first build), so checkouts at different paths, CI's fresh clone
# among them, share their results.
option(ESPCAP_CCACHE "Compile through ccache when it is found" ON)
find_program(ESPCAP_CCACHE_PROGRAM ccache)
if(ESPCAP_CCACHE AND ESPCAP_CCACHE_PROGRAM)
  foreach(lang C CXX)
    if(NOT CMAKE_${lang}_COMPILER_LAUNCHER)
      set(CMAKE_${lang}_COMPILER_LAUNCHER
          "${CMAKE_COMMAND};-E;env;CCACHE_BASEDIR=${PROJECT_SOURCE_DIR};CCACHE_NOHASHDIR=true;${ESPCAP_CCACHE_PROGRAM}")
    endif()
  endforeach()
endif()
