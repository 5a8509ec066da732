// SPDX-License-Identifier: GPL-2.0-or-later
// Wireshark's Tools > Export to Elasticsearch menu. The callbacks forward to
// GuiExportRun; this file only talks to Wireshark's GUI through its funnel API.
#pragma once

#include <functional>

#include "options.h"

namespace espcap::gui {

// The settings in force when the user picks the menu: preferences, then -X.
using SettingsSource = std::function<OptionsResult()>;

// Adds the menu entries (Wireshark only; tshark has no menus). Must run while plugins
// register, before Wireshark builds its menus.
void register_menu(SettingsSource settings);

}  // namespace espcap::gui
