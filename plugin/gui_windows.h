// SPDX-License-Identifier: GPL-2.0-or-later
// What espcap's Tools menu entries share about Wireshark's windows: the funnel API, in
// which every window and dialog a plugin may open is Wireshark's, and a copy of every
// text shown for tests and scripts.
#pragma once

#include <wireshark.h>
#include <epan/funnel.h>

#include <string>

namespace espcap::gui {

// Wireshark's funnel operations; nullptr in a host program without its GUI.
const funnel_ops_t *funnel_ops();

// A new text window titled `title`; `on_closed(window)` runs when the user closes it.
funnel_text_window_t *open_text_window(const char *title, void (*on_closed)(void *window));

// Test and automation hook: ESPCAP_GUI_RESULT_FILE=PATH gets a copy of `text`,
// appended with a "----" line after it.
void keep_copy_for_tests(const std::string &text);

}  // namespace espcap::gui
