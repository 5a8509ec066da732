// SPDX-License-Identifier: GPL-2.0-or-later
#include "gui_open.h"

#include <wireshark.h>
#include <epan/funnel.h>
#include <glib/gstdio.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "guarded.h"
#include "gui_windows.h"
#include "host_program.h"
#include "pcap_search_run.h"

namespace espcap::gui {
namespace {

constexpr const char *kTitle = "Open from Elasticsearch";
constexpr guint kPollMilliseconds = 100;
// Test and automation hook: ESPCAP_GUI_OPEN="FILTER<TAB>FROM<TAB>TO" opens the dialog
// once Wireshark is up, with those values filled in (the node: the preferences').
constexpr const char *kAutoOpenVariable = "ESPCAP_GUI_OPEN";
constexpr guint kAutoOpenTries = 300;  // a minute of 200 ms waits for the main window

RawSettingsSource settings_source;
PcapSearchForm last_form;  // the dialog shows the last answers
std::unique_ptr<PcapSearchRun> run;
funnel_text_window_t *run_window = nullptr;

// Answers Wireshark has opened are removed when it exits (File > Save As keeps one).
struct AnswerFiles {
    std::vector<std::string> paths;
    ~AnswerFiles() {
        for (const std::string &path : paths) g_remove(path.c_str());
    }
} answers_opened;

const funnel_ops_t *ops() { return funnel_ops(); }

void on_window_closed(void *window) {
    if (run_window == window) run_window = nullptr;
}

void show_in_new_window(const std::string &text) {
    ops()->set_text(open_text_window(kTitle, on_window_closed), text.c_str());
    keep_copy_for_tests(text);
}

void show_progress(const std::string &text) {
    if (run_window == nullptr) run_window = open_text_window(kTitle, on_window_closed);
    ops()->set_text(run_window, text.c_str());
}

// The node the preferences (or -X) name, as typed there.
std::string configured_node(const RawOptions &settings) {
    std::string node;
    for (const auto &[key, value] : settings)
        if (key == "node") node = value;
    return node;
}

// Opens the answer in Wireshark. The window then closes when every packet came, and
// otherwise says why some did not, or why there is nothing to open.
void finish(const PcapSearchOutcome &outcome) {
    keep_copy_for_tests(outcome.text);
    if (outcome.open_answer) {
        char *error = nullptr;
        const bool opened = ops()->open_file(ops()->ops_id, run->answer_file().c_str(), "", &error);
        if (opened) {
            run->keep_answer();
            answers_opened.paths.push_back(run->answer_file());
        } else {
            const std::string why = error != nullptr ? error : "Wireshark did not say why";
            g_free(error);
            show_progress(outcome.text + "\nWireshark could not open " + run->answer_file() + ": " + why + "\n");
            run_window = nullptr;
            return;
        }
        // A complete answer needs no words: the capture is the answer.
        if (outcome.complete) {
            if (run_window != nullptr) ops()->destroy_text_window(run_window);
            run_window = nullptr;
            return;
        }
    }
    show_progress(outcome.text);
    run_window = nullptr;  // the text stays on screen; the next search opens its own window
}

gboolean poll_run_step() {
    if (!run->finished()) return G_SOURCE_CONTINUE;
    finish(run->outcome());
    run.reset();
    return G_SOURCE_REMOVE;
}

// The GLib timer callback, on the GUI thread. A search that threw is reported and
// dropped, so a later one can start.
gboolean poll_run(gpointer) {
    gboolean keep_polling = G_SOURCE_REMOVE;
    if (!guarded("search", host::report_error, [&] { keep_polling = poll_run_step(); }))
        guarded("search", host::report_error, [] {
            run_window = nullptr;
            run.reset();
        });
    return keep_polling;
}

// One search at a time: the menu can be picked, and two dialogs answered, while one runs.
bool refused_while_running() {
    if (!run) return false;
    show_in_new_window("A search is already running; its answer opens when it ends. Start the next search after "
                       "that.\n");
    return true;
}

void search(const PcapSearchForm &form) {
    if (refused_while_running()) return;
    last_form = form;
    if (const std::string problem = form.problem(); !problem.empty()) {
        show_in_new_window("Nothing was searched: " + problem + ".\n");
        return;
    }
    RawOptions settings = settings_source();
    settings.emplace_back("node", form.node);  // the dialog's node wins
    const OptionsResult parsed = parse_options(settings);
    if (!parsed.ok()) {
        show_in_new_window("Nothing was searched: " + parsed.error +
                           "\nFix it in the dialog or in Edit > Preferences > Protocols > espcap.\n");
        return;
    }
    run = std::make_unique<PcapSearchRun>(form);
    if (const std::string problem = run->start(settings, parsed.options); !problem.empty()) {
        run.reset();
        show_in_new_window("Nothing was searched: " + problem + ".\n");
        return;
    }
    show_progress("Searching " + form.node + " for " +
                  (form.display_filter.empty() ? std::string("every packet") : "\"" + form.display_filter + "\"") +
                  (form.from.empty() ? "" : " from " + form.from) + (form.to.empty() ? "" : " to " + form.to) +
                  "...\nThe packets open in Wireshark when espcap-pcap has read them from their capture files.\n");
    g_timeout_add(kPollMilliseconds, poll_run, nullptr);
}

std::string field(gchar **input, int index) {
    for (int i = 0; i <= index; ++i)
        if (input == nullptr || input[i] == nullptr) return "";
    return g_strstrip(input[index]);
}

void on_form_entered(gchar **input, void *) {
    PcapSearchForm form;
    form.display_filter = field(input, 0);
    form.from = field(input, 1);
    form.to = field(input, 2);
    form.node = field(input, 3);
    g_strfreev(input);
    guarded("search", host::report_error, [&] { search(form); });
}

void ask_for_search() {
    if (refused_while_running()) return;
    if (last_form.node.empty()) last_form.node = configured_node(settings_source());
    const gchar *names[] = {"Display filter (as in Wireshark)",
                            "From (inclusive): 2024-05-01T12:00:00Z, epoch ms or now-1h",
                            "To (exclusive)", "Elasticsearch node", nullptr};
    const gchar *values[] = {last_form.display_filter.c_str(), last_form.from.c_str(), last_form.to.c_str(),
                             last_form.node.c_str(), nullptr};
    ops()->new_dialog(ops()->ops_id, kTitle, names, values, on_form_entered, nullptr, nullptr);
}

void on_menu(gpointer) {
    guarded("search", host::report_error, [] {
        if (ops() != nullptr) ask_for_search();  // nullptr: a host program without Wireshark's GUI
    });
}

// The test hook's dialog, once Wireshark's windows exist.
gboolean open_auto_dialog(gpointer tries_left) {
    const guint tries = GPOINTER_TO_UINT(tries_left);
    if (ops() == nullptr && tries > 0) {
        g_timeout_add(200, open_auto_dialog, GUINT_TO_POINTER(tries - 1));
        return G_SOURCE_REMOVE;
    }
    on_menu(nullptr);
    return G_SOURCE_REMOVE;
}

void read_auto_open() {
    const char *value = std::getenv(kAutoOpenVariable);
    if (value == nullptr) return;
    gchar **fields = g_strsplit(value, "\t", 3);
    last_form.display_filter = field(fields, 0);
    last_form.from = field(fields, 1);
    last_form.to = field(fields, 2);
    g_strfreev(fields);
    g_timeout_add(200, open_auto_dialog, GUINT_TO_POINTER(kAutoOpenTries));
}

}  // namespace

void register_open_menu(RawSettingsSource settings) {
    settings_source = std::move(settings);
    funnel_register_menu("Open from Elasticsearch\u2026", REGISTER_TOOLS_GROUP_UNSORTED, on_menu, nullptr, nullptr,
                         FALSE);
    read_auto_open();
}

}  // namespace espcap::gui
