# SPDX-License-Identifier: GPL-2.0-or-later
# Everything espcap builds against, each as an imported target:
#   epan                 Wireshark's dissection library (Debian: wireshark-dev)
#   CURL::libcurl        HTTP client (libcurl4-openssl-dev)
#   PkgConfig::LIBDEFLATE  gzip of request bodies and spool files (libdeflate-dev)
#   PkgConfig::GLIB      SHA-1 and base64 of Community IDs (libglib2.0-dev)
#   ZLIB::ZLIB           inflating spool files, with a bound on the result (zlib1g-dev)
#   nlohmann_json::nlohmann_json  parsing server replies (nlohmann-json3-dev)
#   PkgConfig::LIBXXHASH  XXH3-128, the digest in each packet's document id (libxxhash-dev)
#   PkgConfig::LIBMAXMINDDB  GeoIP and ASN lookups, geoip= and asn= (libmaxminddb-dev)
#   Threads::Threads     the sender thread
#   PkgConfig::GLIB      running Wireshark's tools from espcap-pcap (libglib2.0-dev)
include(GNUInstallDirs)

find_package(Wireshark 4.0 CONFIG REQUIRED)
find_package(CURL REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBDEFLATE REQUIRED IMPORTED_TARGET libdeflate)
pkg_check_modules(LIBXXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(GLIB REQUIRED IMPORTED_TARGET glib-2.0)
pkg_check_modules(LIBMAXMINDDB REQUIRED IMPORTED_TARGET libmaxminddb)
find_package(nlohmann_json 3.9 REQUIRED)
find_package(Threads REQUIRED)

if(NOT Wireshark_PLUGINS_ENABLED)
  message(FATAL_ERROR "This Wireshark was built without plugin support")
endif()

# Install next to Wireshark (its prefix, not /usr/local) unless told otherwise: tshark
# only looks in its own plugin folder, and as root it ignores the personal one.
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX "${Wireshark_INSTALL_PREFIX}" CACHE PATH "Installation prefix" FORCE)
endif()
set(ESPCAP_PLUGIN_DIR "${Wireshark_PLUGIN_LIBDIR}/epan" CACHE STRING
    "Where the plugin is installed, relative to the prefix")
message(STATUS "espcap: Wireshark ${Wireshark_VERSION}, plugin goes to ${CMAKE_INSTALL_PREFIX}/${ESPCAP_PLUGIN_DIR}")
