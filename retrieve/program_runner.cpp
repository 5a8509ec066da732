// SPDX-License-Identifier: GPL-2.0-or-later
#include "program_runner.h"

#include <sys/wait.h>

#include <glib.h>

namespace espcap::retrieve {

std::string ProgramRun::describe_failure(const std::string &program) const {
    if (exit_status < 0) return program + " could not be started: " + start_error;
    std::string last_line = err;
    while (!last_line.empty() && (last_line.back() == '\n' || last_line.back() == '\r')) last_line.pop_back();
    if (const auto newline = last_line.rfind('\n'); newline != std::string::npos) last_line.erase(0, newline + 1);
    return program + " exited with status " + std::to_string(exit_status) +
           (last_line.empty() ? "" : ": " + last_line);
}

ProgramRun run_program(const std::vector<std::string> &argv) {
    std::vector<char *> args;
    for (const std::string &arg : argv) args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);
    ProgramRun run;
    gchar *out = nullptr, *err = nullptr;
    gint wait_status = 0;
    GError *error = nullptr;
    if (!g_spawn_sync(nullptr, args.data(), nullptr, G_SPAWN_SEARCH_PATH, nullptr, nullptr, &out, &err,
                      &wait_status, &error)) {
        run.start_error = error != nullptr ? error->message : "unknown error";
        g_clear_error(&error);
        return run;
    }
    run.out = out != nullptr ? out : "";
    run.err = err != nullptr ? err : "";
    g_free(out);
    g_free(err);
    // A program killed by a signal counts as failed with status 128 + signal, as shells say.
    if (WIFEXITED(wait_status)) {
        run.exit_status = WEXITSTATUS(wait_status);
    } else {
        run.exit_status = 128 + (WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0);
    }
    return run;
}

}  // namespace espcap::retrieve
