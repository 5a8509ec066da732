// SPDX-License-Identifier: GPL-2.0-or-later
#include "gui_export.h"

#include <wireshark.h>
#include <epan/funnel.h>
#include <epan/packet.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "gui_export_run.h"
#include "guarded.h"
#include "gui_windows.h"
#include "host_program.h"

namespace espcap::gui {
namespace {

using Scope = GuiExportRun::Scope;

constexpr const char *kTitle = "Export to Elasticsearch";
constexpr guint kPollMilliseconds = 100;
// Test and automation hook: ESPCAP_GUI_EXPORT=all|displayed[,...] picks the menu
// entries once the first capture file has been read.
constexpr const char *kAutoExportVariable = "ESPCAP_GUI_EXPORT";

SettingsSource settings_source;
std::string node_asked_for;  // the answer to the last "which node?" dialog
std::vector<Scope> auto_exports;

// The run in progress (at most one) and the window that shows its progress, then its
// result. The window pointer is dropped when the user closes the window.
std::unique_ptr<GuiExportRun> run;
enum class Phase { connecting, confirming } phase = Phase::connecting;
funnel_text_window_t *run_window = nullptr;

const funnel_ops_t *ops() { return funnel_ops(); }

void on_window_closed(void *window) {
    if (run_window == window) run_window = nullptr;
}

funnel_text_window_t *open_window() { return open_text_window(kTitle, on_window_closed); }

void show_in_new_window(const std::string &text) {
    ops()->set_text(open_window(), text.c_str());
    keep_copy_for_tests(text);
}

void show_progress(const std::string &text) {
    if (run_window == nullptr) run_window = open_window();
    ops()->set_text(run_window, text.c_str());
}

std::string first_node(const Options &options) {
    if (options.nodes.empty()) return options.output_file;
    return options.nodes.front().url() + (options.nodes.size() > 1 ? " (and the other nodes)" : "");
}

gboolean poll_run_step() {
    if (phase == Phase::connecting) {
        if (!run->connected()) return G_SOURCE_CONTINUE;
        if (run->connect_error().empty()) {
            show_progress("Reading packets and sending them to Elasticsearch...\n");
            run->read_packets([] { ops()->retap_packets(ops()->ops_id); });
                }
        show_progress("All packets read; waiting for Elasticsearch to confirm " +
                      std::to_string(run->documents_handed()) + " documents...\n");
        phase = Phase::confirming;
        run->confirm_in_background();
        return G_SOURCE_CONTINUE;
    }
    if (!run->confirmed()) return G_SOURCE_CONTINUE;
    const std::string result = run->result_text();
    show_progress(result);
    keep_copy_for_tests(result);
    run_window = nullptr;  // the result stays on screen; a new run opens its own window
    run.reset();
    return G_SOURCE_REMOVE;
}

// The GLib timer callback. An export that threw is reported and dropped, so a later
// export can start.
gboolean poll_run(gpointer) {
    gboolean keep_polling = G_SOURCE_REMOVE;
    if (!guarded("export", host::report_error, [&] { keep_polling = poll_run_step(); })) {
        guarded("export", host::report_error, [] {
            run_window = nullptr;
            run.reset();
        });
    }
    return keep_polling;
}

void begin(const Options &options, Scope scope) {
    run = std::make_unique<GuiExportRun>(options, scope);
    phase = Phase::connecting;
    show_progress("Connecting to " + first_node(options) + "...\n");
    run->connect_in_background();
    g_timeout_add(kPollMilliseconds, poll_run, nullptr);
}

void node_entered(const std::string &answer, void *scope) {
    node_asked_for = answer;
    if (node_asked_for.empty()) {
        show_in_new_window("Nothing was exported: no Elasticsearch node was given.\n");
        return;
    }
    OptionsResult settings = settings_source();
    const OptionsResult node = parse_options({{"node", node_asked_for}});
    if (!settings.ok() || !node.ok()) {
        show_in_new_window("Nothing was exported: " + (settings.ok() ? node.error : settings.error) + "\n");
        return;
    }
    settings.options.nodes = node.options.nodes;
    begin(settings.options, static_cast<Scope>(GPOINTER_TO_INT(scope)));
}

void on_node_entered(gchar **input, void *scope) {
    const std::string answer = input != nullptr && input[0] != nullptr ? g_strstrip(input[0]) : "";
    g_strfreev(input);
    guarded("export", host::report_error, [&] { node_entered(answer, scope); });
}

void ask_for_node(Scope scope) {
    // Empty the first time: a guessed default could send the capture to the wrong cluster.
    const gchar *names[] = {"Elasticsearch node (host:port or http(s)://host:port)", nullptr};
    const gchar *values[] = {node_asked_for.c_str(), nullptr};
    ops()->new_dialog(ops()->ops_id, kTitle, names, values, on_node_entered,
                      GINT_TO_POINTER(static_cast<int>(scope)), nullptr);
}

void start_export(Scope scope) {
    if (ops() == nullptr) return;  // a host program without Wireshark's GUI
    if (run) {
        show_in_new_window("An export to Elasticsearch is already running (" +
                           std::to_string(run->documents_handed()) +
                           " documents so far).\nIts result window opens when it ends; start the next export "
                           "after that.\n");
        return;
    }
    const OptionsResult settings = settings_source();
    if (!settings.ok()) {
        show_in_new_window("Nothing was exported: " + settings.error +
                           "\nFix it in Edit > Preferences > Protocols > espcap.\n");
        return;
    }
    // No node in the preferences or on the command line: ask rather than fail.
    if (!settings.options.active()) {
        ask_for_node(scope);
        return;
    }
    begin(settings.options, scope);
}

void on_menu(gpointer scope) {
    guarded("export", host::report_error, [&] { start_export(static_cast<Scope>(GPOINTER_TO_INT(scope))); });
}

gboolean run_auto_exports(gpointer) {
    guarded("export", host::report_error, [] {
        const std::vector<Scope> exports = std::move(auto_exports);
        auto_exports.clear();
        for (Scope scope : exports) start_export(scope);
    });
    return G_SOURCE_REMOVE;
}

// Called at the end of every sequential read of a capture file, before Wireshark
// returns to its event loop; the exports start from there.
void on_capture_read() {
    if (!auto_exports.empty()) g_idle_add(run_auto_exports, nullptr);  // nothing here throws
}

void read_auto_exports() {
    const char *value = std::getenv(kAutoExportVariable);
    if (value == nullptr) return;
    gchar **entries = g_strsplit(value, ",", -1);
    for (gchar **entry = entries; *entry != nullptr; ++entry) {
        const std::string name = g_strstrip(*entry);
        if (name == "all") auto_exports.push_back(Scope::all);
        if (name == "displayed") auto_exports.push_back(Scope::displayed);
    }
    g_strfreev(entries);
    if (!auto_exports.empty()) register_postseq_cleanup_routine(on_capture_read);
}

}  // namespace

void register_menu(SettingsSource settings) {
    settings_source = std::move(settings);
    // A '/' makes a submenu under Tools.
    funnel_register_menu("Export to Elasticsearch/All Packets", REGISTER_TOOLS_GROUP_UNSORTED, on_menu,
                         GINT_TO_POINTER(static_cast<int>(Scope::all)), nullptr, FALSE);
    funnel_register_menu("Export to Elasticsearch/Displayed Packets", REGISTER_TOOLS_GROUP_UNSORTED, on_menu,
                         GINT_TO_POINTER(static_cast<int>(Scope::displayed)), nullptr, FALSE);
    read_auto_exports();
}

}  // namespace espcap::gui
