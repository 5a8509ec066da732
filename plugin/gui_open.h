// SPDX-License-Identifier: GPL-2.0-or-later
// Wireshark's Tools > Open from Elasticsearch: a dialog for a display filter and a time
// range, a search by espcap-pcap (PcapSearchRun) while Wireshark stays usable, and the
// answer opened as a capture. This file only talks to Wireshark through its funnel API.
#pragma once

#include <functional>

#include "options.h"

namespace espcap::gui {

// The settings in force when the user picks the menu, as given: preferences, then -X.
using RawSettingsSource = std::function<RawOptions()>;

// Adds the menu entry (Wireshark only). Must run while plugins register.
void register_open_menu(RawSettingsSource settings);

}  // namespace espcap::gui
