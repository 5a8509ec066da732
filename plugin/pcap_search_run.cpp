// SPDX-License-Identifier: GPL-2.0-or-later
#include "pcap_search_run.h"

#include <wireshark.h>
#include <glib/gstdio.h>
#include <wsutil/filesystem.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

namespace espcap {
namespace {

constexpr const char *kProgram = "espcap-pcap";
// Enough for every reason espcap-pcap gives; a runaway report is read but not kept.
constexpr std::size_t kMaxReportBytes = 64 * 1024;

// The folder of Wireshark's own programs; "" when Wireshark does not know it.
std::string program_folder() {
    const char *folder = get_progfile_dir();
    return folder != nullptr ? folder : "";
}

// espcap-pcap as the user's PATH finds it, else installed beside Wireshark's programs.
std::string find_program() {
    if (gchar *found = g_find_program_in_path(kProgram)) {
        std::string path = found;
        g_free(found);
        return path;
    }
    if (program_folder().empty()) return "";
    gchar *beside = g_build_filename(program_folder().c_str(), kProgram, nullptr);
    std::string path = g_file_test(beside, G_FILE_TEST_IS_EXECUTABLE) ? beside : "";
    g_free(beside);
    return path;
}

// A new private (0600) temporary file named after `pattern` holding `content`; its
// path, or "" with `error` set.
std::string private_file(const char *pattern, const std::string &content, std::string &error) {
    gchar *name = nullptr;
    GError *failure = nullptr;
    const int fd = g_file_open_tmp(pattern, &name, &failure);
    if (fd < 0) {
        error = std::string("no temporary file: ") + failure->message;
        g_clear_error(&failure);
        return "";
    }
    std::string path = name;
    g_free(name);
    std::size_t written = 0;
    while (written < content.size()) {
        const ssize_t n = write(fd, content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = "cannot write " + path + ": " + g_strerror(errno);
            close(fd);
            g_remove(path.c_str());
            return "";
        }
        written += static_cast<std::size_t>(n);
    }
    close(fd);
    return path;
}

std::uint64_t file_size(const std::string &path) {
    GStatBuf info;
    return g_stat(path.c_str(), &info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0;
}

}  // namespace

PcapSearchRun::PcapSearchRun(PcapSearchForm form) : form_(std::move(form)) {}

PcapSearchRun::~PcapSearchRun() {
    if (running_) {
        kill(child_, SIGTERM);
        int status = 0;
        while (waitpid(child_, &status, 0) < 0 && errno == EINTR) {
        }
        g_spawn_close_pid(child_);
    }
    if (report_fd_ >= 0) close(report_fd_);
    remove_secret_files();
    if (!keep_answer_ && !answer_file_.empty()) g_remove(answer_file_.c_str());
}

std::string PcapSearchRun::start(const RawOptions &settings, const Options &parsed) {
    const std::string program = find_program();
    if (program.empty())
        return std::string(kProgram) + " is not installed: it is in neither PATH nor " +
               (program_folder().empty() ? "Wireshark's program folder" : program_folder());
    std::string error;
    answer_file_ = private_file("espcap-search-XXXXXX.pcapng", "", error);
    if (!parsed.password.empty() && error.empty())
        secrets_.password_file = private_file("espcap-secret-XXXXXX", parsed.password, error);
    if (!parsed.api_key.empty() && error.empty())
        secrets_.api_key_file = private_file("espcap-secret-XXXXXX", parsed.api_key, error);
    if (!error.empty()) return error;

    std::vector<std::string> argv = pcap_search_arguments(program, settings, form_, secrets_, answer_file_);
    std::vector<char *> argv_pointers;
    for (std::string &argument : argv) argv_pointers.push_back(argument.data());
    argv_pointers.push_back(nullptr);
    GError *failure = nullptr;
    // No shell: each argument (a display filter with quotes, say) reaches it as is.
    if (!g_spawn_async_with_pipes(nullptr, argv_pointers.data(), nullptr,
                                  static_cast<GSpawnFlags>(G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL),
                                  nullptr, nullptr, &child_, nullptr, nullptr, &report_fd_, &failure)) {
        error = "cannot start " + program + ": " + failure->message;
        g_clear_error(&failure);
        report_fd_ = -1;
        return error;
    }
    running_ = true;
    fcntl(report_fd_, F_SETFL, fcntl(report_fd_, F_GETFL) | O_NONBLOCK);
    return "";
}

void PcapSearchRun::read_report() {
    if (report_fd_ < 0) return;
    char buffer[4096];
    while (true) {
        const ssize_t n = read(report_fd_, buffer, sizeof buffer);
        if (n > 0) {
            if (result_.report.size() < kMaxReportBytes) result_.report.append(buffer, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) {  // every writer is gone
            close(report_fd_);
            report_fd_ = -1;
        }
        return;  // EAGAIN: nothing more for now
    }
}

bool PcapSearchRun::finished() {
    read_report();
    if (!running_) return true;
    int status = 0;
    const pid_t ended = waitpid(child_, &status, WNOHANG);
    const int wait_error = ended < 0 ? errno : 0;
    if (ended == 0 || wait_error == EINTR) return false;
    record_end(wait_error, status);
    return true;
}

void PcapSearchRun::record_end(int wait_error, int status) {
    running_ = false;
    g_spawn_close_pid(child_);
    read_report();  // what it wrote just before it ended
    if (wait_error != 0) {
        result_.report += std::string(kProgram) + ": cannot learn how it ended: " + g_strerror(wait_error) + "\n";
    } else if (WIFEXITED(status)) {
        result_.exit_status = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result_.report += std::string(kProgram) + ": ended by signal " + std::to_string(WTERMSIG(status)) + "\n";
    }
    remove_secret_files();  // read by now, or never
    result_.answer_bytes = file_size(answer_file_);
}

void PcapSearchRun::remove_secret_files() {
    for (std::string *path : {&secrets_.password_file, &secrets_.api_key_file}) {
        if (!path->empty()) g_remove(path->c_str());
        path->clear();
    }
}

}  // namespace espcap
