// SPDX-License-Identifier: GPL-2.0-or-later
// Registers espcap with Wireshark: the plugin symbols, the "espcap" preferences
// module, the shutdown routine and the GUI's menus. Everything else lives in Session
// (tshark), GuiExportRun and PcapSearchRun (Wireshark).
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/ex-opt.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto.h>
#if __has_include(<wsutil/plugins.h>)  // not installed by 4.0's wireshark-dev
#include <wsutil/plugins.h>
#endif

#include <string>
#include <vector>

#include "gui_export.h"
#include "gui_open.h"
#include "guarded.h"
#include "host_program.h"
#include "options.h"
#include "reporter.h"
#include "session.h"

#ifndef ESPCAP_VERSION
#define ESPCAP_VERSION "0.0.0"
#endif

// `extern "C"` on each definition (not a block) keeps the const objects external.
extern "C" WS_DLL_PUBLIC_DEF const char plugin_version[] = ESPCAP_VERSION;
extern "C" WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
extern "C" WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
extern "C" WS_DLL_PUBLIC_DEF void plugin_register(void);
#ifdef WS_PLUGIN_DESC_DISSECTOR
// Wireshark 4.2 on: what `tshark -G plugins` lists as the plugin's kind (optional).
extern "C" WS_DLL_PUBLIC_DEF uint32_t plugin_describe(void) {
    return WS_PLUGIN_DESC_DISSECTOR | WS_PLUGIN_DESC_TAP_LISTENER;
}
#endif

namespace {

constexpr const char *kExOptKey = "espcap";  // -X espcap:key=value

int proto_espcap = -1;
// Storage the preferences module writes into: one string per option key.
std::vector<const char *> preference_values;
espcap::RawOptions command_line_options;
espcap::Session session;

espcap::RawOptions preference_options() {
    espcap::RawOptions raw;
    const auto &specs = espcap::option_specs();
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (preference_values[i] != nullptr && preference_values[i][0] != '\0')
            raw.emplace_back(specs[i].key, preference_values[i]);
    }
    return raw;
}

// Preferences first, -X last: -X wins.
espcap::RawOptions current_raw_settings() {
    espcap::RawOptions raw = preference_options();
    raw.insert(raw.end(), command_line_options.begin(), command_line_options.end());
    return raw;
}

espcap::OptionsResult current_settings() { return espcap::parse_options(current_raw_settings()); }

void apply_settings_unguarded() {
    const espcap::OptionsResult result = current_settings();
    if (!result.ok()) {
        espcap::host::report_bad_usage(result.error);
        return;
    }
    // Only tshark indexes every packet it reads: the GUI dissects packets again each
    // time one is selected, and exports from its Tools menu instead (gui_export.cpp).
    if (!espcap::host::is_tshark()) return;
    if (const std::string error = session.configure(result.options); !error.empty())
        espcap::host::report_bad_usage(error);
}

// Wireshark's preferences callback.
void apply_settings() { espcap::guarded("preferences", espcap::host::report_error, apply_settings_unguarded); }

void read_command_line_options() {
    command_line_options.clear();
    const gint count = ex_opt_count(kExOptKey);
    for (gint i = 0; i < count; ++i) {
        const gchar *argument = ex_opt_get_nth(kExOptKey, static_cast<guint>(i));
        std::pair<std::string, std::string> option;
        std::string error;
        if (!espcap::split_option_argument(argument != nullptr ? argument : "", option, error)) {
            espcap::host::report_bad_usage("-X espcap:" + error);
            return;
        }
        command_line_options.push_back(std::move(option));
    }
}

// One preference per row of the option table, with the table's title and description;
// Wireshark keeps the description pointers, so the texts are built once and kept.
void register_preferences() {
    module_t *module = prefs_register_protocol(proto_espcap, apply_settings);
    const auto &specs = espcap::option_specs();
    static const std::vector<std::string> descriptions = [&specs] {
        std::vector<std::string> texts;
        for (const espcap::OptionSpec &spec : specs) texts.push_back(spec.description());
        return texts;
    }();
    preference_values.assign(specs.size(), "");
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const auto register_preference = specs[i].secret ? prefs_register_password_preference
                                                         : prefs_register_string_preference;
        register_preference(module, specs[i].key, specs[i].title, descriptions[i].c_str(), &preference_values[i]);
    }
}

void on_shutdown() {
    switch (session.finish()) {  // finish() lets no exception out
    case espcap::Session::Outcome::refused: espcap::host::exit_with_refusal_status(); break;
    case espcap::Session::Outcome::failed: espcap::host::exit_with_failure_status(); break;
    case espcap::Session::Outcome::spooled: espcap::host::exit_with_spooled_status(); break;
    case espcap::Session::Outcome::delivered: break;
    }
}

void on_capture_opened() {
    espcap::guarded("capture start", espcap::host::report_error, [] {
        if (const std::string error = session.prepare_capture(); !error.empty())
            espcap::host::report_bad_usage(error);
    });
}

void register_protocol() {
    espcap::guarded("registration", espcap::host::report_error, [] {
        proto_espcap = proto_register_protocol("espcap: index packets into Elasticsearch", "espcap", "espcap");
        register_preferences();
        register_init_routine(on_capture_opened);
        register_shutdown_routine(on_shutdown);
        if (!espcap::host::is_tshark()) {
            espcap::gui::register_menu(current_settings);
            espcap::gui::register_open_menu(current_raw_settings);
        }
    });
}

// -X options are known here; preferences are applied later and call apply_settings.
void handoff() {
    espcap::guarded("handoff", espcap::host::report_error, [] {
        read_command_line_options();
        for (const std::string &warning : espcap::command_line_secret_warnings(command_line_options))
            espcap::stderr_reporter().warning(warning);
        apply_settings_unguarded();
    });
}

}  // namespace

void plugin_register(void) {
    static proto_plugin plugin;
    plugin.register_protoinfo = register_protocol;
    plugin.register_handoff = handoff;
    proto_register_plugin(&plugin);
}
