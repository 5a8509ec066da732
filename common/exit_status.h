// SPDX-License-Identifier: GPL-2.0-or-later
// The exit statuses every espcap program shares (tshark with espcap on, espcap-replay,
// espcap-index, espcap-pcap): the README's table, in one place.
#pragma once

namespace espcap::exit_status {

constexpr int kSuccess = 0;
constexpr int kBadUsage = 1;      // nothing was read or sent; tshark's own INVALID_OPTION
constexpr int kFailed = 2;        // some documents (espcap-pcap: packets) not delivered
constexpr int kStillSpooled = 3;  // nothing failed, but documents wait in the spool

}  // namespace espcap::exit_status
