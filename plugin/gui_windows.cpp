// SPDX-License-Identifier: GPL-2.0-or-later
#include "gui_windows.h"

#include <cstdio>
#include <cstdlib>

namespace espcap::gui {
namespace {

constexpr const char *kResultFileVariable = "ESPCAP_GUI_RESULT_FILE";

}  // namespace

const funnel_ops_t *funnel_ops() { return funnel_get_funnel_ops(); }

funnel_text_window_t *open_text_window(const char *title, void (*on_closed)(void *window)) {
    const funnel_ops_t *ops = funnel_ops();
    funnel_text_window_t *window = ops->new_text_window(ops->ops_id, title);
    ops->set_close_cb(window, on_closed, window);
    return window;
}

void keep_copy_for_tests(const std::string &text) {
    const char *path = std::getenv(kResultFileVariable);
    if (path == nullptr || *path == '\0') return;
    if (FILE *file = std::fopen(path, "a")) {
        std::fprintf(file, "%s\n----\n", text.c_str());
        std::fclose(file);
    }
}

}  // namespace espcap::gui
